"""Krippendorff's alpha out of core: the engine's grouped aggregations as embedded DuckDB queries.

Why: crowd-sourced judgments grow past one machine's memory, and alpha needs only per-item
sufficient statistics (docs/dev/engine.md). DuckDB (embedded, no server, optional extra
``scale``) streams a Parquet file, a directory of Parquet files or a glob through
``GROUP BY item`` / ``GROUP BY item, value`` and hands back one row per item (interval) or per
(item, value) (nominal, ordinal, ratio); the finish is alpha.py's own (``item_statistics`` on the
counts, ``expected_of``, ``alpha_from_sums``), and the item bootstrap is drawn on the same per-item
statistics (bootstrap.py), so both engines give the same numbers.

What differs from the in-memory engine: items are ordered by id (not by first appearance), so a
bootstrap with the same seed draws a different (equally valid) sequence of resamples; values are
not rescaled by a power of two (finite_scaled), so interval values beyond about 1e150 overflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AgreementError
from .alpha import (
    ItemStatistics,
    Pairable,
    _dense_cells,
    alpha_from_sums,
    check_level,
    expected_of,
    item_statistics,
)


def _connect() -> Any:
    try:
        import duckdb
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise AgreementError(
            "the duckdb engine needs the optional dependency duckdb: "
            "pip install 'mer-datasets[scale]'"
        ) from error
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # it would print into the report on stdout
    return con


def parquet_source(source: str | Path | Sequence[str | Path]) -> str:
    """A ``read_parquet(...)`` table expression for a file, a directory of Parquet files, a glob,
    or a list of those (SQL string literals, quotes doubled)."""
    paths = [source] if isinstance(source, (str, Path)) else list(source)
    if not paths:
        raise AgreementError("no Parquet input given")
    patterns = []
    for path in paths:
        text = str(path)
        if Path(text).is_dir():
            text = str(Path(text) / "**" / "*.parquet")
        elif not any(c in text for c in "*?[") and not Path(text).exists():
            raise AgreementError(f"{text}: no such Parquet file or directory")
        patterns.append("'" + text.replace("'", "''") + "'")
    return f"read_parquet([{', '.join(patterns)}])"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Query:
    """The pairable judgments of one variable as SQL common table expressions."""

    def __init__(
        self, con: Any, table: str, item: str, value: str, where: str | None, numeric: bool
    ):
        self.con = con
        columns = {
            row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()
        }
        for column in (item, value):
            if column not in columns:
                raise AgreementError(
                    f"column {column!r} not in the Parquet input (columns: {', '.join(columns)})"
                )
        kind = columns[value].upper()
        is_float = kind in ("FLOAT", "DOUBLE", "REAL") or kind.startswith("DECIMAL")
        is_number = is_float or any(
            kind.startswith(t) for t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "U")
        )
        if numeric and not is_number:
            raise AgreementError(
                f"column {value!r} must be numeric for this level of measurement (found {kind}); "
                "use level='nominal' for labels"
            )
        v = _quoted(value)
        x = f"CAST({v} AS DOUBLE)" if numeric or is_float else v
        present = f"{_quoted(item)} IS NOT NULL AND {v} IS NOT NULL"
        if is_float:
            present += f" AND NOT isnan({v})"
            infinite = con.execute(
                f"SELECT count(*) FROM {table} WHERE isinf({v})"
                + (f" AND ({where})" if where else "")
            ).fetchone()[0]
            if infinite:
                raise AgreementError(
                    f"column {value!r}: {infinite} value(s) are not finite; Krippendorff's alpha "
                    "needs finite values (use NaN or leave the cell empty for a missing judgment)"
                )
        if where:
            present += f" AND ({where})"
        self.table, self.present = table, present
        self.ctes = (
            f"j AS (SELECT {_quoted(item)} AS i, {x} AS v FROM {table} WHERE {present}), "
            "pi AS (SELECT i, count(*) AS m FROM j GROUP BY i HAVING count(*) >= 2), "
            "jp AS (SELECT j.i, j.v FROM j SEMI JOIN pi ON j.i = pi.i)"
        )

    def fetch(self, select: str) -> dict[str, np.ndarray]:
        result = self.con.execute(f"WITH {self.ctes} {select}").fetchnumpy()
        return {name: np.asarray(column) for name, column in result.items()}


def duckdb_statistics(
    source: str | Path | Sequence[str | Path],
    *,
    item: str = "item",
    value: str = "value",
    level: str = "nominal",
    where: str | None = None,
    connection: Any = None,
) -> tuple[Pairable, ItemStatistics]:
    """(pairable summary, per-item statistics) of the judgments in Parquet ``source``.

    ``where`` is an SQL condition on the input's columns (e.g. ``"dimension = 'valence'"``).
    Interval: one ``GROUP BY item`` row per item (count, sum of centred values, var_pop x count);
    the other levels: one ``GROUP BY item, value`` row per distinct (item, value), coded in SQL
    (dense_rank) and finished by :func:`~.alpha.item_statistics`, as in memory. The returned
    :class:`~.alpha.Pairable` has no per-judgment arrays (only m, values, counts), except for the
    ordinal bootstrap on many distinct values, which needs them (expanded from the counts).
    """
    check_level(level)
    con = connection if connection is not None else _connect()
    query = _Query(con, parquet_source(source), item, value, where, level != "nominal")
    if level == "interval":
        rows = query.fetch(
            "SELECT count(*)::DOUBLE AS m, sum(v - c.mean) AS s1, var_pop(v) * count(*) AS ss "
            "FROM jp, (SELECT avg(v) AS mean FROM jp) c GROUP BY i ORDER BY i"
        )
        m = rows["m"].astype(np.float64)
        s1, ss = rows["s1"].astype(np.float64), rows["ss"].astype(np.float64)
        within = 2.0 * m * ss / (m - 1.0)
        moments = np.column_stack([s1, ss + s1 * s1 / m]) if m.size else np.zeros((0, 2))
        p = Pairable(np.empty(0, dtype=np.intp), m)
        return p, ItemStatistics(level, m, within, moments)
    rows = query.fetch(
        "SELECT dense_rank() OVER (ORDER BY i) - 1 AS item_code, "
        "dense_rank() OVER (ORDER BY v) - 1 AS value_code, v, count(*)::DOUBLE AS n "
        "FROM jp GROUP BY i, v"
    )
    items = rows["item_code"].astype(np.intp)
    codes = rows["value_code"].astype(np.intp)
    n_uv = rows["n"].astype(np.float64)
    n_items = int(items.max()) + 1 if items.size else 0
    n_values = int(codes.max()) + 1 if codes.size else 0
    values = np.empty(n_values, dtype=np.float64 if level != "nominal" else object)
    values[codes] = rows["v"]
    if level == "nominal" and values.size:
        values = np.asarray(values.tolist(), dtype=object)
    m = np.bincount(items, weights=n_uv, minlength=n_items)
    value_counts = np.bincount(codes, weights=n_uv, minlength=n_values)
    n = int(round(float(m.sum())))
    if _dense_cells(n_items, n_values, n):
        counts: Any = np.zeros((n_items, n_values))
        counts[items, codes] = n_uv
    else:
        from scipy import sparse

        counts = sparse.csr_matrix((n_uv, (items, codes)), shape=(n_items, n_values))
        counts.sum_duplicates()
    p = Pairable(
        np.empty(0, dtype=np.intp), m, values=values, value_counts=value_counts, counts=counts
    )
    return p, item_statistics(p, level)


def duckdb_counts(
    source: str | Path | Sequence[str | Path],
    *,
    item: str,
    rater: str | None,
    value: str,
    level: str,
    where: str | None = None,
    connection: Any = None,
) -> tuple[int, int, int]:
    """(items, raters, judgments) with a value, as the report counts them (missing not counted)."""
    con = connection if connection is not None else _connect()
    query = _Query(con, parquet_source(source), item, value, where, level != "nominal")
    raters = f"count(DISTINCT {_quoted(rater)})" if rater else "0"
    row = con.execute(
        f"SELECT count(DISTINCT {_quoted(item)}), {raters}, count(*) FROM {query.table} "
        f"WHERE {query.present}"
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def duckdb_alpha(
    source: str | Path | Sequence[str | Path],
    *,
    item: str = "item",
    value: str = "value",
    level: str = "nominal",
    where: str | None = None,
    connection: Any = None,
) -> float:
    """Krippendorff's alpha of Parquet judgments, computed out of core (module docstring)."""
    _, stats = duckdb_statistics(
        source, item=item, value=value, level=level, where=where, connection=connection
    )
    expected, n_ref = expected_of(stats)
    return alpha_from_sums(float(stats.within.sum()), expected, int(round(stats.m.sum())), n_ref)


