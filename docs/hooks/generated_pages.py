"""MkDocs hook: pages computed at build time, never typed by hand.

Generated (as virtual files; nothing is written into ``docs/``):

* ``catalog.md``: the catalog as a table, from ``catalog.yaml``;
* ``cli.md``: the CLI reference, from the argparse parser of ``mer_datasets.cli``;
* ``benchmarks.md``: the results in ``benchmarks/*.md`` (if any);
* ``datasheets/index.md`` and ``datasheets/<id>.md`` with PNG figures and CSV tables beside
  them (summary first, then Gebru's sections; see ``mer_datasets.datasheet.render``), one per
  catalog dataset,
  built from the data this build has: the embedded ``sample``, anything already in the data home,
  and, when ``MER_DATASETS_DOCS_MIRROR`` points at a folder holding ``<id>/...`` files (e.g.
  ``../shared/mirror``), datasets ingested from it into a temporary data home. Without data a
  page has the curated part and a note on how to get the data;
* placeholders for ``labels.md`` / ``agreement.md`` when their generators have not run yet.

Settings: ``MER_DATASETS_DOCS_BOOTSTRAP`` (agreement bootstrap resamples, default 200),
``MER_DATASETS_DOCS_DATASETS`` (comma-separated ids to build with data; default all).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # a source checkout without `pip install -e .`
    sys.path.insert(0, str(REPO_ROOT))

log = logging.getLogger("mkdocs.hooks.generated_pages")

OPTIONAL_REFERENCE_PAGES = {
    "labels.md": ("Label space reference", "python scripts/gen_labels_doc.py"),
    "agreement.md": ("Agreement reference", "the agreement package documentation"),
}

_state: dict[str, Any] = {}


def _catalog() -> Any:
    from mer_datasets.catalog import default_catalog

    return default_catalog()


def _prune_nav(nav: list[Any], docs_dir: Path, generated: set[str]) -> list[Any]:
    """Drop nav entries whose file neither exists nor is generated (e.g. a dev page not written yet)."""
    kept: list[Any] = []
    for entry in nav:
        if isinstance(entry, dict):
            ((title, target),) = entry.items()
            if isinstance(target, list):
                target = _prune_nav(target, docs_dir, generated)
                if target:
                    kept.append({title: target})
            elif target in generated or (docs_dir / target).is_file():
                kept.append(entry)
            else:
                log.info("nav: %s is missing, entry dropped", target)
        else:
            kept.append(entry)
    return kept


def on_config(config: Any) -> Any:
    docs_dir = Path(config["docs_dir"])
    ids = _catalog().ids()
    _state["ids"] = ids
    generated = {"catalog.md", "cli.md", "benchmarks.md", "datasheets/index.md"}
    generated |= {f"datasheets/{i}.md" for i in ids}
    generated |= {page for page in OPTIONAL_REFERENCE_PAGES if not (docs_dir / page).is_file()}
    _state["generated"] = generated
    nav = _prune_nav(list(config["nav"] or []), docs_dir, generated)
    nav.append({"Datasheets": ["datasheets/index.md"] + [{i: f"datasheets/{i}.md"} for i in ids]})
    config["nav"] = nav
    return config


#: Front matter of the pages made of wide tables: no table-of-contents column, so the table gets
#: the room (docs/stylesheets/extra.css sizes the table itself).
WIDE_PAGE = "---\nhide:\n  - toc\n---\n"

# -- page builders --------------------------------------------------------------------------


def _cell(value: Any) -> str:
    return (
        ("–" if value is None or value == "" else str(value)).replace("|", "\\|").replace("\n", " ")
    )


def catalog_page() -> str:
    rows = []
    for info in _catalog():
        counts = info.counts or {}
        rows.append(
            [
                f"[`{info.id}`](datasheets/{info.id}.md)",
                info.name,
                info.year,
                counts.get("items"),
                counts.get("raters"),
                f"{info.taxonomy}, {info.perspective}, {info.temporal}",
                "yes" if info.per_rater else "no",
                info.access,
                info.license,
            ]
        )
    headers = [
        "Id",
        "Name",
        "Year",
        "Items",
        "Raters",
        "Emotion model",
        "Per-rater",
        "Access",
        "License",
    ]
    lines = [
        WIDE_PAGE,
        "# Catalog",
        "",
        "Generated from `catalog.yaml` at build time. Counts are the figures the catalog declares "
        "(`null` shown as –); each id links to the dataset's datasheet.",
        "",
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(" --- " for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def cli_page() -> str:
    """Every command with its usage and options, from the real parser."""
    import argparse

    from mer_datasets.cli import build_parser

    parser = build_parser()
    lines = [
        "# CLI reference",
        "",
        "Generated from the argparse parser of `mer_datasets.cli` at build time.",
        "",
        "```text",
        parser.format_help().rstrip(),
        "```",
        "",
    ]
    for action in parser._actions:  # argparse has no public accessor for subparsers
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                lines += [f"## `{name}`", "", "```text", sub.format_help().rstrip(), "```", ""]
    return "\n".join(lines)


def benchmarks_page() -> str:
    results = sorted((REPO_ROOT / "benchmarks").glob("*.md")) + sorted(
        (REPO_ROOT / "benchmarks" / "results").glob("*.md")
    )
    lines = [WIDE_PAGE, "# Benchmarks", ""]
    if not results:
        lines.append(
            "No benchmark results are recorded yet. The scripts in `benchmarks/` write their "
            "results as `benchmarks/results/*.md`, which this page includes."
        )
    for path in results:
        text = path.read_text(encoding="utf-8")
        # Demote headings so each file is a section of this page.
        text = "\n".join("#" + line if line.startswith("#") else line for line in text.splitlines())
        if not text.lstrip().startswith("#"):
            text = f"## {path.stem.replace('_', ' ').capitalize()}\n\n{text}"
        lines += [f"<!-- from {path.relative_to(REPO_ROOT).as_posix()} -->", text, ""]
    return "\n".join(lines) + "\n"


def placeholder_page(title: str, how: str) -> str:
    return (
        f"# {title}\n\nThis page is generated by {how}; it has not been generated in this build.\n"
    )


def _data_home(only: set[str] | frozenset[str] = frozenset()) -> tuple[str | None, list[str]]:
    """The data home to read, ingesting from ``$MER_DATASETS_DOCS_MIRROR`` first when set
    (only the datasets in ``only`` when it is not empty)."""
    mirror = os.environ.get("MER_DATASETS_DOCS_MIRROR")
    if not mirror:
        return None, []
    from mer_datasets.download.store import ingest_dataset
    from mer_datasets.errors import MERDatasetsError

    home = tempfile.mkdtemp(prefix="mer-docs-home-")
    _state["tmp_home"] = home
    ingested = []
    for info in _catalog():
        source = Path(mirror) / info.id
        if not source.is_dir() or info.access == "embedded" or (only and info.id not in only):
            continue
        try:
            ingest_dataset(info, source, data_home=home)
            ingested.append(info.id)
        except MERDatasetsError as exc:
            log.info(
                "docs: %s not ingested from the mirror: %s",
                info.id,
                " ".join(str(exc).split())[:300],
            )
    return home, ingested


def datasheet_pages(config: Any) -> dict[str, str | bytes]:
    """``datasheets/<id>.md`` and their figures, keyed by path relative to the docs dir."""
    from mer_datasets.dataset import load_dataset
    from mer_datasets.datasheet.build import build_datasheet, load_for_datasheet
    from mer_datasets.datasheet.figures import page_files
    from mer_datasets.datasheet.render import render_markdown

    bootstrap = int(os.environ.get("MER_DATASETS_DOCS_BOOTSTRAP", "200"))
    only = {
        s.strip() for s in os.environ.get("MER_DATASETS_DOCS_DATASETS", "").split(",") if s.strip()
    }
    home, _ = _data_home(only)
    figure_dir = Path(tempfile.mkdtemp(prefix="mer-docs-figures-"))
    _state["figure_dir"] = str(figure_dir)
    pages: dict[str, str | bytes] = {}
    index = [
        "# Datasheets",
        "",
        "One datasheet per catalog dataset, built when this site was built. Sections computed "
        "from the data appear only where this build had the data; the others show the curated "
        "answers and say how to get the data.",
        "",
        "| Dataset | Data in this build |",
        "| --- | --- |",
    ]

    def load(dataset_id: str) -> Any:
        if only and dataset_id not in only and dataset_id != "sample":
            from mer_datasets.errors import OfflineError

            raise OfflineError(
                f"{dataset_id}: not selected by MER_DATASETS_DOCS_DATASETS for this docs build"
            )
        return load_dataset(dataset_id, data_home=home, offline=True)

    for dataset_id in _state["ids"]:
        try:
            dataset, info, reason = load_for_datasheet(dataset_id, load)
        except Exception as exc:  # one broken loader must not hide every other page
            if dataset_id == "sample":
                raise
            log.info("docs: %s could not be loaded: %r", dataset_id, exc)
            dataset, info = None, _catalog().get(dataset_id)
            reason = f"loading failed in this build ({type(exc).__name__}); see the build log"
        sheet = build_datasheet(
            dataset, info=info, unavailable_reason=reason, bootstrap=bootstrap, seed=0
        )
        figures, companions, notes = page_files(sheet, dataset, figure_dir, prefix=f"{dataset_id}-")
        pages[f"datasheets/{dataset_id}.md"] = render_markdown(
            sheet, figures, companions, notes=notes, html_heatmap=True
        )
        for attached in [*figures, *companions]:
            pages[f"datasheets/{attached.file}"] = (figure_dir / attached.file).read_bytes()
        index.append(
            f"| [{info.name}]({dataset_id}.md) | {'yes' if dataset is not None else 'no'} |"
        )
    pages["datasheets/index.md"] = "\n".join(index) + "\n"
    _declare_page_font(pages, figure_dir)
    return pages


#: Datasheet pages are mostly tables: denser cells keep the summary on one screen, and a long
#: unbroken token in a cell (a source's repository path) may break anywhere rather than push
#: the table wider than the content column (code spans stay whole: extra.css).
COMPACT_TABLES = (
    "<style>.md-typeset table:not([class]) th,.md-typeset table:not([class]) td"
    "{padding:.35em .8em}.md-typeset table:not([class]) td{overflow-wrap:anywhere}</style>\n\n"
)

#: The subset font of the characters the site's default fonts lack (CJK group labels).
PAGE_FONT = "datasheets/page-font.otf"


def _declare_page_font(pages: dict[str, str | bytes], directory: Path) -> None:
    """Denser tables on datasheet pages; pages with CJK text get a font for it (a subset of
    Noto Sans CJK, declared in CSS).

    Why: a reader's browser may have no CJK font (headless Chromium here has none) and would
    show boxes for labels like 中文. Only the characters used are kept (a few kB).
    """
    texts = {k: v for k, v in pages.items() if isinstance(v, str) and k.endswith(".md")}
    for key, text in texts.items():
        if key.startswith("datasheets/") and key != "datasheets/index.md":
            pages[key] = texts[key] = COMPACT_TABLES + text
    chars = {c for text in texts.values() for c in text if ord(c) >= 0x2E80}
    if not chars:
        return
    try:
        from mer_datasets.datasheet.fonts import subset_font

        made = subset_font(chars, directory / Path(PAGE_FONT).name)
    except ImportError:  # no matplotlib/fontTools: the browser's own fonts must do
        made = None
    if made is None:
        log.info("docs: no font covers the CJK characters of the datasheets; browsers fall back")
        return
    pages[PAGE_FONT] = made.read_bytes()
    style = (
        '<style>@font-face{font-family:"MER datasheet CJK";src:url("../page-font.otf") '
        'format("opentype");}.md-typeset{font-family:var(--md-text-font-family),'
        '"MER datasheet CJK",sans-serif}</style>\n\n'
    )
    for key, text in texts.items():
        if key.startswith("datasheets/") and any(ord(c) >= 0x2E80 for c in text):
            pages[key] = style + text


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    docs_dir = Path(config["docs_dir"])
    contents: dict[str, str | bytes] = {
        "catalog.md": catalog_page(),
        "cli.md": cli_page(),
        "benchmarks.md": benchmarks_page(),
    }
    for page, (title, how) in OPTIONAL_REFERENCE_PAGES.items():
        if not (docs_dir / page).is_file():
            contents[page] = placeholder_page(title, how)
    contents.update(datasheet_pages(config))
    for src_uri, content in contents.items():
        existing = files.get_file_from_path(src_uri)
        if existing is not None:
            files.remove(existing)
        files.append(File.generated(config, src_uri, content=content))
    return files


def on_post_build(config: Any) -> None:
    import shutil

    for key in ("figure_dir", "tmp_home"):
        if _state.get(key):
            shutil.rmtree(_state.pop(key), ignore_errors=True)
