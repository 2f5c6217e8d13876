"""The agreement report as grouped SQL aggregations and a NumPy finish, for any SQL engine.

Why one module for DuckDB and Spark: both engines run the same queries (only identifier quoting
and the per-row order column differ), so a figure is computed once, here, and both engines give
the in-memory engine's numbers (tests to 1e-9). Every statistic needs only per-item, per-rater or
per-(item, value) sums, never the judgments themselves:

* Krippendorff's alpha: ``GROUP BY item`` (interval: count, centred sum, sum of squares) or
  ``GROUP BY item, value`` (the other levels), finished by alpha.py; the item bootstrap is drawn
  on those per-item statistics (bootstrap.py), items in order of first appearance (the smallest
  ``_row``), as in memory, so the same seed draws the same resamples;
* ICC: ``GROUP BY item`` and ``GROUP BY rater`` sums of the centred values and the number of
  distinct (item, rater) cells (complete or unbalanced design), finished by icc.py;
* Fleiss' kappa: ``GROUP BY item, label`` counts, finished by kappa.py;
* duplicates: ``latest``/``first`` keep one row per (item, rater) with ``row_number()`` ordered by
  the timestamp then the row, ``mean`` averages them (``GROUP BY item, rater``);
* ``--where``: the same whitelisted expression written as SQL (sql_where.py); ``--by``: one query
  per group value;
* ``--items``: per-item spread (``GROUP BY item``; every ``--sd-ddof``/``--quantile-method``:
  sql_spread.py) and consensus entropy (``GROUP BY item, value``), ranked in pandas on one row
  per item (:func:`items_frame`);
* ``--raters``: per-rater sums with each judgment's item totals joined and its rank within the
  rater as a window (sql_raters.py).

Not computed out of core, and said so in a record's note (never silently left out): Cronbach's
alpha, the group tests, Krippendorff's bootstrap (``--bootstrap-method krippendorff``).
Values are taken as stored (no ``--na`` markers, no trimming of text cells, ids compared as
stored); --where names are the file's columns, with the canonical role names (track_id,
rater_id, value, label, dimension) for the role columns, and the sibling dimensions of the same
``annotation_id`` (a LEFT JOIN per named sibling: sql_where.sibling_joins).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from ..errors import AgreementError
from .alpha import (
    ItemStatistics,
    Pairable,
    _dense_cells,
    alpha_from_sums,
    expected_of,
    item_statistics,
    ordinal_positions,
)

NUMBER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT", "HUGEINT", "UTINYINT",
                "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "REAL",
                "DECIMAL", "LONG", "SHORT", "BYTE")  # fmt: skip
FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL", "DECIMAL")
NOT_OUT_OF_CORE = "not computed out of core (it needs the judgments in memory): use --engine memory"


def is_number(kind: str) -> bool:
    kind = kind.upper()
    return kind.startswith(NUMBER_TYPES) and not kind.startswith("INTERVAL")


def is_float(kind: str) -> bool:
    return kind.upper().startswith(FLOAT_TYPES)


@dataclass
class Source:
    """A table of judgments in an SQL engine: ``table`` is a FROM expression with every input
    column and a unique ``_row`` (order of the rows); ``columns`` maps names to SQL types;
    ``run(sql)`` returns the result's columns as numpy arrays; ``quote`` quotes an identifier."""

    table: str
    columns: dict[str, str]
    run: Callable[[str], dict[str, np.ndarray]]
    quote: Callable[[str], str]
    text_type: str = "VARCHAR"
    #: the engine's linear-interpolation quantile (pandas' default): DuckDB quantile_cont,
    #: Spark percentile
    quantile_function: str = "quantile_cont"

    def quantile(self, column: str, q: float) -> str:
        return f"{self.quantile_function}({column}, {q!r})"

    def scalar(self, sql: str) -> Any:
        result = self.run(sql)
        return next(iter(result.values()))[0]


@dataclass
class Plan:
    """One dimension's judgments as CTEs: ``j`` (i, r, v, g, _row) after the filters and the
    duplicates policy; ``numeric`` whether ``v`` is a number; ``scale`` the power of two applied
    to interval/ratio values (finite_scaled)."""

    ctes: str
    numeric: bool
    level: str
    n_duplicates: int
    policy: str
    scale: float = 1.0
    notes: list[str] = field(default_factory=list)
    #: distinct (item, rater) cells before the duplicates policy (= after it, when it keeps one
    #: judgment per cell): the complete-design test of the ICC without another GROUP BY
    cells: int = -1
    #: the ``base`` CTE alone (i, r, v, t, g, _row before the duplicates policy): the test-retest
    #: figures of ``--raters`` read the repeated judgments from it
    base: str = ""


