"""A Hugging Face dataset card (``README.md`` with YAML front matter) for the four tables.

Why: the Hub reads the YAML front matter (license, pretty name, task categories, tags, and
``configs`` that map each config to its data files) and shows the Markdown body. One config per
table (``tracks``, ``raters``, ``annotations``, ``labels``), each a Parquet file beside the card,
so ``datasets.load_dataset(DIR, "annotations")`` reads exactly our tables. Reference: Hub docs,
"Dataset Cards" and "Manual Configuration" (https://huggingface.co/docs/hub/datasets-cards,
https://huggingface.co/docs/hub/datasets-manual-configuration).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..dataset import MERDataset

from .croissant import TABLE_DESCRIPTIONS, TABLES


@cache
def hub_licenses() -> dict[str, str]:
    """SPDX id -> Hub license id (``hf_licenses.yaml``)."""
    import yaml

    with Path(__file__).with_name("hf_licenses.yaml").open(encoding="utf-8") as handle:
        return dict(yaml.safe_load(handle))


def card_metadata(
    sheet: Mapping[str, Any], *, with_data: bool, tables: Sequence[str] = TABLES
) -> dict[str, Any]:
    """The YAML front matter of the card; ``configs`` for the written ``tables`` only."""
    cat = sheet["catalog"]
    license_id = hub_licenses().get(cat["license"])
    meta: dict[str, Any] = {"pretty_name": sheet["name"]}
    if license_id:
        meta["license"] = license_id
    else:
        meta["license"] = "other"
        meta["license_name"] = str(cat["license"])
        meta["license_link"] = cat["homepage"]
    tasks = ["audio-classification"]
    if cat["taxonomy"] in ("dimensional", "both"):
        tasks.append("tabular-regression")
    meta["task_categories"] = tasks
    tags = ["music", "music-emotion-recognition", cat["perspective"] + "-emotion", cat["temporal"]]
    if cat["per_rater"]:
        tags.append("per-rater-annotations")
    if cat["synthetic"]:
        tags.append("synthetic")
    meta["tags"] = tags
    counts = (sheet.get("generated") or {}).get("counts") or {}
    tracks = counts.get("tracks") or (cat.get("declared_counts") or {}).get("items")
    if isinstance(tracks, int):
        meta["size_categories"] = [_size_category(tracks)]
    meta["configs"] = (
        [
            {"config_name": name, "data_files": [{"split": "train", "path": f"{name}.parquet"}]}
            for name in tables
        ]
        if with_data
        else []
    )
    meta["citation"] = cat["citation"].strip()
    return meta


def _size_category(n: int) -> str:
    """The Hub's size buckets (n<1K, 1K<n<10K, ...)."""
    bounds = [
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
    ]
    for limit, name in bounds:
        if n < limit:
            return name
    return "n>1M"


def card_body(sheet: Mapping[str, Any], *, empty: Sequence[str] = ()) -> str:
    """The Markdown body: what the dataset is, its tables, the headline numbers, the citation.

    ``empty``: tables the release does not fill (no file, no config), named as such.
    """
    cat = sheet["catalog"]
    lines = [f"# {sheet['name']}", "", " ".join(str(cat["description"]).split()), ""]
    if cat["synthetic"]:
        lines += ["**Synthetic data: generated, no real listeners.**", ""]
    lines += [
        f"- Emotion model: {cat['taxonomy']}, {cat['perspective']}, {cat['temporal']}",
        f"- License: {cat['license']} (access: {cat['access']})",
        f"- Homepage: {cat['homepage']}",
        f"- Version: {sheet['version']}",
        "",
        "## Tables",
        "",
    ]
    lines += [
        f"- `{name}`: {TABLE_DESCRIPTIONS[name]}"
        + (" Empty in this release (no file, no config)." if name in empty else "")
        for name in TABLES
    ]
    generated = sheet.get("generated")
    lines.append("")
    if generated:
        c = generated["counts"]
        lines += [
            "## Summary (computed by mer-datasets)",
            "",
            f"{c['tracks']} tracks, {c['raters']} raters, {c['judgments']} judgments, "
            f"{c['labels']} published label rows.",
            "",
        ]
        agreement = generated.get("agreement")
        if agreement:
            lines += [
                "| dimension | metric | value | 95% CI | items | raters |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            for r in agreement["overall"]:
                if r.get("value") is None:
                    continue
                ci = (
                    f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]"
                    if r.get("ci_low") is not None and r.get("ci_high") is not None
                    else "–"
                )
                lines.append(
                    f"| {r['dimension']} | {r['metric']} | {r['value']:.3f} | {ci} | "
                    f"{r.get('n_items')} | {r.get('n_raters')} |"
                )
            lines.append("")
    else:
        lines += ["## Data", "", f"The tables are not included: {sheet['data']['how_to_get']}", ""]
    curated = sheet.get("curated") or {}
    for section, key, title in (
        ("motivation", "purpose", "Purpose"),
        ("annotators", "annotator_type", "Annotators"),
        ("uses", "unsuitable_tasks", "Unsuitable uses"),
        ("ethics", "prohibited_uses", "Prohibited uses"),
    ):
        answer = (curated.get(section) or {}).get(key)
        if isinstance(answer, Mapping) and answer.get("answer"):
            lines += [f"## {title}", "", " ".join(str(answer["answer"]).split()), ""]
    lines += [
        "The full datasheet: `mer-datasets datasheet " + sheet["id"] + " --format markdown`.",
        "",
        "## Citation",
        "",
        "```bibtex",
        cat["citation"].strip(),
        "```",
        "",
    ]
    return "\n".join(lines)


def write_card(
    sheet: Mapping[str, Any],
    dataset: MERDataset | None,
    directory: str | Path,
    *,
    force: bool = False,
) -> Path:
    """Write ``README.md`` (and, with data, the non-empty tables as Parquet) into ``directory``.

    Only non-empty tables are written and declared as configs: an empty Parquet file is not a
    dataset ``datasets.load_dataset`` can build (and says nothing); the card's Tables section
    still lists every table. Everything is published together or not at all (:mod:`.outputs`); an
    existing README.md or table file is refused with :class:`~.outputs.OutputExistsError` unless
    ``force``.
    """
    import yaml

    from .outputs import staged_outputs

    directory = Path(directory)
    present = [] if dataset is None else [n for n in TABLES if len(getattr(dataset, n))]
    names = ["README.md", *(f"{name}.parquet" for name in TABLES)]
    with staged_outputs(directory, names, force=force) as staging:
        if dataset is not None:
            from .croissant import write_tables

            written = write_tables(dataset, staging, "parquet")
            for name, (path, _frame) in written.items():
                if name not in present:
                    path.unlink()
        meta = card_metadata(sheet, with_data=dataset is not None, tables=present)
        front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100)
        empty = [] if dataset is None else [name for name in TABLES if name not in present]
        body = card_body(sheet, empty=empty)
        (staging / "README.md").write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return directory / "README.md"


def read_front_matter(text: str) -> dict[str, Any]:
    """The YAML between the leading ``---`` lines of a card (for tests and checks)."""
    import yaml

    if not text.startswith("---\n"):
        raise ValueError("a dataset card starts with a '---' line")
    end = text.index("\n---\n", 4)
    return yaml.safe_load(text[4:end])
