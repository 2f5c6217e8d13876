"""The ``mer-datasets`` command: parses arguments, calls the library, formats the result.

Why thin: everything the CLI does is a library call a researcher can make from Python too, and
expected failures (a :class:`~mer_datasets.errors.MERDatasetsError`) end with a one-paragraph
message and exit code 1, never a traceback. Exit codes: 0 success, 1 data or network error,
2 usage error (argparse). Heavy libraries are imported inside the commands that use them, so
``mer-datasets --help`` and ``list`` start instantly.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def _print(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _catalog(args: argparse.Namespace) -> Any:
    from .catalog import default_catalog, load_catalog

    if getattr(args, "catalog", None):
        return load_catalog(args.catalog)
    return default_catalog()


def _clip(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def _table(
    rows: list[dict[str, Any]], columns: list[str], max_width: dict[str, int] | None = None
) -> str:
    """A plain fixed-width text table (no dependency, copy-pastable); long cells are clipped."""
    limits = max_width or {}
    cells = [
        [_clip("" if r.get(c) is None else str(r.get(c)), limits.get(c)) for c in columns]
        for r in rows
    ]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join([line.rstrip(), rule, *body])


# -- catalog commands --------------------------------------------------------------------


def _summary(info: Any) -> dict[str, Any]:
    counts = info.counts or {}
    return {
        "id": info.id,
        "name": info.name,
        "year": info.year,
        "items": counts.get("items"),
        "raters": counts.get("raters"),
        "taxonomy": info.taxonomy,
        "perspective": info.perspective,
        "temporal": info.temporal,
        "per_rater": info.per_rater,
        "access": info.access,
        "license": info.license,
    }


def cmd_list(args: argparse.Namespace) -> int:
    rows = [_summary(info) for info in _catalog(args)]
    if args.json:
        _print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    columns = [
        "id",
        "name",
        "year",
        "items",
        "raters",
        "taxonomy",
        "perspective",
        "access",
        "license",
    ]
    _print(_table(rows, columns, {"name": 40, "license": 28}))
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    info = _catalog(args).get(args.dataset)
    if args.json:
        _print(json.dumps(info.raw, indent=2, ensure_ascii=False, default=str))
        return EXIT_OK
    from .describe import describe_dataset

    _print(describe_dataset(info))
    return EXIT_OK


def cmd_validate_catalog(args: argparse.Namespace) -> int:
    from .catalog import read_document, validate_document
    from .resources import catalog_path, schema_path

    path = Path(args.path) if args.path else catalog_path()
    problems = validate_document(read_document(path), str(path))
    if problems:
        for problem in problems:
            sys.stderr.write(problem + "\n")
        sys.stderr.write(f"{path}: {len(problems)} problem(s)\n")
        return EXIT_ERROR
    from .catalog import load_catalog

    catalog = load_catalog(path)
    _print(f"{path}: valid ({len(catalog)} datasets) against {schema_path('catalog.schema.json')}")
    return EXIT_OK


# -- files --------------------------------------------------------------------------------


def _files_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "data_home": args.data_home,
        "mirror": getattr(args, "mirror", None),
        "offline": True if getattr(args, "offline", False) else None,
        "progress": False if getattr(args, "quiet", False) else None,
    }


def cmd_download(args: argparse.Namespace) -> int:
    from .download.store import download_dataset

    info = _catalog(args).get(args.dataset)
    if args.include or args.tracks or args.split or args.dry_run:
        return _download_assets(info, args)
    result = download_dataset(info, args.version, **_files_kwargs(args))
    if not args.quiet:
        _print(str(result))
    return EXIT_OK


def _download_assets(info: Any, args: argparse.Namespace) -> int:
    """``download ID --include audio|features:NAME [--tracks ...] [--yes]`` (see download/assets)."""
    from .download.assets import download_assets, estimate, human_size, parse_include
    from .errors import MERDatasetsError

    if not args.include:
        raise MERDatasetsError(
            "--tracks, --split and --dry-run apply to asset groups: add --include audio (or "
            "features:NAME)"
        )
    names = list(
        dict.fromkeys(n for value in args.include for n in parse_include(value, info, args.version))
    )
    tracks = [t for value in args.tracks or () for t in value.split(",") if t] or None
    if args.split:
        from .download.assets import split_tracks

        tracks = (tracks or []) + split_tracks(_load(args), args.split)
    planned = estimate(
        info, args.version, names, tracks, data_home=args.data_home, mirror=args.mirror
    )
    _print(f"{info.id} {', '.join(names)}: {planned}")
    if args.dry_run:
        for filename, size in planned.planned:
            _print(
                f"  would fetch {filename} ({'size unknown' if size is None else human_size(size)})"
            )
        return EXIT_OK
    if planned.large and not args.yes:
        if not sys.stdin.isatty():
            raise MERDatasetsError(
                f"this download is large ({planned}); add --yes to confirm it in a script"
            )
        if input("Proceed? [y/N] ").strip().lower() not in ("y", "yes"):
            _print("nothing downloaded")
            return EXIT_ERROR
    for summary in download_assets(info, args.version, names, tracks, **_files_kwargs(args)):
        if not args.quiet:
            _print(str(summary))
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from .download.store import verify_dataset

    info = _catalog(args).get(args.dataset)
    if args.include:
        from .download.assets import parse_include, verify_assets

        names = [n for value in args.include for n in parse_include(value, info, args.version)]
        statuses = verify_assets(
            info, args.version, list(dict.fromkeys(names)), data_home=args.data_home
        )
    else:
        statuses = verify_dataset(info, args.version, data_home=args.data_home)
    rows = [
        {
            "status": s.status,
            "file": s.path,
            "checksum_source": getattr(s, "checksum_source", None),
            "message": getattr(s, "message", None) or "",
        }
        for s in statuses
    ]
    if args.json:
        _print(json.dumps(rows, indent=2))
    elif rows:
        _print(_table(rows, ["status", "file", "checksum_source", "message"]))
    _asset_hints(info, args)
    bad = [s for s in statuses if s.status in ("missing", "corrupt")]
    return EXIT_ERROR if bad else EXIT_OK


def _asset_hints(info: Any, args: argparse.Namespace) -> None:
    """After ``verify``: one line per declared asset group not (fully) on disk, with the command
    that fetches it (on stderr, so ``--json`` output stays one document)."""
    from .download.assets import asset_presence

    asked = set()
    if args.include:
        from .download.assets import parse_include

        asked = {n for value in args.include for n in parse_include(value, info, args.version)}
    for presence in asset_presence(info, args.version, data_home=args.data_home):
        if presence.complete or (asked and presence.name not in asked):
            continue
        sys.stderr.write(presence.hint(info.id, info.access) + "\n")


def cmd_ingest(args: argparse.Namespace) -> int:
    from .download.store import ingest_dataset

    info = _catalog(args).get(args.dataset)
    if args.include:
        from .download.assets import ingest_assets, parse_include

        names = [n for value in args.include for n in parse_include(value, info, args.version)]
        for summary in ingest_assets(
            info, Path(args.directory), args.version, list(dict.fromkeys(names)),
            data_home=args.data_home,
        ):  # fmt: skip
            _print(str(summary))
        return EXIT_OK
    result = ingest_dataset(info, Path(args.directory), args.version, data_home=args.data_home)
    _print(str(result))
    return EXIT_OK


# -- tables -------------------------------------------------------------------------------


def _load(args: argparse.Namespace, dataset_id: str | None = None) -> Any:
    from .dataset import load_dataset

    return load_dataset(
        dataset_id or args.dataset,
        version=getattr(args, "version", None),
        catalog=_catalog(args),
        **_files_kwargs(args),
    )


def cmd_load(args: argparse.Namespace) -> int:
    dataset = _load(args)
    written = dataset.to_parquet(args.out) if args.format == "parquet" else dataset.to_csv(args.out)
    for name, path in written.items():
        _print(f"{name:12s} {_written_rows(dataset, name):>8d} rows  {path}")
    return EXIT_OK


def _written_rows(dataset: Any, name: str) -> int:
    """Rows written for table ``name``: a table's length, or the quirks report's entries (the
    quirks file holds one row per quirk kind, so its ``quirks`` list, not the report, is counted)."""
    table = getattr(dataset, name, None)
    if hasattr(table, "shape"):
        return int(table.shape[0])
    return len(dataset.quirks.quirks)


def cmd_stats(args: argparse.Namespace) -> int:
    dataset = _load(args)
    stats = dataset.stats()
    if args.json:
        _print(json.dumps(stats, indent=2, ensure_ascii=False, default=str))
        return EXIT_OK
    from .describe import describe_stats

    _print(describe_stats(stats))
    return EXIT_OK


def _no_per_rater_judgments(info: Any, dataset: Any) -> Exception:
    """The error for ``agreement`` on a dataset without per-rater judgments: agreement between
    raters needs each rater's judgment, so say so and what the dataset publishes instead."""
    from .errors import AgreementError

    labels = dataset.labels
    if len(labels):
        parts = labels.groupby(["dimension", "statistic"], observed=True).size()
        published = ", ".join(f"{d} {s} ×{n}" for (d, s), n in parts.items() if n)
        what = (
            f"{len(labels)} aggregated labels of {labels['track_id'].nunique()} tracks in its "
            f"`labels` table ({published}): map them with `mer-datasets labels {info.id} "
            "--table labels`"
        )
    else:
        what = "no aggregated labels either (its `labels` table is empty)"
    return AgreementError(
        f"dataset {info.id!r} publishes no per-rater judgments (its `raters` and `annotations` "
        "tables are empty), so there is no agreement between raters to compute. It publishes "
        f"{what}; `mer-datasets load {info.id} --out DIR` writes every table. Datasets with "
        "per-rater judgments have per_rater true in `mer-datasets list --json`."
    )


