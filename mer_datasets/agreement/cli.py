"""``mer-datasets agreement``: argument parsing and output formatting only; the work is in report.py.

Imports nothing heavy at module import (no scipy): the report modules load when ``run`` is called.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .render import FORMATS, render_records


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``agreement`` arguments to ``parser``."""
    parser.add_argument(
        "target", metavar="ID_OR_FILE", help="catalog id, or a CSV/Parquet file of long annotations"
    )
    parser.add_argument(
        "--dimension",
        action="append",
        dest="dimensions",
        metavar="D",
        help="only this dimension (repeatable)",
    )
    parser.add_argument(
        "--by",
        metavar="COL",
        help="also report per group of this annotations/raters/tracks column (e.g. genre)",
    )
    parser.add_argument(
        "--level",
        action="append",
        metavar="[DIM=]LEVEL",
        help="level of measurement (nominal, ordinal, interval, ratio) for every dimension, or "
        "DIM=LEVEL for one (repeatable: --level arousal=interval --level emotion=nominal)",
    )
    parser.add_argument(
        "--where",
        metavar="EXPR",
        help="keep the judgments where EXPR holds (column names, constants, == != < <= > >= in, "
        "and/or/not), e.g. on sample or trompa-mer: "
        "'familiarity == 1 and mother_language == \"es\"'",
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        metavar="N",
        help="bootstrap resamples (0: no CI; default 1000)",
    )
    parser.add_argument(
        "--bootstrap-method",
        choices=["auto", "items", "two-way", "krippendorff"],
        default="auto",
        help="auto (default): two-way (items x raters) when raters are known, else items; "
        "krippendorff is known to under-cover (docs/guide/agreement.md)",
    )
    parser.add_argument(
        "--bootstrap-interval",
        choices=["percentile", "bca"],
        default="percentile",
        help="percentile (default) or bca: bias-corrected and accelerated (items and two-way)",
    )
    parser.add_argument(
        "--bootstrap-totals",
        choices=["auto", "exact", "normal"],
        default="auto",
        help="how the item bootstrap draws: auto (default) draws its totals from their normal "
        "limit from 100,000 items when that is within the Monte Carlo error; exact draws items",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--metrics",
        metavar="M[,M...]",
        help="statistics to report, comma-separated: krippendorff_alpha, icc1_1, icc2_1, icc3_1, "
        "icc1_k, icc2_k, icc3_k, fleiss_kappa, cronbach_alpha, group_tests (default: "
        "krippendorff_alpha and the ICC(x,1) forms and Fleiss' kappa where they apply)",
    )
    parser.add_argument(
        "--duplicates", choices=["latest", "first", "mean", "all"], default="latest"
    )
    parser.add_argument(
        "--expected",
        choices=["group", "all"],
        default="group",
        help="D_e of per-group alpha: the group's or all data",
    )
    parser.add_argument(
        "--derive",
        action="append",
        metavar="SPEC",
        help="add a derived nominal dimension (repeatable): quadrant[:RULE] from each record's "
        "own arousal/valence (RULE missing, the default: an answer on an axis gives no quadrant; "
        "asymmetric: on an axis counts as positive), or SOURCE->TARGET, a categorical dimension "
        "mapped through its vocabulary to quadrant or another vocabulary; unmapped judgments are "
        "counted",
    )
    parser.add_argument(
        "--midpoint",
        action="append",
        metavar="DIM=X",
        help="file input with --derive quadrant: the axis value of DIM's scale (e.g. "
        "--midpoint arousal=5 --midpoint valence=5 on 1-9); catalog datasets use their scales",
    )
    parser.add_argument(
        "--pool-protocols",
        action="store_true",
        help="where the catalog declares several rating protocols (DEAP: lab, online), also report "
        "the pooled figure (by default each protocol is reported separately)",
    )
    parser.add_argument(
        "--sd-ddof",
        type=int,
        choices=[0, 1],
        default=1,
        help="--items: standard deviation of each item's ratings with N - ddof in the "
        "denominator (1: sample SD, the default; 0: population SD)",
    )
    parser.add_argument(
        "--quantile-method",
        default="linear",
        metavar="METHOD",
        help="--items: numpy quantile method of the quartiles and IQR (default linear, numpy's "
        "and pandas' default; median_unbiased reproduces DEAP's published quartiles)",
    )
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    parser.add_argument(
        "--items",
        action="store_true",
        help="per-item consensus entropy / spread, most contested first",
    )
    parser.add_argument(
        "--raters", action="store_true", help="per-rater diagnostics (leave-one-out, test-retest)"
    )
    parser.add_argument(
        "--item",
        default="track_id",
        metavar="COL",
        help="file input: item column (default track_id)",
    )
    parser.add_argument(
        "--rater",
        default="rater_id",
        metavar="COL",
        help="file input: rater column (default rater_id)",
    )
    parser.add_argument(
        "--value",
        default="value",
        metavar="COL",
        help="file input: numeric value column (default value)",
    )
    parser.add_argument(
        "--label", default="label", metavar="COL", help="file input: label column (default label)"
    )
    parser.add_argument(
        "--dimension-column",
        default="dimension",
        metavar="COL",
        help="file input: dimension column",
    )
    parser.add_argument(
        "--engine",
        choices=["auto", "memory", "duckdb", "spark"],
        default="auto",
        help="file input: compute in memory, or out of core with DuckDB (Parquet; pip install "
        "'mer-datasets[scale]'); auto: DuckDB when the file would not fit in memory; spark: "
        "through PySpark (pip install 'mer-datasets[spark]', docs/guide/crowd-scale.md)",
    )
    from .userfile import add_file_arguments

    add_file_arguments(parser)