def where_columns(source: Source, roles: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The names ``--where`` may use: canonical role names for the role columns, the other
    columns by their own names; (SQL expression, kind). Ids and booleans are text (as the
    in-memory reader reads them)."""
    q = source.quote
    canonical = {"item": "track_id", "rater": "rater_id", "dimension": "dimension",
                 "value": "value", "label": "label"}  # fmt: skip
    names: dict[str, tuple[str, str]] = {}
    used = set(roles.values())
    for column, kind in source.columns.items():
        if column == "_row" or column in used:
            continue
        text = f"CAST({q(column)} AS {source.text_type})"
        names[column] = (q(column), "number") if is_number(kind) else (text, "text")
    for role, column in roles.items():
        if column not in source.columns:
            continue
        numeric = role in ("value",) and is_number(source.columns[column])
        sql = q(column) if numeric else f"CAST({q(column)} AS {source.text_type})"
        names[canonical[role]] = (sql, "number" if numeric else "text")
    return names


def named_columns(
    source: Source, roles: dict[str, str], where: str | None, by: str | None
) -> tuple[dict[str, tuple[str, str]], str]:
    """(:func:`where_columns` plus the sibling dimensions ``where``/``by`` name, the JOINs that
    bring those in): sql_where.sibling_joins."""
    names = where_columns(source, roles)
    if not (where or by):
        return names, ""
    from .sql_where import referenced, sibling_joins

    wanted = referenced(where, by) - set(names)
    if not wanted or "dimension" not in roles:
        return names, ""
    number = is_number(source.columns[roles["value"]])
    dimensions = dimension_values(source, roles)
    joins, siblings = sibling_joins(source, roles, wanted, dimensions, number)
    return {**names, **siblings}, joins


def plan(
    source: Source,
    roles: dict[str, str],
    *,
    dimension: Any = None,
    level: str,
    where: str | None = None,
    duplicates: str = "latest",
    by: str | None = None,
    order: str | None = None,
) -> Plan:
    """The judgments of one dimension (``dimension``: its value in the dimension column, None:
    every row) as SQL, filtered by ``where`` and resolved by ``duplicates``."""
    q, columns = source.quote, source.columns
    item, value = roles["item"], roles["value"]
    rater = roles.get("rater")
    kind = columns[value].upper()
    numeric = is_number(kind)
    if level != "nominal" and not numeric:
        raise AgreementError(
            f"column {value!r} must be numeric for the {level} level (found {kind}); use "
            "--level nominal for labels"
        )
    v = q(value)
    conditions = [f"{q(item)} IS NOT NULL", f"{v} IS NOT NULL"]
    if is_float(kind):
        conditions.append(f"NOT isnan({v})")
    if dimension is not None:
        literal = str(dimension).replace("'", "''")
        text = source.text_type
        conditions.append(f"CAST({q(roles['dimension'])} AS {text}) = '{literal}'")
    names, joins = named_columns(source, roles, where, by)
    if where:
        from .sql_where import where_sql

        conditions.append(where_sql(where, names, q))
    x = f"CAST({v} AS DOUBLE)" if numeric else v
    r = q(rater) if rater and rater in columns else f"CAST(NULL AS {source.text_type})"
    t = _order_column(source, order)
    g = f"CAST(NULL AS {source.text_type})"
    if by is not None:
        if by not in names:
            from .where import unknown_column_message

            raise AgreementError(unknown_column_message(by, names, f"cannot group by {by!r}"))
        g = names[by][0]
    base = (
        f"base AS (SELECT {q(item)} AS i, {r} AS r, {x} AS v, {t} AS t, {g} AS g, _row "
        f"FROM {source.table}{joins} WHERE {' AND '.join(conditions)})"
    )
    cells = _cells(source, base, numeric, value)
    n_duplicates = int(_number(cells["repeated"][0]) or 0)
    policy = duplicates
    if policy == "mean" and not numeric and n_duplicates:
        policy = "latest"  # no mean of labels (as in memory): the latest, and the record says so
    j = _resolved(policy if n_duplicates else "all")
    result = Plan(f"{base}, {j}", numeric, level, n_duplicates, policy, base=base)
    result.cells = int(cells["cells"][0])
    if level in ("interval", "ratio"):
        largest = _number(cells["largest"][0]) or 0.0
        if largest > 0.0:
            _, exponent = math.frexp(largest)
            if not -64 <= exponent <= 64:  # alpha.finite_scaled: one exact power of two
                result.scale = math.ldexp(1.0, -exponent)
    return result


def _cells(source: Source, base: str, numeric: bool, value: str) -> dict[str, np.ndarray]:
    """One pass over ``base``: the (item, rater) cells, the repeated ones and (numbers) the
    largest magnitude; infinite values are refused, as in memory."""
    cells = source.run(
        f"WITH {base} SELECT count(*) AS cells, "
        "sum(CASE WHEN c > 1 THEN 1 ELSE 0 END) AS repeated, max(a) AS largest, "
        "sum(f) AS infinite FROM (SELECT count(*) AS c, max(abs(v)) AS a, "
        "sum(CASE WHEN abs(v) = CAST('Infinity' AS DOUBLE) THEN 1 ELSE 0 END) AS f "
        "FROM base GROUP BY i, r) d"
        if numeric
        else f"WITH {base} SELECT count(*) AS cells, sum(CASE WHEN c > 1 THEN 1 ELSE 0 END) "
        "AS repeated FROM (SELECT count(*) AS c FROM base GROUP BY i, r) d"
    )
    infinite = int(_number(cells["infinite"][0]) or 0) if numeric else 0
    if infinite:
        raise AgreementError(
            f"column {value!r}: {infinite} value(s) are not finite; agreement needs finite "
            "values (leave the cell empty for a missing judgment)"
        )
    return cells


def _order_column(source: Source, order: str | None) -> str:
    """The SQL of the ``order`` column (timestamps) that orders repeated judgments; NULL when the
    input has none; ISO 8601 text read as a timestamp, as in memory."""
    if not order or order not in source.columns:
        return "CAST(NULL AS TIMESTAMP)"
    kind = source.columns[order].upper()
    if not is_number(kind) and not kind.startswith(("TIMESTAMP", "DATE")):
        return f"CAST({source.quote(order)} AS TIMESTAMP)"
    return source.quote(order)


def _resolved(policy: str) -> str:
    """The ``j`` CTE: one judgment per (item, rater) by the duplicates ``policy`` (``all``: every
    row): the latest/first by the timestamp, then the row; the mean of the values."""
    if policy == "all":
        return "j AS (SELECT i, r, v, g, _row FROM base)"
    if policy == "mean":
        return (
            "j AS (SELECT i, r, avg(v) AS v, min_by(g, _row) AS g, min(_row) AS _row "
            "FROM base GROUP BY i, r)"
        )
    direction = "DESC NULLS LAST" if policy == "latest" else "ASC NULLS FIRST"
    step = "DESC" if policy == "latest" else "ASC"
    return (
        "j AS (SELECT i, r, v, g, _row FROM (SELECT i, r, v, g, _row, row_number() OVER "
        f"(PARTITION BY i, r ORDER BY t {direction}, _row {step}) AS k FROM base) d "
        "WHERE k = 1)"
    )


def _subset(p: Plan, group: int | None) -> str:
    """CTEs ``js`` (the judgments of the group, scaled) after ``p.ctes``."""
    v = "v" if p.scale == 1.0 else f"v * CAST({p.scale!r} AS DOUBLE)"
    if group is None:
        return f"{p.ctes}, js AS (SELECT i, r, {v} AS v, _row FROM j)"
    return (
        f"{p.ctes}, gs AS (SELECT g, row_number() OVER (ORDER BY g) - 1 AS gc FROM "
        "(SELECT DISTINCT g FROM j WHERE g IS NOT NULL) d), "
        f"js AS (SELECT j.i, j.r, {v} AS v, j._row FROM j JOIN gs ON j.g = gs.g "
        f"WHERE gs.gc = {int(group)})"
    )


def group_values(source: Source, p: Plan) -> list[Any]:
    """The group values (``--by``) present, in sorted order (their codes are their positions)."""
    rows = source.run(f"WITH {p.ctes} SELECT DISTINCT g FROM j WHERE g IS NOT NULL ORDER BY g")
    return [_plain(v) for v in rows["g"].tolist()]


def _number(value: Any) -> float | None:
    """A scalar query result as a float (None for NULL or NaN)."""
    if value is None or value is np.ma.masked:
        return None
    value = float(value)
    return None if value != value else value


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def counts(source: Source, p: Plan, group: int | None = None) -> dict[str, int]:
    row = source.run(
        f"WITH {_subset(p, group)} SELECT count(DISTINCT i) AS n_items, "
        "count(DISTINCT r) AS n_raters, count(*) AS n_judgments FROM js"
    )
    return {name: int(column[0]) for name, column in row.items()}


def statistics(
    source: Source, p: Plan, group: int | None = None, metric_from: Pairable | None = None
) -> tuple[Pairable, ItemStatistics]:
    """(pairable summary, per-item statistics) of the plan's judgments (or one group's); with
    ``metric_from`` (ordinal, expected from all data) the positions come from that reference."""
    ctes = (
        f"{_subset(p, group)}, pi AS (SELECT i FROM js GROUP BY i HAVING count(*) >= 2), "
        "jp AS (SELECT i, v, _row FROM js WHERE i IN (SELECT i FROM pi))"
    )
    if p.level == "interval":
        rows = source.run(
            f"WITH {ctes} SELECT CAST(count(*) AS DOUBLE) AS m, sum(v - c.mean) AS s1, "
            "var_pop(v) * count(*) AS ss, min(_row) AS f FROM jp, "
            "(SELECT avg(v) AS mean FROM jp) c GROUP BY i ORDER BY f"
        )
        m = rows["m"].astype(np.float64)
        s1, ss = rows["s1"].astype(np.float64), rows["ss"].astype(np.float64)
        within = 2.0 * m * ss / (m - 1.0)
        moments = np.column_stack([s1, ss + s1 * s1 / m]) if m.size else np.zeros((0, 2))
        return Pairable(np.empty(0, dtype=np.intp), m), ItemStatistics(p.level, m, within, moments)
    rows = source.run(
        f"WITH {ctes}, iv AS (SELECT i, v, CAST(count(*) AS DOUBLE) AS n, min(_row) AS f "
        "FROM jp GROUP BY i, v), ivf AS (SELECT i, v, n, min(f) OVER (PARTITION BY i) AS f "
        "FROM iv) SELECT dense_rank() OVER (ORDER BY f) - 1 AS item_code, "
        "dense_rank() OVER (ORDER BY v) - 1 AS value_code, v, n FROM ivf"
    )
    items = rows["item_code"].astype(np.intp)
    codes = rows["value_code"].astype(np.intp)
    n_uv = rows["n"].astype(np.float64)
    n_items = int(items.max()) + 1 if items.size else 0
    n_values = int(codes.max()) + 1 if codes.size else 0
    values = np.empty(n_values, dtype=np.float64 if p.numeric else object)
    values[codes] = rows["v"]
    if p.level == "nominal" and values.size:
        values = np.asarray(values.tolist(), dtype=object)
    m = np.bincount(items, weights=n_uv, minlength=n_items)
    value_counts = np.bincount(codes, weights=n_uv, minlength=n_values)
    if _dense_cells(n_items, n_values, int(round(float(m.sum())))):
        table: Any = np.zeros((n_items, n_values))
        table[items, codes] = n_uv
    else:
        from scipy import sparse

        table = sparse.csr_matrix((n_uv, (items, codes)), shape=(n_items, n_values))
        table.sum_duplicates()
    pair = Pairable(
        np.empty(0, dtype=np.intp), m, values=values, value_counts=value_counts, counts=table
    )
    metric = None
    if metric_from is not None and p.level == "ordinal":
        metric = ordinal_positions(metric_from.value_counts, metric_from.values, values)
    return pair, item_statistics(pair, p.level, metric)


def alpha_result(
    source: Source,
    p: Plan,
    group: int | None,
    *,
    against_all: bool,
    n_resamples: int,
    seed: int | None,
    confidence: float = 0.95,
    totals: str = "auto",
    interval: str = "percentile",
):
    """Alpha with its item-bootstrap interval (a :class:`~.bootstrap.BootstrapResult`);
    ``totals`` as in :func:`~.bootstrap.items_resamples`, ``interval`` "percentile" or "bca"."""
    from .bootstrap import (
        BootstrapResult,
        _percentile_interval,
        _undefined_share,
        interval_caveats,
        item_acceleration,
        items_resamples,
    )
    from .resampling import bca_interval

    fixed = reference = None
    if group is not None and against_all:
        reference, ref_stats = statistics(source, p)
        fixed = expected_of(ref_stats)
    pair, stats = statistics(source, p, group, metric_from=reference)
    expected, n_ref = fixed if fixed is not None else expected_of(stats)
    estimate = alpha_from_sums(
        float(stats.within.sum()), expected, int(round(stats.m.sum())), n_ref
    )
    limit, notes = None, ()
    judged = cache(lambda: with_judgments(pair))  # built once, and only if exact draws need it
    if n_resamples == 0 or np.isnan(estimate):
        samples = np.full(n_resamples, np.nan)
    else:
        rng = np.random.default_rng(seed)
        samples, limit, notes = items_resamples(
            pair, stats, fixed, n_resamples, rng, totals, judged=judged
        )
    if interval == "bca" and n_resamples and not np.isnan(estimate):
        accel = item_acceleration(pair, stats, fixed, judged=judged)
        low, high = bca_interval(samples, estimate, accel, confidence)
    else:
        low, high = _percentile_interval(samples, confidence)
    caveats = interval_caveats("items", len(stats.m), _undefined_share(samples))
    return BootstrapResult(
        estimate, low, high, "items", n_resamples, confidence, seed, samples, interval,
        caveats=(*notes, *caveats),
        totals="normal" if limit else "exact",
    )  # fmt: skip


def with_judgments(p: Pairable) -> Pairable:
    """``p`` with per-judgment item and value codes rebuilt from its counts (the ordinal bootstrap
    on many distinct values recomputes positions from the judgments); dense counts are kept."""
    from dataclasses import replace

    from .alpha import triples

    rows, columns, n_uv = triples(p.counts)
    repeats = np.asarray(n_uv).astype(np.intp)
    items = np.repeat(rows.astype(np.intp), repeats)
    codes = np.repeat(columns.astype(np.intp), repeats)
    dense = p.counts if isinstance(p.counts, np.ndarray) else None
    return replace(p, item_codes=items, value_codes=codes, counts=dense)


def icc_rows(source: Source, p: Plan, group: int | None = None) -> list[tuple]:
    """The six ICC forms (icc.COLUMNS tuples) from GROUP BY item / rater sums (judgments with a
    rater only, as in memory): one pass for the totals, one GROUP BY item, and for a complete
    design one GROUP BY rater."""
    from .icc import complete_from_sums, unbalanced_from_sums

    ctes = (
        f"{_subset(p, group)}, jr AS (SELECT i, r, v FROM js WHERE r IS NOT NULL), "
        "c AS (SELECT avg(v) AS mean FROM jr)"
    )
    cells = "" if group is None and p.policy != "all" and p.cells >= 0 else (
        ", (SELECT count(*) FROM (SELECT i FROM jr GROUP BY i, r) d) AS cells"
    )  # fmt: skip
    whole = source.run(
        f"WITH {ctes} SELECT count(*) AS n, count(DISTINCT r) AS raters, min(v) AS low, "
        f"max(v) AS high, sum((v - c.mean) * (v - c.mean)) AS t{cells} FROM jr, c"
    )
    n, k = int(whole["n"][0]), int(whole["raters"][0])
    n_cells = int(whole["cells"][0]) if cells else p.cells
    constant = n > 0 and bool(whole["low"][0] == whole["high"][0])
    items = source.run(
        f"WITH {ctes} SELECT CAST(count(*) AS DOUBLE) AS m, sum(v - c.mean) AS s, "
        "var_pop(v) * count(*) AS ss FROM jr, c GROUP BY i"
    )
    m, sums, ss = (items[c].astype(np.float64) for c in ("m", "s", "ss"))
    n_items = int(m.size)
    ss_total = _number(whole["t"][0]) or 0.0
    complete = n > 0 and n == n_items * k and n_cells == n
    if complete:
        if n_items < 2 or k < 2 or constant:
            return complete_from_sums(n_items, k, None, None, 0.0, constant)
        raters = source.run(f"WITH {ctes} SELECT sum(v - c.mean) AS s FROM jr, c GROUP BY r")
        return complete_from_sums(n_items, k, sums, raters["s"].astype(np.float64), ss_total, False)
    if n_items < 2 or n - n_items < 1 or constant:
        return unbalanced_from_sums(m, None, 0.0, 0.0, constant)
    return unbalanced_from_sums(m, sums, ss_total, float(ss.sum()), False)


def kappa(source: Source, p: Plan, group: int | None = None) -> float:
    """Fleiss' kappa from GROUP BY item, value counts (raises FleissDesignError as in memory)."""
    from .kappa import fleiss_kappa_from_counts

    rows = source.run(
        f"WITH {_subset(p, group)} SELECT dense_rank() OVER (ORDER BY i) - 1 AS a, "
        "dense_rank() OVER (ORDER BY v) - 1 AS b, CAST(count(*) AS DOUBLE) AS n "
        "FROM js GROUP BY i, v"
    )
    return fleiss_kappa_from_counts(
        rows["a"].astype(np.intp), rows["b"].astype(np.intp), rows["n"].astype(np.float64)
    )