def cmd_agreement(args: argparse.Namespace) -> int:
    from .agreement.cli import run

    catalog = _catalog(args)
    info = catalog.get(args.target) if args.target in catalog else None
    if info is not None:
        args.synthetic = info.synthetic

    def load_tables(dataset_id: str) -> tuple[Any, Any, dict[str, str], Any, dict[str, Any]]:
        from .dataset import agreement_context, default_levels

        dataset = _load(args, dataset_id)
        if dataset.annotations.empty:
            raise _no_per_rater_judgments(dataset.info, dataset)
        levels, context = default_levels(dataset.info), agreement_context(dataset.info)
        return dataset.annotations, dataset.raters, levels, dataset.tracks, context

    def cached_judgments(dataset_id: str) -> tuple[Any, ...] | None:
        """Straight from the cache, without pandas (None: take the full path); with the rating
        protocols (and their codes) where the catalog declares them."""
        from .agreement.protocols import RatingProtocols
        from .cached_agreement import cached_judgments_with
        from .dataset import default_levels

        info = catalog.get(dataset_id)
        if not info.per_rater:
            return None  # the full path says what the dataset publishes instead
        protocols = RatingProtocols.from_catalog(info.raw.get("protocols"))
        extra = (protocols.column,) if protocols is not None else ()
        found = cached_judgments_with(
            info, info.version(args.version), extra, data_home=args.data_home
        )
        if found is None:
            return None
        judgments, coded = found
        if protocols is None:
            return judgments, default_levels(info)
        return judgments, default_levels(info), protocols, coded[protocols.column]

    return run(args, load_tables, cached_judgments)


