"""``mer-datasets agreement FILE --engine``: which engine computes the report, and the records of
the out-of-core (DuckDB) engine.

Why a size rule: the in-memory report holds the judgments, their codes and the per-item arrays,
about ``MEMORY_FACTOR`` times the Parquet file's size (measured: benchmarks/results/crowd_scale.md);
past the available memory it cannot run at all, while DuckDB streams the file. ``auto`` picks
DuckDB only for Parquet input above that estimate and only when duckdb is installed, so small
files keep the full report (ICC, Fleiss' kappa, duplicate resolution).

The DuckDB (and Spark) report has the in-memory report's records (alpha with its item-bootstrap
interval, ICC, Fleiss' kappa, ``--where``, ``--by``, the duplicates policies) computed by grouped
queries (agreement/sql_report.py); what it does not compute out of core is named in a note or
refused with the reason (``--items`` and ``--raters`` are computed out of core too).
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

ENGINES: tuple[str, ...] = ("auto", "memory", "duckdb", "spark")
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
    """ "memory", "duckdb" or "spark" for ``--engine requested`` on ``target``."""
    files = _parquet_files(target) if is_file else []
    if requested == "spark":  # never chosen automatically: the user knows their cluster
        if not files:
            raise AgreementError(
                f"{target}: --engine spark reads Parquet input (a .parquet file, a directory "
                "of them or a glob)"
            )
        return "spark"
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


def sql_records(source: Any, args: argparse.Namespace) -> Any:
    """The report's records from an :class:`~.sql_report.Source` (DuckDB or Spark) and the CLI's
    options (with ``--items`` or ``--raters``: the per-item or per-rater DataFrame)."""
    from .sql_report import report_records

    if getattr(args, "derive", None):
        raise AgreementError("--derive is computed in memory only: use --engine memory")
    roles, levels = _roles_and_levels(source, args)
    if args.items:
        return sql_items(source, args, roles, levels)
    if args.raters:
        return sql_raters(source, args, roles, levels)
    return report_records(
        source, roles, dimensions=args.dimensions, levels=levels, where=args.where, by=args.by,
        duplicates=args.duplicates, bootstrap=args.bootstrap,
        bootstrap_method=args.bootstrap_method, seed=args.seed, expected=args.expected,
        metrics=[m.strip() for m in args.metrics.split(",") if m.strip()]
        if getattr(args, "metrics", None) else None,
    )  # fmt: skip


def sql_items(
    source: Any, args: argparse.Namespace, roles: dict | None = None, levels: dict | None = None
) -> Any:
    """The ``--items`` table (a DataFrame, report.items_report's columns) out of core."""
    from .sql_report import items_frame

    if roles is None or levels is None:
        roles, levels = _roles_and_levels(source, args)
    return items_frame(
        source, roles, dimensions=args.dimensions, levels=levels, where=args.where,
        duplicates=args.duplicates, sd_ddof=getattr(args, "sd_ddof", 1),
        quantile_method=getattr(args, "quantile_method", "linear"),
    )  # fmt: skip


def sql_raters(
    source: Any, args: argparse.Namespace, roles: dict | None = None, levels: dict | None = None
) -> Any:
    """The ``--raters`` table (a DataFrame, report.raters_report's columns) out of core."""
    from .sql_raters import raters_frame

    if roles is None or levels is None:
        roles, levels = _roles_and_levels(source, args)
    return raters_frame(
        source, roles, dimensions=args.dimensions, levels=levels, where=args.where,
        duplicates=args.duplicates,
    )  # fmt: skip


def _roles_and_levels(source: Any, args: argparse.Namespace) -> tuple[dict, dict]:
    from .sql_report import dimension_values, is_number

    columns = source.columns
    value = args.value if args.value in columns else args.label
    if value not in columns:
        raise AgreementError(
            f"no value column {args.value!r} or label column {args.label!r} in the input "
            f"(columns: {', '.join(columns)})"
        )
    if args.item not in columns:
        raise AgreementError(
            f"no item column {args.item!r} in the input (columns: {', '.join(columns)})"
        )
    roles = {"item": args.item, "rater": args.rater, "value": value,
             "dimension": args.dimension_column}  # fmt: skip
    roles = {role: column for role, column in roles.items() if column in columns}
    names = [roles["value"] if d is None else str(d) for d in dimension_values(source, roles)]
    default = "interval" if is_number(columns[value]) else "nominal"
    return roles, chosen_levels(args.level, names, dict.fromkeys(names, default))
