"""``--raters`` out of core: the per-rater report (report.raters_report) as grouped SQL.

Why it fits the SQL engines: every figure of raters.py is a per-rater sum over judgments, once
each judgment carries its item's totals (a join on ``GROUP BY item``) or its rank within the
rater (a window ``PARTITION BY rater``), so the engine returns one row per rater and NumPy
finishes as raters.py does:

* counts and mean: ``GROUP BY rater``;
* leave-one-out (LOO) mean of a judgment: (item sum - x) / (item count - 1), the item totals
  joined from ``GROUP BY item``; ``loo_pearson`` from the per-rater sums of x, y, xy, x², y²
  (raters.pearson_from_sums, shared with the memory report), ``loo_spearman`` the same on average ranks within
  the rater (``rank()`` plus half the ties: pandas' ``rank()``), ``loo_mad`` a per-rater mean;
* labels: ``loo_modal_agreement`` from ``GROUP BY item, label`` counts (largest, how many labels
  reach it, second largest) joined back to the judgments;
* test-retest: consecutive repeats of a (rater, item) pair by ``lag()`` in timestamp, then file
  order, before the duplicates policy; ``test_retest_alpha`` is alpha with each repeated
  (rater, item) pair as one unit, through the same queries as the report's alpha.

Leave-one-out means of different items that are equal in exact arithmetic (frequent with ratings
rounded to a few decimals) come out of sums added in another order than pandas adds them, so they
may differ from memory's in the last bit, tie where memory does not (or the reverse) and rank
differently: ``loo_spearman`` would then differ from memory's beyond rounding. It is computed
only when that cannot happen (no two leave-one-out means of different items of a rater within
the summation-order rounding bound, or values that add exactly: multiples of 1/1024 such as
integer ratings); otherwise it is NaN and the ``note`` column says why. Every other figure
agrees with memory to 1e-9.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import AgreementError
from .raters import pearson_from_sums
from .sql_report import Plan, Source, alpha_result, check_ids, dimension_plans

RATER = "rater_id"


def raters_frame(
    source: Source,
    roles: dict[str, str],
    *,
    dimensions: list[str] | None = None,
    levels: dict[str, str] | None = None,
    where: str | None = None,
    duplicates: str = "latest",
    order: str | None = "timestamp",
) -> Any:
    """The per-rater report (:func:`~.report.raters_report`'s columns and order) out of core."""
    from .duplicates import check_policy
    from .report import _stacked, natural_order

    if "rater" not in roles:
        raise AgreementError(
            "--raters needs a rater column (--rater names it); the input has none of that name"
        )
    check_policy(duplicates)
    check_ids(source, roles)
    parts = []
    for name, level, p in dimension_plans(
        source, roles, dimensions=dimensions, levels=levels, where=where, duplicates=duplicates,
        order=order,
    ):  # fmt: skip
        part = _leave_one_out(source, p) if level != "nominal" else _modal(source, p)
        retest = _retest(source, p)
        if not retest.empty:
            part = part.merge(retest, on=RATER, how="left")
            for count in ("n_repeated_items", "n_repeated_pairs"):
                part[count] = part[count].astype("Int64")
        part = part.assign(
            dimension=name,
            level=level,
            between_rater_alpha=_alpha(source, p),
            test_retest_alpha=_alpha(source, _repeated_units(source, p)),
        )
        parts.append(part.iloc[natural_order(part[RATER])].reset_index(drop=True))
    frame = _stacked(parts, RATER)
    if "note" in frame.columns:  # what was not computed, and why: last, after the figures
        frame = frame[[c for c in frame.columns if c != "note"] + ["note"]]
    return frame


def _alpha(source: Source, p: Plan) -> float:
    return float(
        alpha_result(source, p, None, against_all=False, n_resamples=0, seed=None).estimate
    )


def _counts(source: Source, p: Plan, mean: bool) -> Any:
    """n_judgments, n_items (and the mean) per rater, as raters.rater_diagnostics' ``base``."""
    import pandas as pd

    average = ", avg(v) AS mean" if mean else ""
    frame = pd.DataFrame(
        source.run(
            f"WITH {p.ctes} SELECT CAST(r AS {source.text_type}) AS {RATER}, count(*) AS "
            f"n_judgments, count(DISTINCT i) AS n_items{average} FROM j GROUP BY r"
        )
    )
    for column in ("n_judgments", "n_items"):
        frame[column] = frame[column].astype("int64")
    if mean:
        frame["mean"] = pd.to_numeric(frame["mean"]).astype("float64")
    return frame


def _average_rank(column: str) -> str:
    """pandas' ``rank()`` (ties share their average rank) within the rater, as SQL."""
    return (
        f"(CAST(rank() OVER (PARTITION BY r ORDER BY {column}) AS DOUBLE) + "
        f"(CAST(count(*) OVER (PARTITION BY r, {column}) AS DOUBLE) - 1.0) * 0.5)"
    )


def _leave_one_out(source: Source, p: Plan) -> Any:
    """Counts, mean, loo_pearson, loo_spearman and loo_mad per rater (numeric levels)."""
    frame = _counts(source, p, mean=True)
    sums = ", ".join(
        f"sum({a} * {b}) AS {a}{b}" for a, b in (("x", "y"), ("x", "x"), ("y", "y"),
                                                   ("a", "b"), ("a", "a"), ("b", "b"))
    )  # fmt: skip
    rows = source.run(
        f"WITH {p.ctes}, ia AS (SELECT i, sum(v) AS s, count(*) AS m FROM j GROUP BY i), "
        "jl AS (SELECT j.r, j.v AS x, (ia.s - j.v) / CAST(ia.m - 1 AS DOUBLE) AS y FROM j "
        "JOIN ia ON j.i = ia.i WHERE ia.m >= 2), "
        f"jk AS (SELECT r, x, y, {_average_rank('x')} AS a, {_average_rank('y')} AS b FROM jl) "
        f"SELECT CAST(r AS {source.text_type}) AS {RATER}, CAST(count(*) AS DOUBLE) AS n, "
        "sum(x) AS x, sum(y) AS y, sum(a) AS a, sum(b) AS b, "
        f"{sums}, sum(abs(x - y)) AS d FROM jk GROUP BY r"
    )
    n = np.asarray(rows["n"], dtype=np.float64)
    column = {k: np.asarray(rows[k], dtype=np.float64) for k in rows if k not in (RATER, "n")}
    pearson = pearson_from_sums(n, *(column[k] for k in ("x", "y", "xy", "xx", "yy")))
    spearman = pearson_from_sums(n, *(column[k] for k in ("a", "b", "ab", "aa", "bb")))
    with np.errstate(divide="ignore", invalid="ignore"):
        mad = column["d"] / n
    ambiguous = _ambiguous_ranks(source, p)
    if ambiguous:
        spearman = np.full_like(n, np.nan)
    frame = _attach(frame, rows[RATER], loo_pearson=pearson, loo_spearman=spearman, loo_mad=mad)
    if ambiguous:
        frame["note"] = (
            f"loo_spearman not computed out of core: {ambiguous} leave-one-out mean(s) of "
            "different items tie with another of the same rater up to the rounding of their "
            "item sums, which the engines add in different orders, so their ranks are not "
            "reproducible (values that are multiples of 1/1024, e.g. integer ratings, always "
            "are); use --engine memory for it"
        )
    return frame


#: Values that are multiples of 1/2^10 below this bound (times the item size) add exactly in
#: any order, so leave-one-out means and their ties are the same bits in every engine.
DYADIC = 1024.0


def _ambiguous_ranks(source: Source, p: Plan) -> int:
    """How many leave-one-out means (per rater, sorted) lie within the summation-order rounding
    bound of their neighbour from another item: their ties and order, hence loo_spearman, may
    differ from memory's. 0 when the values add exactly (multiples of 1/1024, bounded)."""
    eps = float(np.finfo(np.float64).eps)
    rows = source.run(
        f"WITH {p.ctes}, ia AS (SELECT i, sum(v) AS s, count(*) AS m FROM j GROUP BY i), "
        "jl AS (SELECT j.r, j.i, j.v AS x, ia.m, (ia.s - j.v) / CAST(ia.m - 1 AS DOUBLE) AS y "
        "FROM j JOIN ia ON j.i = ia.i WHERE ia.m >= 2), "
        f"tl AS (SELECT CAST({8 * eps!r} AS DOUBLE) * max(m) * max(abs(x)) AS tol, "
        f"max(m) * max(abs(x)) * {DYADIC!r} AS top, sum(CASE WHEN x * {DYADIC!r} = "
        f"floor(x * {DYADIC!r}) THEN 0 ELSE 1 END) AS inexact FROM jl), "
        "ny AS (SELECT i, y, lag(y) OVER (PARTITION BY r ORDER BY y) AS py, "
        "lag(i) OVER (PARTITION BY r ORDER BY y) AS pi FROM jl) "
        "SELECT (SELECT count(*) FROM ny, tl WHERE py IS NOT NULL AND y - py <= tl.tol AND "
        "NOT (y = py AND i = pi)) AS near, min(tl.inexact) AS inexact, min(tl.top) AS top FROM tl"
    )
    near = int(rows["near"][0] or 0)
    exact = int(rows["inexact"][0] or 0) == 0 and float(rows["top"][0] or 0.0) < 2.0**53
    return 0 if exact else near


def _attach(frame: Any, raters: np.ndarray, **columns: np.ndarray) -> Any:
    """``frame`` (one row per rater) with per-rater ``columns`` given for the raters ``raters``
    (NaN for the others: raters with no judgment of an item judged twice)."""
    import pandas as pd

    index = pd.Index(np.asarray(raters, dtype=object))
    for name, values in columns.items():
        series = pd.Series(np.asarray(values, dtype=np.float64), index=index)
        frame[name] = frame[RATER].map(series).astype("float64")
    return frame


def _modal(source: Source, p: Plan) -> Any:
    """Counts and loo_modal_agreement per rater (labels): a judgment agrees when its label is the
    unique mode of the item's other judgments (raters.rater_diagnostics)."""
    frame = _counts(source, p, mean=False)
    rows = source.run(
        f"WITH {p.ctes}, iv AS (SELECT i, v, count(*) AS c FROM j GROUP BY i, v), "
        "it AS (SELECT i, sum(c) AS m, max(c) AS top FROM iv GROUP BY i), "
        "iu AS (SELECT iv.i, it.m, it.top, sum(CASE WHEN iv.c = it.top THEN 1 ELSE 0 END) "
        "AS n_top, max(CASE WHEN iv.c < it.top THEN iv.c ELSE 0 END) AS second FROM iv "
        "JOIN it ON iv.i = it.i GROUP BY iv.i, it.m, it.top), "
        "ja AS (SELECT j.r, CASE WHEN iv.c - 1 > (CASE WHEN iv.c = iu.top AND iu.n_top = 1 "
        "THEN iu.second ELSE iu.top END) THEN 1.0 ELSE 0.0 END AS agree FROM j "
        "JOIN iv ON j.i = iv.i AND j.v = iv.v JOIN iu ON j.i = iu.i WHERE iu.m >= 2) "
        f"SELECT CAST(r AS {source.text_type}) AS {RATER}, "
        "sum(agree) / CAST(count(*) AS DOUBLE) AS a FROM ja GROUP BY r"
    )
    return _attach(frame, rows[RATER], loo_modal_agreement=rows["a"])


def _retest(source: Source, p: Plan) -> Any:
    """n_repeated_items, n_repeated_pairs and retest_agreement (labels) or retest_mad per rater
    from consecutive repeats (timestamp, then file order), before the duplicates policy."""
    import pandas as pd

    nominal = p.level == "nominal"
    score = "CASE WHEN v = w THEN 1.0 ELSE 0.0 END" if nominal else "abs(v - w)"
    name = "retest_agreement" if nominal else "retest_mad"
    rows = source.run(
        f"WITH {p.base}, rp AS (SELECT i, r, v, lag(v) OVER (PARTITION BY r, i ORDER BY t "
        "ASC NULLS FIRST, _row ASC) AS w FROM base) "
        f"SELECT CAST(r AS {source.text_type}) AS {RATER}, count(DISTINCT i) AS "
        f"n_repeated_items, count(*) AS n_repeated_pairs, sum({score}) / "
        f"CAST(count(*) AS DOUBLE) AS {name} FROM rp WHERE w IS NOT NULL GROUP BY r"
    )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame[name] = pd.to_numeric(frame[name]).astype("float64")
    return frame


def _repeated_units(source: Source, p: Plan) -> Plan:
    """The repeated judgments (pairs judged at least twice, before the duplicates policy) with
    each (rater, item) pair as one unit: raters.test_retest_alpha's table."""
    from dataclasses import replace

    text = source.text_type
    unit = f"concat(CAST(r AS {text}), chr(31), CAST(i AS {text}))"
    ctes = (
        f"{p.base}, rc AS (SELECT i, r, v, g, _row, count(*) OVER (PARTITION BY i, r) AS c "
        f"FROM base), j AS (SELECT {unit} AS i, r, v, g, _row FROM rc WHERE c >= 2)"
    )
    return replace(p, ctes=ctes)
