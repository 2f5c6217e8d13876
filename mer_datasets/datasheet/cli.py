"""The ``datasheet``, ``croissant`` and ``card`` commands (wired into ``mer_datasets/cli.py``).

Each command is ``add_*_arguments(parser)`` + ``run_*(args, load_dataset) -> int``; ``load_dataset``
is a callable ``dataset_id -> MERDataset`` that the main CLI builds from its common options
(data home, mirror, offline). A dataset that cannot be loaded (gated, not downloaded, offline)
still gets its curated part and a note on how to get the data; its exit code is 0 because the
requested document was written, and the note is repeated on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

Loader = Callable[[str], Any]


def _add_build_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        help="bootstrap resamples for agreement intervals (default 1000)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed of the bootstrap (default 0)"
    )


def _add_force_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace existing output files (without it, existing outputs are refused)",
    )


def _sheet(args: argparse.Namespace, load_dataset: Loader) -> tuple[dict[str, Any], Any]:
    from .build import build_datasheet, load_for_datasheet

    catalog = None
    if getattr(args, "catalog", None):
        from ..catalog import load_catalog

        catalog = load_catalog(args.catalog)
    dataset, info, reason = load_for_datasheet(args.dataset, load_dataset, catalog)
    sheet = build_datasheet(
        dataset, info=info, unavailable_reason=reason, bootstrap=args.bootstrap, seed=args.seed
    )
    if dataset is None:
        sys.stderr.write(
            f"mer-datasets: note: {args.dataset}: data not available ({reason}); only the curated "
            f"part is written. {sheet['data']['how_to_get']}\n"
        )
    return sheet, dataset


def add_datasheet_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", help="dataset id (see `mer-datasets list`)")
    parser.add_argument("--format", choices=["markdown", "html", "json"], default="markdown")
    parser.add_argument("--out", default=".", help="output directory (page + figures); default: .")
    _add_build_options(parser)


def run_datasheet(args: argparse.Namespace, load_dataset: Loader) -> int:
    """Write ``<out>/<id>.md`` (or ``.html`` / ``.json``) and its PNG figures."""
    import json

    from .figures import page_files
    from .render import render_html, render_markdown

    sheet, dataset = _sheet(args, load_dataset)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.format == "json":
        path = out / f"{args.dataset}.json"
        path.write_text(json.dumps(sheet, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        figures, companions, notes = page_files(sheet, dataset, out, prefix=f"{args.dataset}-")
        if args.format == "html":
            path = out / f"{args.dataset}.html"
            path.write_text(render_html(sheet, figures, companions, notes=notes), encoding="utf-8")
        else:
            path = out / f"{args.dataset}.md"
            path.write_text(
                render_markdown(sheet, figures, companions, notes=notes), encoding="utf-8"
            )
    sys.stdout.write(f"{path}\n")
    return 0


def add_croissant_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", help="dataset id (see `mer-datasets list`)")
    parser.add_argument(
        "--out",
        help="JSON-LD file to write, or an existing folder to write <id>-croissant.json into "
        "(default: <id>-croissant.json)",
    )
    parser.add_argument("--table-format", choices=["parquet", "csv"], default="parquet")
    _add_force_option(parser)
    _add_build_options(parser)


def run_croissant(args: argparse.Namespace, load_dataset: Loader) -> int:
    """Write the Croissant JSON-LD and, with data, the tables in ``<stem>-tables/`` beside it."""
    from .croissant import write_croissant
    from .outputs import check_free

    out = Path(args.out or f"{args.dataset}-croissant.json")
    if out.is_dir():
        out = out / f"{args.dataset}-croissant.json"
    # refused before the (slow) datasheet is built
    check_free(out.parent, [out.name, f"{out.stem}-tables"], force=args.force)
    sheet, dataset = _sheet(args, load_dataset)
    path = write_croissant(sheet, dataset, out, fmt=args.table_format, force=args.force)
    sys.stdout.write(f"{path}\n")
    return 0


def add_card_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", help="dataset id (see `mer-datasets list`)")
    parser.add_argument("--out", help="directory for README.md + tables (default: <id>-hf/)")
    _add_force_option(parser)
    _add_build_options(parser)


def run_card(args: argparse.Namespace, load_dataset: Loader) -> int:
    """Write a Hugging Face dataset card (README.md) and, with data, the four Parquet tables."""
    from .croissant import TABLES
    from .hfcard import write_card
    from .outputs import check_free

    out = Path(args.out or f"{args.dataset}-hf")
    # refused before the (slow) datasheet is built
    check_free(out, ["README.md", *(f"{name}.parquet" for name in TABLES)], force=args.force)
    sheet, dataset = _sheet(args, load_dataset)
    path = write_card(sheet, dataset, out, force=args.force)
    sys.stdout.write(f"{path}\n")
    return 0