def dimension_values(source: Source, roles: dict[str, str]) -> list[Any]:
    """The values of the dimension column (None: no such column, one dimension), sorted as
    text (the in-memory report's order)."""
    column = roles.get("dimension")
    if not column or column not in source.columns:
        return [None]
    q = source.quote
    rows = source.run(
        f"SELECT DISTINCT CAST({q(column)} AS {source.text_type}) AS d FROM {source.table} "
        f"WHERE {q(column)} IS NOT NULL"
    )
    return sorted(rows["d"].tolist(), key=str)


def check_ids(source: Source, roles: dict[str, str]) -> None:
    """Refuse rows without an item or a rater, as the in-memory reader does (userfile.py)."""
    q = source.quote
    for role in ("item", "rater"):
        column = roles.get(role)
        if column and column in source.columns:
            missing = int(
                source.scalar(f"SELECT count(*) AS n FROM {source.table} WHERE {q(column)} IS NULL")
            )
            if missing:  # the in-memory reader refuses them too (userfile.py)
                raise AgreementError(
                    f"{missing} row(s) with an empty {column!r}; every judgment needs an item "
                    "and a rater"
                )


def report_records(
    source: Source,
    roles: dict[str, str],
    *,
    dimensions: list[str] | None = None,
    levels: dict[str, str] | None = None,
    where: str | None = None,
    by: str | None = None,
    duplicates: str = "latest",
    bootstrap: int = 1000,
    bootstrap_method: str = "items",
    seed: int | None = 0,
    expected: str = "group",
    metrics: list[str] | tuple[str, ...] | None = None,
    order: str | None = "timestamp",
    bootstrap_interval: str = "percentile",
    bootstrap_totals: str = "auto",
) -> list[dict[str, Any]]:
    """The agreement records (records.RECORD_COLUMNS) of ``source``, as the in-memory
    :func:`~.records.agreement_records` computes them (module docstring: what differs)."""
    from .duplicates import check_policy
    from .icc import FORMS as ICC_FORMS
    from .records import RECORD_COLUMNS, check_arguments, check_options

    chosen = check_options(expected, metrics)
    check_arguments(
        levels=levels, bootstrap=bootstrap, bootstrap_method=bootstrap_method, seed=seed,
        bootstrap_interval=bootstrap_interval, bootstrap_totals=bootstrap_totals,
    )  # fmt: skip
    check_policy(duplicates)
    check_ids(source, roles)
    records: list[dict[str, Any]] = []
    for name, level, p in dimension_plans(
        source, roles, dimensions=dimensions, levels=levels, where=where,
        duplicates=duplicates, order=order, by=by,
    ):  # fmt: skip
        common = {"dimension": name, "level": level, "by": by, "duplicates_policy": p.policy,
                  "n_duplicates": p.n_duplicates}  # fmt: skip
        start = len(records)
        groups = [(None, None)] + (
            list(enumerate(group_values(source, p))) if by is not None else []
        )
        for code, value in groups:
            base = {**common, "group": value, **counts(source, p, code)}
            records += _metric_records(
                source, p, code, base, chosen=chosen, explicit=metrics is not None,
                against_all=code is not None and expected == "all", bootstrap=bootstrap,
                bootstrap_method=bootstrap_method, seed=seed, forms=ICC_FORMS,
                interval=bootstrap_interval, totals=bootstrap_totals,
            )  # fmt: skip
        if by is not None and "group_tests" in chosen and level != "nominal":
            records.append({**common, "metric": "group_tests", "value": float("nan"),
                            "note": f"group_tests {NOT_OUT_OF_CORE}"})  # fmt: skip
        if p.policy != duplicates:
            fallback = f"duplicates {duplicates!r} is undefined for labels: {p.policy!r} used"
            for record in records[start:]:
                record["note"] = "; ".join(filter(None, [fallback, record.get("note")]))
    return [{column: record.get(column) for column in RECORD_COLUMNS} for record in records]


