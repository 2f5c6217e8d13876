"""``mer-datasets splits`` and ``mer-datasets personalize``: thin wrappers over the library.

Everything here is a call a researcher can make in Python (:mod:`.splits`, :mod:`.simulate`);
this module only parses arguments and formats output. ``cli.py`` registers the commands through
:data:`COMMANDS`, :func:`add_arguments` and :func:`run`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

COMMANDS: dict[str, str] = {
    "splits": "seeded train/test splits (per rater with --per-user, or general) as a manifest",
    "personalize": "simulate consensus-entropy active learning per rater (hc, mc, mix, rand)",
}


def _label_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target", default="quadrant",
        help="quadrant (from arousal/valence), rated_quadrant (from rated emotion words, e.g. "
        "ismir2020-agreement) or a categorical dimension",
    )  # fmt: skip
    parser.add_argument(
        "--repeats", default="last", choices=["first", "last", "majority", "drop"],
        help="policy for one rater judging one track more than once (default: last)",
    )  # fmt: skip
    parser.add_argument(
        "--on-axis", default="missing", choices=["missing", "split", "asymmetric"],
        help="answers on an axis: no label, split between quadrants, or >= midpoint is positive",
    )  # fmt: skip
    parser.add_argument("--min-judgments", type=int, default=0, help="select raters with >= N")
    parser.add_argument(
        "--count", default="records", choices=["records", "tracks"],
        help="count judgments as annotation records or as distinct tracks (default: records)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--test-size", type=float, default=0.25, help="test fraction per rater (default: 0.25)"
    )


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    parser.add_argument("dataset", help="dataset id (see `mer-datasets list`)")
    _label_arguments(parser)
    if command == "splits":
        parser.add_argument("--per-user", action="store_true", help="one split per rater")
        parser.add_argument(
            "--method", default="grouped", choices=["random", "grouped", "stratified"],
            help="general split of the (rater, track) labels: rows, by track, or by label",
        )  # fmt: skip
        parser.add_argument("--out", help="write the manifest here (.json or .parquet)")
        parser.add_argument("--json", action="store_true", help="print the manifest as JSON")
    else:
        parser.add_argument(
            "--features", default="spotify",
            help="track features: 'spotify' (the spotify_* columns of tracks), a feature set the "
            "catalog declares (e.g. 'opensmile'), or a prefix of numeric tracks columns",
        )  # fmt: skip
        parser.add_argument(
            "--summary", default="mean", choices=["mean", "std", "min", "max", "median"],
            help="how frame-level feature sets are summarised per track (default: mean)",
        )  # fmt: skip
        parser.add_argument(
            "--strategy", action="append", choices=["hc", "mc", "mix", "rand"],
            help="query strategy; repeat for several (default: all four)",
        )  # fmt: skip
        parser.add_argument("--epochs", type=int, default=5, help="query rounds (default: 5)")
        parser.add_argument("--queries", type=int, default=5, help="tracks per round (default: 5)")
        parser.add_argument("--max-raters", type=int, help="only the N most active raters")
        parser.add_argument("--out", help="write the tidy results table (.csv or .parquet)")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")


def _labels(args: argparse.Namespace, dataset: Any):
    from .activity import select_raters
    from .labels import personal_labels

    annotations = dataset.annotations
    raters = select_raters(annotations, min_judgments=args.min_judgments, count=args.count)
    if not raters:
        from .errors import PersonalizationError

        raise PersonalizationError(
            f"{dataset.id}: no rater has >= {args.min_judgments} judgments counted as {args.count}"
        )
    return personal_labels(
        annotations, target=args.target, repeats=args.repeats, on_axis=args.on_axis, raters=raters
    )


def run_splits(args: argparse.Namespace, dataset: Any) -> int:
    from .splits import general_split, per_user_splits

    labels = _labels(args, dataset)
    if args.per_user:
        manifest = per_user_splits(
            labels, seed=args.seed, test_size=args.test_size,
            dataset=dataset.id, version=dataset.version,
        )  # fmt: skip
    else:
        table = labels.table.assign(pair=labels.table["rater_id"] + "|" + labels.table["track_id"])
        table = table.drop_duplicates("pair")
        manifest = general_split(
            table, method=args.method, seed=args.seed, test_size=args.test_size,
            id_column="pair", dataset=dataset.id, version=dataset.version,
        )  # fmt: skip
    if args.out:
        manifest.write(args.out)
    if args.json:
        sys.stdout.write(json.dumps(manifest.to_dict(), indent=2) + "\n")
        return 0
    train = sum(len(s["train"]) for s in manifest.splits.values())
    test = sum(len(s["test"]) for s in manifest.splits.values())
    sys.stdout.write(
        f"{dataset.id} {dataset.version}: {manifest.kind} split, seed {manifest.seed}, "
        f"{len(manifest.splits)} key(s), {train} train / {test} test\n"
    )
    if labels.dropped:
        sys.stdout.write(f"no label: {labels.dropped}\n")
    if args.out:
        sys.stdout.write(f"manifest: {args.out}\n")
    return 0


def run(args: argparse.Namespace, load: Callable[[argparse.Namespace], Any]) -> int:
    """Run ``args.command`` on the dataset ``load(args)`` returns."""
    dataset = load(args)
    if args.command == "splits":
        return run_splits(args, dataset)
    from .simulate import run_cli

    return run_cli(args, dataset, _labels(args, dataset))