def cmd_labels(args: argparse.Namespace) -> int:
    from .labels.cli import run

    return run(args, lambda dataset_id: _load(args, dataset_id))


# -- parser -------------------------------------------------------------------------------


def _add_common(
    parser: argparse.ArgumentParser, *, files: bool = True, version: bool = True
) -> None:
    parser.add_argument("--catalog", help="use this catalog file instead of the packaged one")
    if version:
        parser.add_argument(
            "--version", help="dataset version (default: the latest in the catalog)"
        )
    if files:
        parser.add_argument(
            "--data-home",
            help="where data lives (default: $MER_DATASETS_HOME or the user data dir)",
        )
        parser.add_argument(
            "--mirror",
            help="URL or directory holding <dataset-id>/<filename> (or $MER_DATASETS_MIRROR)",
        )
        parser.add_argument(
            "--offline",
            action="store_true",
            help="never touch the network (or $MER_DATASETS_OFFLINE=1)",
        )
        parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mer-datasets",
        description="Music Emotion Recognition datasets: catalog, verified downloads, tidy "
        "per-rater tables, label mapping and agreement reports.",
        epilog="Exit codes: 0 success, 1 data or network error, 2 usage error.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_argument(
        "-V", "--version", "--package-version", action="version", version=_version()
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(
        name: str, func: Callable[[argparse.Namespace], int], help_text: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        # also after the command (`mer-datasets stats x --debug`); SUPPRESS keeps a --debug given
        # before the command from being reset to False by the subparser's default
        p.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
        )
        return p

    p = command("list", cmd_list, "show the catalog as a table")
    _add_common(p, files=False, version=False)
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = command(
        "info", cmd_info, "everything the catalog knows about a dataset (citation, license, files)"
    )
    p.add_argument("dataset", help="dataset id (see `mer-datasets list`)")
    _add_common(p, files=False, version=False)
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = command(
        "validate-catalog",
        cmd_validate_catalog,
        "validate catalog.yaml against schemas/catalog.schema.json",
    )
    p.add_argument("path", nargs="?", help="catalog file (default: the packaged catalog.yaml)")

    p = command(
        "download", cmd_download, "fetch every remote of a dataset into the data home, verified"
    )
    p.add_argument("dataset")
    p.add_argument(
        "--include",
        action="append",
        metavar="ASSET",
        help="fetch an optional asset group instead of the annotations: 'audio', "
        "'features:NAME' or 'features' (repeatable)",
    )
    p.add_argument(
        "--tracks",
        action="append",
        metavar="IDS",
        help="only these track ids (comma-separated, repeatable): fetches only what they need",
    )
    p.add_argument(
        "--split",
        action="append",
        metavar="NAME",
        help="only the tracks of this split of the tracks table (e.g. test; repeatable): loads "
        "the annotations to read it",
    )
    p.add_argument("--yes", action="store_true", help="confirm a large download without asking")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="with --include: print the size estimate and the files to fetch, fetch nothing",
    )
    _add_common(p)

    p = command(
        "verify", cmd_verify, "re-check files on disk: missing, corrupt or fine (no network)"
    )
    p.add_argument("dataset")
    p.add_argument(
        "--include",
        action="append",
        metavar="ASSET",
        help="check an optional asset group instead: 'audio', 'features:NAME' or 'features'",
    )
    _add_common(p)
    p.add_argument("--json", action="store_true")

    p = command(
        "ingest", cmd_ingest, "register files obtained by hand (gated data, lab copies), verified"
    )
    p.add_argument("dataset")
    p.add_argument("directory", help="folder holding the files as laid out in the official archive")
    p.add_argument(
        "--include",
        action="append",
        metavar="ASSET",
        help="register an optional asset group instead: 'audio', 'features:NAME' or 'features'",
    )
    _add_common(p)

    p = command("load", cmd_load, "load a dataset and write its four tables")
    p.add_argument("dataset")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    _add_common(p)

    p = command(
        "stats", cmd_stats, "counts per table and dimension, and the loader's quirks report"
    )
    p.add_argument("dataset")
    p.add_argument("--json", action="store_true")
    _add_common(p)

    p = command(
        "agreement",
        cmd_agreement,
        "inter-rater agreement report (alpha, ICC, kappa, entropy) with CIs",
    )
    _add_agreement_arguments(p)
    _add_common(p)

    p = command(
        "labels",
        cmd_labels,
        "map a dataset's judgments into one label space (quadrants, AV, vocabularies)",
    )
    _add_labels_arguments(p)
    _add_common(p)

    for name, help_text in (
        (
            "datasheet",
            "datasheet (curated answers + sections computed from the data) as markdown/html/json, with figures",
        ),
        (
            "croissant",
            "Croissant 1.0 JSON-LD (with Responsible-AI properties) plus the four tables",
        ),
        ("card", "Hugging Face dataset card (README.md with YAML metadata) plus Parquet tables"),
    ):
        p = command(name, _datasheet_command(name), help_text)
        _add_datasheet_arguments(name, p)
        _add_common(p)

    from .personal import cli as personal  # splits, personalize (issue 16)

    for name, help_text in personal.COMMANDS.items():
        p = command(name, lambda a: personal.run(a, _load), help_text)
        personal.add_arguments(p, name)
        _add_common(p)

    return parser


