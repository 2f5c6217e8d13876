"""``mer-datasets agreement FILE --engine``: which engine computes the report, and the records of
the out-of-core (DuckDB) engine.

Why a size rule: the in-memory report holds the judgments, their codes and the per-item arrays,
about ``MEMORY_FACTOR`` times the Parquet file's size (measured: benchmarks/results/crowd_scale.md);
past the available memory it cannot run at all, while DuckDB streams the file. ``auto`` picks
DuckDB only for Parquet input above that estimate and only when duckdb is installed, so small
files keep the full report (ICC, Fleiss' kappa, duplicate resolution).

The DuckDB report has Krippendorff's alpha with its item-bootstrap interval per dimension; it
treats every row as a judgment (no duplicate resolution, no ``--where``/``--by``/``--items``/
``--raters``) and states so in its notes.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
from pathlib import Path
from typing import Any

from ..errors import AgreementError
from .records import chosen_levels

ENGINES: tuple[str, ...] = ("auto", "memory", "duckdb")
#: In-memory report's resident memory per byte of Parquet input (upper estimate).
MEMORY_FACTOR = 16


def _parquet_files(target: str) -> list[Path]:
    path = Path(target)
    if path.is_dir():
        return sorted(path.rglob("*.parquet"))
    if any(c in target for c in "*?["):
        return [Path(p) for p in sorted(glob.glob(target, recursive=True))]
    return [path] if path.suffix.lower() == ".parquet" and path.is_file() else []


def available_memory() -> int:
    """Bytes of memory available now (Linux: MemAvailable), or a large number when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def choose_engine(requested: str, target: str, is_file: bool) -> str:
    """ "memory" or "duckdb" for ``--engine requested`` on ``target``."""
    files = _parquet_files(target) if is_file else []
    if requested == "duckdb":
        if not files:
            raise AgreementError(
                f"{target}: --engine duckdb reads Parquet input (a .parquet file, a directory "
                "of them or a glob)"
            )
        return "duckdb"
    if requested == "memory" or not files or importlib.util.find_spec("duckdb") is None:
        return "memory"
    size = sum(f.stat().st_size for f in files)
    return "duckdb" if size * MEMORY_FACTOR > available_memory() else "memory"


def duckdb_records(target: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Alpha per dimension of Parquet ``target`` through DuckDB (the records of the report)."""
    from .duckdb_engine import (
        _connect,
        _quoted,
        duckdb_bootstrap,
        duckdb_counts,
        parquet_source,
    )
    from .records import RECORD_COLUMNS

    if args.where or args.by or args.items or args.raters:
        raise AgreementError(
            "--engine duckdb computes the agreement table only (no --where, --by, --items, "
            "--raters); use --engine memory"
        )
    con = _connect()
    table = parquet_source(target)
    columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()]
    value = args.value if args.value in columns else args.label
    dimension_column = args.dimension_column if args.dimension_column in columns else None
    if dimension_column:
        dimensions = [
            row[0]
            for row in con.execute(
                f"SELECT DISTINCT {_quoted(dimension_column)} FROM {table} "
                f"WHERE {_quoted(dimension_column)} IS NOT NULL ORDER BY 1"
            ).fetchall()
        ]
    else:
        dimensions = [value]
    if args.dimensions:
        dimensions = [d for d in dimensions if str(d) in args.dimensions]
    numeric = value == args.value
    missing = con.execute(
        f"SELECT count(*) FROM {table} WHERE {_quoted(args.item)} IS NULL"
    ).fetchone()[0]
    if missing:  # the in-memory reader refuses them too (userfile.py: every judgment has an item)
        raise AgreementError(
            f"{target}: {missing} row(s) with an empty {args.item!r}; every judgment needs an item"
        )
    records = []
    for dimension in dimensions:
        where = None
        if dimension_column:
            literal = str(dimension).replace("'", "''")
            where = f"CAST({_quoted(dimension_column)} AS VARCHAR) = '{literal}'"
        default = "interval" if numeric else "nominal"
        level = chosen_levels(args.level, [str(dimension)], {str(dimension): default})[
            str(dimension)
        ]
        result = duckdb_bootstrap(
            target, item=args.item, value=value, level=level, where=where,
            n_resamples=args.bootstrap, seed=args.seed, connection=con,
        )  # fmt: skip
        n_items, n_raters, n_judgments = duckdb_counts(
            target, item=args.item, rater=args.rater if args.rater in columns else None,
            value=value, level=level, where=where, connection=con,
        )  # fmt: skip
        record: dict[str, Any] = {
            "dimension": str(dimension), "metric": "krippendorff_alpha", "level": level,
            "value": result.estimate, "n_items": n_items, "n_raters": n_raters,
            "n_judgments": n_judgments, "expected_from": "data", "duplicates_policy": "all",
        }  # fmt: skip
        if args.bootstrap > 0:
            record.update(ci_low=result.ci_low, ci_high=result.ci_high)
            record["ci_method"] = f"{result.ci_method} ({args.bootstrap} resamples, 95%)"
        if result.estimate != result.estimate:
            record["note"] = "undefined: no item with 2 judgments or no variation in the values"
        records.append({column: record.get(column) for column in RECORD_COLUMNS})
    return records