def read_annotation_file(path: Path, args: argparse.Namespace) -> tuple[Any, dict[str, str]]:
    """A researcher's own long annotations and default levels (rules in agreement/userfile.py)."""
    from .userfile import options_from_args, read_annotations

    return read_annotations(path, *options_from_args(args))


#: Per-rater report columns that hold one figure per dimension (the same on every rater's row):
#: the text formats state them once under the table instead.
DATASET_WIDE: dict[str, str] = {
    "between_rater_alpha": "between-rater alpha",
    "test_retest_alpha": "test-retest alpha",
}


def _readable(frame: Any) -> Any:
    """The frame for people: counts as integers (``n_*`` columns, blank when missing rather than
    ``<NA>``), numeric labels without ``.0000`` (``-1``, not ``-1.0000``)."""
    import pandas as pd

    def integer(value: Any) -> str:
        return "" if pd.isna(value) else str(int(value))

    def label(value: Any) -> Any:
        return f"{value:g}" if isinstance(value, float) else ("" if pd.isna(value) else value)

    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if column == "modal_label":
            frame[column] = values.map(label)
        elif pd.api.types.is_bool_dtype(values):
            frame[column] = values.map(lambda v: "yes" if v is True or v == True else "")  # noqa: E712
        elif isinstance(values.dtype, pd.Int64Dtype):
            frame[column] = values.map(integer)
        elif (column == "n" or str(column).startswith("n_")) and pd.api.types.is_numeric_dtype(
            values
        ):
            finite = values.dropna().astype(float)
            if bool(((finite % 1) == 0).all()):
                frame[column] = values.map(integer)
    return frame


def _dataset_wide_footer(frame: Any) -> tuple[Any, str]:
    """``frame`` without the :data:`DATASET_WIDE` columns, and those figures once per dimension."""
    present = [c for c in DATASET_WIDE if c in frame.columns]
    if not present or "dimension" not in frame.columns:
        return frame, ""
    lines = []
    for dimension, rows in frame.groupby("dimension", sort=False, observed=True):
        figures = []
        for column in present:
            value = rows[column].dropna()
            shown = f"{float(value.iloc[0]):.3f}" if len(value) else "undefined"
            figures.append(f"{DATASET_WIDE[column]} {shown}")
        lines.append(f"{dimension}: " + ", ".join(figures))
    footer = "\nper dimension, over all raters:\n" + "\n".join(f"  {line}" for line in lines)
    return frame.drop(columns=present), footer + "\n"