def _datasheet_command(name: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        from .datasheet import cli as datasheet_cli

        return getattr(datasheet_cli, f"run_{name}")(
            args, lambda dataset_id: _load(args, dataset_id)
        )

    return run


def _add_datasheet_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    from .datasheet import cli as datasheet_cli

    getattr(datasheet_cli, f"add_{name}_arguments")(parser)


def _add_agreement_arguments(parser: argparse.ArgumentParser) -> None:
    try:
        from .agreement.cli import add_arguments
    except ImportError:  # pragma: no cover - the agreement package is part of the distribution
        parser.add_argument("target")
        return
    add_arguments(parser)


def _add_labels_arguments(parser: argparse.ArgumentParser) -> None:
    try:
        from .labels.cli import add_arguments
    except ImportError:  # pragma: no cover
        parser.add_argument("dataset")
        return
    add_arguments(parser)


def _version() -> str:
    from . import __version__

    return f"mer-datasets {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from .errors import MERDatasetsError

    try:
        return int(args.func(args) or 0)
    except MERDatasetsError as exc:
        if args.debug:
            raise
        sys.stderr.write(f"mer-datasets: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        sys.stderr.write("mer-datasets: interrupted\n")
        return 130
    except BrokenPipeError:  # e.g. `mer-datasets list | head`
        return EXIT_OK
    except OSError as exc:
        if args.debug:
            raise
        sys.stderr.write(f"mer-datasets: error: {exc}\n")
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