def duckdb_bootstrap(
    source: str | Path | Sequence[str | Path],
    *,
    item: str = "item",
    value: str = "value",
    level: str = "nominal",
    where: str | None = None,
    n_resamples: int = 1000,
    seed: int | None = 0,
    confidence: float = 0.95,
    connection: Any = None,
):
    """Alpha and its item-bootstrap percentile interval (a :class:`~.bootstrap.BootstrapResult`),
    resampling the per-item statistics that DuckDB computed (no judgment is read again)."""
    from .bootstrap import (
        BootstrapResult,
        _items_bootstrap,
        _percentile_interval,
        check_resamples,
    )

    n_resamples = check_resamples(n_resamples)
    p, stats = duckdb_statistics(
        source, item=item, value=value, level=level, where=where, connection=connection
    )
    expected, n_ref = expected_of(stats)
    estimate = alpha_from_sums(
        float(stats.within.sum()), expected, int(round(stats.m.sum())), n_ref
    )
    if n_resamples == 0 or np.isnan(estimate):
        samples = np.full(n_resamples, np.nan)
    else:
        if level == "ordinal":  # the per-judgment route when the features would be too big
            p = _with_judgments(p)
        samples = _items_bootstrap(p, stats, None, n_resamples, np.random.default_rng(seed))
    low, high = _percentile_interval(samples, confidence)
    return BootstrapResult(estimate, low, high, "items", n_resamples, confidence, seed, samples)


def _with_judgments(p: Pairable) -> Pairable:
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