def _render_frame(frame: Any, fmt: str, context: list[str] | tuple[str, ...] = ()) -> str:
    """A per-item or per-rater table (DataFrame) in ``fmt``; the text formats (table, markdown)
    state dataset-wide figures once under the table, machine formats keep them on every row."""
    from .report import to_json_records

    footer = ""
    if fmt in ("table", "markdown"):
        frame, footer = _dataset_wide_footer(_readable(frame))
        footer += "".join(f"{line}\n" for line in ("", *context)) if context else ""
        if fmt == "markdown":
            return _markdown(frame) + footer
        text = frame.to_string(index=False, na_rep="", float_format=lambda v: f"{v:.4f}")
        return text + "\n" + footer
    if fmt == "json":
        return json.dumps(to_json_records(frame), indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "html":
        return frame.to_html(index=False, na_rep="", float_format=lambda v: f"{v:.4f}")
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _markdown(frame: Any) -> str:
    import pandas as pd

    def cell(value: Any) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return ""
        if isinstance(value, float):
            return f"{value:.4f}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


CachedTables = Callable[[str], "tuple[Any, dict[str, str]] | None"]


def run(
    args: argparse.Namespace,
    load_tables: Callable[[str], tuple[Any, ...]],
    cached_judgments: CachedTables | None = None,
) -> int:
    """Compute the requested report and print or write it; returns the exit code.

    ``cached_judgments(id)`` gives (:class:`~.judgments.Judgments`, default levels) straight from
    the cache, or None; when it is given and the request needs no joins or filters (no
    ``--where``, ``--by``, ``--items``, ``--raters``), the report is computed without pandas.
    """
    path = Path(args.target)
    from .userfile import looks_like_path

    is_file = looks_like_path(args.target)
    cached = None
    if cached_judgments is not None and not is_file and not _needs_tables(args):
        cached = cached_judgments(args.target)
    engine = getattr(args, "engine", "auto")
    if getattr(args, "derive", None) and engine != "duckdb":
        engine = "memory"  # derived dimensions are computed in memory only
    if is_file and engine not in ("duckdb", "spark") and not _needs_tables(args):
        cached = _clean_parquet(path, args, engine)  # columnar fast route (arrow_reader.py)
    if engine in ("duckdb", "spark") or (is_file and engine == "auto"):  # agreement/scale.py
        from .scale import choose_engine  # no duckdb import unless it is chosen

        engine = choose_engine(engine, args.target, is_file)
    if engine in ("duckdb", "spark"):  # out of core: agreement/sql_report.py
        from .scale import sql_records

        if engine == "duckdb":
            from .duckdb_engine import duckdb_source as source_of
        else:
            from .spark_engine import spark_file_source as source_of
        result = sql_records(source_of(args.target), args)
        if args.items or args.raters:  # per-item / per-rater DataFrame
            context = [*request_context(args), *result.attrs.get("context", [])]
            text = _render_frame(result, args.format, context)
        else:
            text = render_records(result, args.format, request_context(args))
    elif cached is not None:
        judgments, levels, *protocols = cached  # protocols: (declared, codes) or nothing
        records = _records_from_judgments(judgments, levels, args, *protocols)
        context = [*request_context(args), *getattr(args, "protocols_context", [])]
        text = render_records(records, args.format, context)
    else:
        text = _report_from_tables(args, path, is_file, load_tables)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _clean_parquet(path: Path, args: argparse.Namespace, engine: str) -> Any:
    """(judgments, levels) of a clean Parquet or CSV/TSV file read column by column, or None
    (full reader)."""
    if engine not in ("auto", "memory"):
        return None
    if path.suffix.lower() in (".csv", ".tsv", ".tab", ".txt"):  # never an out-of-core engine
        from .arrow_reader import csv_judgments
        from .userfile import options_from_args

        return csv_judgments(path, *options_from_args(args))
    if path.suffix.lower() not in (".parquet", ".pq"):
        return None
    if engine == "auto":
        from .scale import choose_engine

        if choose_engine("auto", str(path), True) != "memory":
            return None
    from .arrow_reader import parquet_judgments
    from .userfile import options_from_args

    return parquet_judgments(path, *options_from_args(args))


SYNTHETIC_NOTE = (
    "data: SYNTHETIC (generated by a script, no real listeners): the figures show how the "
    "report reads and say nothing about music or people"
)


def request_context(args: argparse.Namespace) -> list[str]:
    """Lines echoing what the figures were computed on: the filter, the grouping, and whether the
    data is synthetic (printed under text reports, so a pasted table keeps its conditions)."""
    lines = [f"filter (--where): {args.where}"] if args.where else []
    if args.by and (args.items or args.raters):  # the agreement table states its groups itself
        lines.append(f"grouping (--by): {args.by} is not applied to --items/--raters")
    if getattr(args, "synthetic", False):
        lines.append(SYNTHETIC_NOTE)
    return lines


def chosen_metrics(args: argparse.Namespace) -> list[str] | None:
    """``--metrics a,b`` as a list (None: the default set); unknown names are refused later, by
    :func:`~.records.check_options`, with the list of known ones."""
    text = getattr(args, "metrics", None)
    return [m.strip() for m in text.split(",") if m.strip()] if text else None


def _needs_tables(args: argparse.Namespace) -> bool:
    return bool(args.items or args.raters or args.where or args.by or getattr(args, "derive", None))


def _records_from_judgments(
    judgments: Any,
    levels: dict[str, str],
    args: argparse.Namespace,
    protocols: Any = None,
    protocol_codes: Any = None,
) -> list[dict[str, Any]]:
    """The records of the pandas-free path; with ``protocols``, one set per protocol (and the
    pooled one with ``--pool-protocols``), as :func:`~.report.agreement_report` gives them."""
    from .records import agreement_records, chosen_levels

    if args.dimensions:
        keep = np.flatnonzero(
            np.isin(judgments.dimension.codes, _codes_of(judgments, args.dimensions))
        )
        judgments = judgments.take(keep)
        if protocol_codes is not None:
            protocol_codes = type(protocol_codes)(protocol_codes.codes[keep], protocol_codes.names)
    levels = chosen_levels(args.level, judgments.dimension_names(), levels)
    options = dict(
        levels=levels, bootstrap=args.bootstrap, bootstrap_method=args.bootstrap_method,
        seed=args.seed, duplicates=args.duplicates, expected=args.expected,
        metrics=chosen_metrics(args), bootstrap_interval=args.bootstrap_interval,
        bootstrap_totals=args.bootstrap_totals,
    )  # fmt: skip
    if protocols is None:
        return agreement_records(judgments, **options)
    from .protocols import POOLED, protocol_rows

    records: list[dict[str, Any]] = []
    parts = protocol_rows(protocol_codes, protocols, getattr(args, "pool_protocols", False))
    present = [value for value, _ in parts if value != POOLED]
    for value, rows in parts:
        part = judgments if rows is None else judgments.take(rows)
        for record in agreement_records(part, **options):
            record["protocol"] = value
            if value == POOLED:
                mixed = f"pooled over rating protocols ({', '.join(present)}): mixes them"
                record["note"] = "; ".join(filter(None, [mixed, record.get("note")]))
            records.append(record)
    args.protocols_context = [_protocols_line(protocols, present, args)]
    return records


def _codes_of(judgments: Any, names: list[str]) -> list[int]:
    wanted = {str(n) for n in names}
    return [i for i, name in enumerate(judgments.dimension.names) if str(name) in wanted]


def _protocols_line(protocols: Any, present: list[str], args: argparse.Namespace) -> str:
    from .protocols import protocols_note

    return protocols_note(protocols, present, getattr(args, "pool_protocols", False))


def _report_from_tables(
    args: argparse.Namespace,
    path: Path,
    is_file: bool,
    load_tables: Callable[[str], tuple[Any, ...]],
) -> str:
    from .report import agreement_report, items_report, raters_report, to_json_records

    if is_file:
        annotations, levels = read_annotation_file(path, args)
        raters = tracks = None
        extra: dict[str, Any] = {"midpoints": _midpoints(args)}
    else:
        annotations, raters, levels, *rest = load_tables(args.target)
        tracks = rest[0] if rest else None
        extra = dict(rest[1]) if len(rest) > 1 else {}
    names = [str(d) for d in annotations["dimension"].dropna().unique()]
    from .records import chosen_levels

    levels = chosen_levels(args.level, names, dict(levels or {}))
    common = dict(
        dimensions=args.dimensions, levels=levels, where=args.where, duplicates=args.duplicates,
        tracks=tracks,
    )  # fmt: skip
    context = request_context(args)
    derive = getattr(args, "derive", None)
    if derive and any(str(d).startswith("quadrant") for d in derive) and is_file:
        _require_midpoints(extra["midpoints"])
    if args.items:
        frame = items_report(
            annotations, raters, derive=derive, midpoints=extra.get("midpoints"),
            vocabularies=extra.get("vocabularies"), sd_ddof=getattr(args, "sd_ddof", 1),
            quantile_method=getattr(args, "quantile_method", "linear"), **common,
        )  # fmt: skip
        return _render_frame(frame, args.format, [*context, *frame.attrs.get("context", [])])
    if args.raters:
        return _render_frame(raters_report(annotations, raters, **common), args.format, context)
    frame = agreement_report(
        annotations, raters, by=args.by, bootstrap=args.bootstrap, bootstrap_method=args.bootstrap_method,
        seed=args.seed, expected=args.expected, metrics=chosen_metrics(args), derive=derive,
        pool_protocols=getattr(args, "pool_protocols", False), **extra, **common,
        bootstrap_interval=args.bootstrap_interval, bootstrap_totals=args.bootstrap_totals,
    )  # fmt: skip
    context = [*context, *frame.attrs.get("context", [])]
    return render_records(to_json_records(frame), args.format, context)


def _midpoints(args: argparse.Namespace) -> dict[str, float]:
    """``--midpoint DIM=X`` options as a mapping (a malformed one is refused)."""
    from ..errors import AgreementError

    out: dict[str, float] = {}
    for option in getattr(args, "midpoint", None) or []:
        dimension, _, number = option.partition("=")
        try:
            out[dimension.strip()] = float(number)
        except ValueError:
            raise AgreementError(
                f"--midpoint {option!r}: expected DIM=NUMBER, e.g. --midpoint arousal=5"
            ) from None
    return out


def _require_midpoints(midpoints: dict[str, float]) -> None:
    from ..errors import AgreementError

    missing = [d for d in ("arousal", "valence") if d not in midpoints]
    if missing:
        raise AgreementError(
            "--derive quadrant on a file needs the axis of each scale, which a file does not "
            f"declare: give {' '.join(f'--midpoint {d}=X' for d in missing)} (the value of an "
            "answer on the axis, e.g. 5 on a 1-9 scale, 0 on -1..+1)"
        )