#: Why ``auto`` means the item bootstrap here: the two-way bootstrap reweights every judgment in
#: every resample, which needs the judgments in memory; the item bootstrap needs only the
#: per-item statistics the queries return.
AUTO_OUT_OF_CORE = (
    "auto: the out-of-core engines resample items only (the two-way bootstrap needs every "
    "judgment in memory)"
)


def _interval_note(method: str, result: Any) -> str:
    """The note of an out-of-core alpha interval: the item bootstrap's caveats (a
    :class:`~.bootstrap.BootstrapResult`'s, on the pairable items as in memory), and why ``auto``
    did not choose the two-way bootstrap."""
    fallback = (AUTO_OUT_OF_CORE,) if method == "auto" else ()
    return "; ".join(fallback + tuple(result.caveats))


def _metric_records(
    source, p, group, base, *, chosen, explicit, against_all, bootstrap, bootstrap_method, seed,
    forms, interval="percentile", totals="auto",
) -> list[dict[str, Any]]:  # fmt: skip
    from ..errors import FleissDesignError
    from .icc import COLUMNS as ICC_COLUMNS

    out: list[dict[str, Any]] = []
    level = p.level
    if "krippendorff_alpha" in chosen:
        record = {**base, "metric": "krippendorff_alpha",
                  "expected_from": "data" if group is None else ("all" if against_all else "group")}  # fmt: skip
        if bootstrap > 0 and bootstrap_method not in ("items", "auto"):
            result = alpha_result(
                source, p, group, against_all=against_all, n_resamples=0, seed=seed
            )
            record.update(value=result.estimate,
                          note=f"--bootstrap-method {bootstrap_method} {NOT_OUT_OF_CORE}")  # fmt: skip
        else:
            result = alpha_result(
                source, p, group, against_all=against_all, n_resamples=bootstrap, seed=seed,
                totals=totals, interval=interval,
            )  # fmt: skip
            record["value"] = result.estimate
            if bootstrap > 0:
                record.update(ci_low=result.ci_low, ci_high=result.ci_high)
                record["ci_method"] = f"{result.ci_method} ({bootstrap} resamples, 95%)"
                record["note"] = _interval_note(bootstrap_method, result)
        if np.isnan(record["value"]) and not record.get("note", "").startswith("--bootstrap"):
            record["note"] = "undefined: no item with 2 judgments or no variation in the values"
        out.append(record)
    if level == "interval":
        wanted = [form for form in forms if form in chosen]
        if wanted:
            table = {row[0]: dict(zip(ICC_COLUMNS, row)) for row in icc_rows(source, p, group)}
            for form in wanted:
                row = table[form]
                out.append(
                    {**base, "metric": form, "value": row["value"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                     "ci_method": "F (McGraw & Wong 1996), 95%", "note": row["note"] or f"design: {row['design']}"}
                )  # fmt: skip
    if "cronbach_alpha" in chosen and (level != "nominal" or explicit):
        out.append({**base, "metric": "cronbach_alpha", "value": float("nan"),
                    "note": f"cronbach_alpha {NOT_OUT_OF_CORE}"})  # fmt: skip
    if level == "nominal" and "fleiss_kappa" in chosen:
        try:
            out.append({**base, "metric": "fleiss_kappa", "value": kappa(source, p, group)})
        except FleissDesignError as error:
            if explicit:
                out.append(
                    {**base, "metric": "fleiss_kappa", "value": float("nan"), "note": str(error)}
                )
    return out


def dimension_plans(
    source: Source,
    roles: dict[str, str],
    *,
    dimensions: list[str] | None,
    levels: dict[str, str] | None,
    where: str | None,
    duplicates: str,
    order: str | None,
    by: str | None = None,
):
    """(name, level, :class:`Plan`) of each dimension, in :func:`dimension_values`' order, after
    the filter and the duplicates policy (``by``: the grouping column the plan carries)."""
    for dimension in dimension_values(source, roles):
        name = roles["value"] if dimension is None else str(dimension)
        if dimensions and name not in dimensions:
            continue
        default = "interval" if is_number(source.columns[roles["value"]]) else "nominal"
        level = (levels or {}).get(name, default)
        p = plan(source, roles, dimension=dimension, level=level, where=where,
                 duplicates=duplicates, by=by, order=order)  # fmt: skip
        if not (where and p.cells == 0):  # a dimension the filter emptied is gone in memory
            yield name, level, p


def items_frame(
    source: Source,
    roles: dict[str, str],
    *,
    dimensions: list[str] | None = None,
    levels: dict[str, str] | None = None,
    where: str | None = None,
    duplicates: str = "latest",
    order: str | None = "timestamp",
    sd_ddof: int = 1,
    quantile_method: str = "linear",
) -> Any:
    """The per-item report (:func:`~.report.items_report`'s columns and order) from GROUP BY item
    (numeric spread: n, raters, mean, std, quartiles, min, max, under the convention ``sd_ddof``
    and ``quantile_method``: sql_spread.py) and GROUP BY item, value (label entropy, modal label)
    queries; the ranking is done in pandas on one row per item.

    Items whose sort key (entropy or std) ties to the last bits may come in another order than in
    memory: SQL sums in another order than pandas (the figures agree to 1e-9)."""
    import pandas as pd

    from .entropy import rank_items_by_entropy, rank_items_by_spread
    from .report import _ranked, _stacked
    from .spread import SpreadConvention
    from .sql_spread import spread_frame

    convention = SpreadConvention(sd_ddof=sd_ddof, quantile_method=quantile_method)
    check_ids(source, roles)
    parts = []
    for name, level, p in dimension_plans(
        source, roles, dimensions=dimensions, levels=levels, where=where, duplicates=duplicates,
        order=order,
    ):  # fmt: skip
        if level in ("nominal", "ordinal"):
            part = rank_items_by_entropy(_entropy(source, p), item="track_id")
            if level == "ordinal":
                spread = spread_frame(source, p, convention).drop(columns="n_raters")
                part = part.merge(spread, on="track_id", how="left")
        else:
            part = rank_items_by_spread(spread_frame(source, p, convention), item="track_id")
        parts.append(_ranked(part).assign(dimension=name, level=level))
    if not parts:
        return pd.DataFrame(columns=["dimension", "track_id"])
    frame = _stacked(parts, "track_id")
    frame.attrs["context"] = [convention.describe()] if "std" in frame.columns else []
    return frame


def _entropy(source: Source, p: Plan) -> Any:
    """consensus_entropy's table from (item, value) counts, summed in the same order (values
    sorted within each item) so that equal entropies stay equal."""
    import pandas as pd

    counts = pd.DataFrame(
        source.run(
            f"WITH {p.ctes} SELECT CAST(i AS {source.text_type}) AS track_id, v, "
            "count(*) AS count FROM j GROUP BY i, v"
        )
    )
    per_item = pd.DataFrame(
        source.run(
            f"WITH {p.ctes} SELECT CAST(i AS {source.text_type}) AS track_id, "
            "count(DISTINCT r) AS n_raters, count(*) AS n_judgments FROM j GROUP BY i"
        )
    ).set_index("track_id")
    counts = counts.sort_values(["track_id", "v"], kind="stable").reset_index(drop=True)
    counts["count"] = counts["count"].astype("int64")
    item = "track_id"
    totals = counts.groupby(item, sort=True)["count"].transform("sum")
    share = counts["count"] / totals
    counts["term"] = -share * np.log(share)
    counts["share"] = share
    entropy = counts.groupby(item, sort=True)["term"].sum()
    modal = counts.sort_values([item, "count", "v"], ascending=[True, False, True], kind="stable")
    most = counts.groupby(item, sort=True)["count"].max()
    tied = (counts["count"] == counts[item].map(most)).groupby(counts[item]).sum()
    modal = modal.drop_duplicates(item).set_index(item)
    result = pd.DataFrame(
        {
            "entropy": entropy.clip(lower=0.0) + 0.0,
            "n_raters": per_item["n_raters"].astype("int64"),
            "n_judgments": per_item["n_judgments"].astype("int64"),
            "modal_label": modal["v"],
            "modal_share": modal["share"],
            "modal_tie": tied > 1,
        }
    )
    result.index.name = item
    return result.reset_index()
