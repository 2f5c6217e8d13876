"""Krippendorff's alpha out of core: the engine's grouped aggregations as embedded DuckDB queries.

Why: crowd-sourced judgments grow past one machine's memory, and alpha needs only per-item
sufficient statistics (docs/dev/engine.md). DuckDB (embedded, no server, optional extra
``scale``) streams a Parquet file, a directory of Parquet files or a glob through
``GROUP BY item`` / ``GROUP BY item, value`` and hands back one row per item (interval) or per
(item, value) (nominal, ordinal, ratio); the finish is alpha.py's own (``item_statistics`` on the
counts, ``expected_of``, ``alpha_from_sums``), and the item bootstrap is drawn on the same per-item
statistics (bootstrap.py), so both engines give the same numbers.

Items are ordered by first appearance (``_row``: file, then row within the file), as in memory,
so a bootstrap with the same seed draws the same resamples; interval and ratio values are rescaled
by a power of two like alpha.finite_scaled. The queries are sql_report.py's, shared with Spark.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AgreementError
from .alpha import ItemStatistics, Pairable, alpha_from_sums, check_level, expected_of


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
    # out of core means bounded: at most half the available memory and 2 GiB, the rest spilled
    # to the system's temporary folder (not the working directory, DuckDB's default)
    from .scale import available_memory

    limit = max(256, min(2048, available_memory() // 2**21))
    con.execute(f"SET memory_limit = '{limit}MB'")
    spill = Path(tempfile.gettempdir()) / "mer-datasets-duckdb"
    con.execute(f"SET temp_directory = {_literal(str(spill))}")
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


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parquet_files(source: str | Path | Sequence[str | Path]) -> list[str]:
    """The Parquet files of ``source`` (a file, a directory searched recursively, a glob, or a
    list of those), in sorted order within each entry."""
    import glob

    paths = [source] if isinstance(source, (str, Path)) else list(source)
    if not paths:
        raise AgreementError("no Parquet input given")
    files: list[str] = []
    for path in paths:
        text = str(path)
        if Path(text).is_dir():
            found = sorted(str(p) for p in Path(text).rglob("*.parquet"))
        elif any(c in text for c in "*?["):
            found = sorted(glob.glob(text, recursive=True))
        elif Path(text).exists():
            found = [text]
        else:
            raise AgreementError(f"{text}: no such Parquet file or directory")
        if not found:
            raise AgreementError(f"{text}: no Parquet file found")
        files += found
    return files


def duckdb_source(
    source: str | Path | Sequence[str | Path], connection: Any = None, where: str | None = None
):
    """An :class:`~.sql_report.Source` on Parquet ``source``: every column plus ``_row``, the
    order of the rows (file, then row within the file), which orders items by first appearance
    as in memory. ``where`` is a raw SQL condition (the Python API's), applied first."""
    from .sql_report import Source

    con = connection if connection is not None else _connect()
    files = parquet_files(source)
    listed = "[" + ", ".join(_literal(f) for f in files) + "]"
    if len(files) == 1:
        table = (
            "(SELECT * EXCLUDE (file_row_number), file_row_number AS _row FROM "
            f"read_parquet({listed}, file_row_number = true)"
        )
    else:
        table = (
            "(SELECT * EXCLUDE (filename, file_row_number), (list_position("
            f"{listed}, filename) * 4294967296 + file_row_number) AS _row FROM "
            f"read_parquet({listed}, filename = true, file_row_number = true)"
        )
    table += f" WHERE {where})" if where else ")"
    table += " AS input"
    columns = {
        row[0]: str(row[1]) for row in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()
    }
    columns.pop("_row", None)

    def run(sql: str) -> dict[str, np.ndarray]:
        try:
            result = con.execute(sql).fetchnumpy()
        except Exception as error:  # duckdb.Error: a cast or type error from the data
            if type(error).__module__.startswith("duckdb"):
                raise AgreementError(f"DuckDB could not compute the report: {error}") from None
            raise
        return {name: np.asarray(column) for name, column in result.items()}

    return Source(table, columns, run, _quoted)


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
    (dense_rank) and finished by :func:`~.alpha.item_statistics`, as in memory (sql_report.py).
    The returned :class:`~.alpha.Pairable` has no per-judgment arrays (only m, values, counts).
    Every row is a judgment here (no duplicates policy): the CLI report resolves them.
    """
    from .sql_report import plan, statistics

    check_level(level)
    src = duckdb_source(source, connection, where)
    for column in (item, value):
        if column not in src.columns:
            raise AgreementError(
                f"column {column!r} not in the Parquet input (columns: {', '.join(src.columns)})"
            )
    p = plan(src, {"item": item, "value": value}, level=level, duplicates="all")
    return statistics(src, p)


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
    from .bootstrap import check_resamples
    from .sql_report import alpha_result, plan

    n_resamples = check_resamples(n_resamples)
    check_level(level)
    src = duckdb_source(source, connection, where)
    p = plan(src, {"item": item, "value": value}, level=level, duplicates="all")
    return alpha_result(
        src, p, None, against_all=False, n_resamples=n_resamples, seed=seed, confidence=confidence
    )
