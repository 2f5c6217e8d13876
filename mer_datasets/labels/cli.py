"""``mer-datasets labels ID --to quadrant|av|<vocabulary> [--out FILE]``: the CLI side of :mod:`.unify`.

Thin by design: it loads the dataset through the injected ``load_dataset``, calls
:func:`~.unify.unified` (or :func:`~.unify.unified_labels`) and writes the table (CSV or Parquet
by the extension of ``--out``) or prints a short summary: how many rows were mapped to each
label, their mean probability and the share flagged ambiguous.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import LabelMappingError

EXIT_OK = 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from .defaults import DEFAULT_AMBIGUITY_THRESHOLD, DEFAULT_TEMPERATURE

    parser.add_argument("dataset", help="dataset id (see `mer-datasets list`)")
    parser.add_argument(
        "--to",
        default="quadrant",
        help="target space: quadrant, av, or a vocabulary id (default: quadrant)",
    )
    parser.add_argument(
        "--table", choices=["annotations", "labels", "auto"], default="auto",
        help="map the per-rater annotations or the published labels (auto: annotations if any)",
    )  # fmt: skip
    parser.add_argument("--out", help="write the mapped table here (.csv or .parquet)")
    parser.add_argument(
        "--on-axis", choices=["missing", "split"], default="missing",
        help="points exactly on an axis: no quadrant (missing) or split between neighbours",
    )  # fmt: skip
    parser.add_argument(
        "--temperature",
        type=float,
        default=DEFAULT_TEMPERATURE,
        help="softmax temperature for point -> category",
    )
    parser.add_argument(
        "--ambiguity-threshold", type=float, default=DEFAULT_AMBIGUITY_THRESHOLD,
        help="normalized entropy at or above which a mapped value is flagged ambiguous",
    )  # fmt: skip
    parser.add_argument(
        "--no-conventions", action="store_true",
        help="leave placements that are conventions of this library out of the mappings",
    )  # fmt: skip


def write_table(table: Any, out: str) -> None:
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table.to_csv(path, index=False)
    elif suffix in (".parquet", ".pq"):
        table.to_parquet(path, index=False)
    else:
        raise LabelMappingError(f"--out {out!r}: use a .csv or .parquet file name")


def run(args: argparse.Namespace, load_dataset: Callable[[str], Any]) -> int:
    from .summary import summary, unmapped_reasons
    from .unify import check_target

    check_target(args.to)
    dataset = load_dataset(args.dataset)
    table_name, table, notes = _mapped_table(dataset, args)
    for note in notes:
        sys.stderr.write(f"mer-datasets: note: {note}\n")
    if args.out:
        write_table(table, args.out)
        sys.stdout.write(
            f"{args.out}: {len(table)} rows ({table_name} of {args.dataset} -> {args.to})\n"
        )
        return EXIT_OK
    lines = [f"{args.dataset}: {table_name} -> {args.to}", summary(table, table_name, args.to)]
    reasons = unmapped_reasons(table, dataset.info, args.to)
    if reasons:
        lines.append("not mapped:")
        lines += [f"  {reason}" for reason in reasons]
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def _mapped_table(dataset: Any, args: argparse.Namespace) -> tuple[str, Any, list[str]]:
    """The mapped table and notes. ``--table auto``: the annotations when any of their rows maps,
    else the published labels, saying why (ISMIR 2020's annotations are intensity ratings of
    words, which map nowhere; its labels are the target emotion and the 4QAED quadrant)."""
    from .summary import mapped_columns, unmapped_reasons
    from .unify import unified, unified_labels
    from .vocabulary import CONVENTION

    options = dict(
        to=args.to, on_axis=args.on_axis, temperature=args.temperature,
        ambiguity_threshold=args.ambiguity_threshold,
        exclude_bases=(CONVENTION,) if args.no_conventions else (),
    )  # fmt: skip
    if args.table == "labels":
        table = unified_labels(dataset, dataset.info, **options)
        return "labels", table, list(table.attrs.get("notes", []))
    table = unified(dataset, dataset.info, **options)
    notes = list(table.attrs.get("notes", []))
    if args.table == "annotations" or _any_mapped(table, args.to, mapped_columns):
        return "annotations", table, notes
    labels = unified_labels(dataset, dataset.info, **options)
    label_notes = list(labels.attrs.get("notes", []))
    if not len(table):
        return "labels", labels, label_notes  # no per-rater judgments: the published labels
    if not _any_mapped(labels, args.to, mapped_columns):
        return "annotations", table, notes
    why = "; ".join(unmapped_reasons(table, dataset.info, args.to))
    note = (
        f"no annotation maps to {args.to} ({why}); showing the published labels instead "
        "(--table annotations for the annotations)"
    )
    return "labels", labels, [note, *label_notes]


def _any_mapped(table: Any, to: str, mapped_columns: Callable[..., Any]) -> bool:
    if not len(table):
        return False
    if to == "av":
        return bool((table["mapped_arousal"].notna() & table["mapped_valence"].notna()).any())
    return bool(mapped_columns(table, to)[1].notna().any())
