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


def summary(table: Any, to: str) -> str:
    """Rows per mapped label (or quadrant), mean probability and share ambiguous, as text."""
    import pandas as pd

    if to == "av":
        mapped = table["mapped_arousal"].notna() & table["mapped_valence"].notna()
        return f"{int(mapped.sum())} of {len(table)} rows have an arousal/valence point"
    label = table["mapped_label"] if "mapped_label" in table else table["quadrant"]
    prob = table["mapped_prob"] if "mapped_prob" in table else table["quadrant_prob"]
    ambiguous = table["mapped_ambiguous"] if "mapped_ambiguous" in table else table["ambiguous"]
    frame = pd.DataFrame(
        {
            "label": label.astype("string").fillna("(tie)").where(prob.notna(), "(unmapped)"),
            "prob": prob.astype("Float64"),
            "ambiguous": ambiguous.astype("boolean"),
        }
    )
    grouped = frame.groupby("label", dropna=False).agg(
        rows=("label", "size"), mean_prob=("prob", "mean"), ambiguous_share=("ambiguous", "mean")
    )
    grouped = grouped.reset_index().sort_values("rows", ascending=False)
    lines = [f"{'label':<24} {'rows':>8} {'mean_prob':>10} {'ambiguous':>10}"]
    for row in grouped.itertuples(index=False):
        mean_prob = "" if pd.isna(row.mean_prob) else f"{row.mean_prob:.3f}"
        share = "" if pd.isna(row.ambiguous_share) else f"{row.ambiguous_share:.1%}"
        lines.append(f"{row.label!s:<24} {row.rows:>8} {mean_prob:>10} {share:>10}")
    return "\n".join(lines)


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
    from .unify import check_target, unified, unified_labels
    from .vocabulary import CONVENTION

    check_target(args.to)
    dataset = load_dataset(args.dataset)
    table_name = args.table
    if table_name == "auto":
        annotations = getattr(dataset, "annotations", None)
        table_name = "annotations" if annotations is not None and len(annotations) else "labels"
    function = unified if table_name == "annotations" else unified_labels
    table = function(
        dataset, dataset.info, to=args.to, on_axis=args.on_axis, temperature=args.temperature,
        ambiguity_threshold=args.ambiguity_threshold,
        exclude_bases=(CONVENTION,) if args.no_conventions else (),
    )  # fmt: skip
    if args.out:
        write_table(table, args.out)
        sys.stdout.write(
            f"{args.out}: {len(table)} rows ({table_name} of {args.dataset} -> {args.to})\n"
        )
        return EXIT_OK
    sys.stdout.write(f"{args.dataset}: {table_name} -> {args.to}\n{summary(table, args.to)}\n")
    return EXIT_OK
