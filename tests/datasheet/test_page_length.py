"""A datasheet page reads in a few screens, and its CSVs hold everything the page leaves out.

Issue 17: the ISMIR 2020 datasheet was 1,787 lines of Markdown (719 above the appendix). The
bounds below hold for every catalog dataset built from its fixture (always) and from the real
files of ``../shared/mirror`` (slow tier). Why these numbers: Gebru's and the Data Cards'
questions are about 75 curated answers, one line each (about 90 lines with the section
headings); the summary is one screen (about 30 lines); every computed table in the main flow
has at most :data:`MAIN_ROWS` rows (about 130 lines for the computed facts of a dataset with
per-rater data). That adds up to about 300 lines above the appendix; the site's page adds the
HTML heatmap (one line per rater group, about 20), hence :data:`MAX_MAIN`. The appendix is a
list of CSV links; with the sources and the citation the page stays within :data:`MAX_TOTAL`.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.dataset import MERDataset, load_dataset
from mer_datasets.datasheet.blocks import MAIN_ROWS
from mer_datasets.datasheet.build import build_datasheet, load_for_datasheet
from mer_datasets.datasheet.companions import write_companions
from mer_datasets.datasheet.render import render_markdown
from mer_datasets.download.store import ingest_dataset
from mer_datasets.errors import ManualDownloadRequired
from tests.conftest import FIXTURES, SHARED_MIRROR
from tests.test_contract import FIXTURED, fixture_catalog

#: Lines of Markdown above the appendix (the main flow), and of the whole page.
MAX_MAIN = 340
MAX_TOTAL = 400
BOOTSTRAP = 20


def _fixture_dataset(dataset_id: str, home: Path) -> MERDataset:
    catalog = fixture_catalog(dataset_id)
    ingest_dataset(catalog.get(dataset_id), FIXTURES / dataset_id, None, data_home=home)
    return load_dataset(dataset_id, catalog=catalog, data_home=home, offline=True, cache=False)


def _main_flow(markdown: str) -> list[str]:
    lines = markdown.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("## Appendix"))
    return lines[:end]


def _tables(lines: list[str]) -> list[list[str]]:
    """Each Markdown table of ``lines`` as its body rows."""
    tables, current = [], None
    for line in [*lines, ""]:
        if line.startswith("|"):
            current = [] if current is None else current
            current.append(line)
        elif current is not None:
            tables.append(current[2:])
            current = None
    return tables


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _check_page(dataset_id: str, sheet: dict, directory: Path) -> tuple[int, int]:
    companions = write_companions(sheet, directory, prefix=f"{dataset_id}-")
    for html_heatmap in (False, True):  # the page as `mer-datasets datasheet` and the site write it
        markdown = render_markdown(sheet, (), companions, html_heatmap=html_heatmap)
        main = _main_flow(markdown)
        total = len(markdown.splitlines())
        assert len(main) <= MAX_MAIN and total <= MAX_TOTAL, (dataset_id, len(main), total)
        # no long table in the main flow: only the summary and agreement list every dimension
        dims = len(sheet["catalog"]["dimensions"])
        for rows in _tables(main):
            assert len(rows) <= max(MAIN_ROWS, dims), (dataset_id, rows[:2], len(rows))
        appendix = markdown.split("## Appendix", 1)[1].split("\n## ", 1)[0]
        assert "|" not in appendix, dataset_id  # links and descriptions only
        for companion in companions:
            assert f"]({companion.file})" in appendix, (dataset_id, companion.file)
        # every number of the summary links to an anchor of the page
        summary = markdown.split("## Summary", 1)[1].split("\n## ", 1)[0]
        anchors = set(re.findall(r'<a id="([\w-]+)"></a>', markdown))
        assert set(re.findall(r"\]\(#([\w-]+)\)", summary)) <= anchors, dataset_id
        _check_summary_numbers_are_in_their_sections(dataset_id, summary, markdown)
    _check_companions(sheet, {c.section: directory / c.file for c in companions})
    return len(main), total


def _section(markdown: str, anchor: str) -> str:
    """The page from ``anchor`` to the next anchor."""
    start = markdown.index(f'<a id="{anchor}"></a>') + len(anchor) + 13
    following = markdown.find("<a id=", start)
    return markdown[start : following if following > 0 else None]


def _check_summary_numbers_are_in_their_sections(dataset_id: str, summary: str, page: str) -> None:
    """A number of the summary is shown, not only computed, where its link points."""
    for text, anchor in re.findall(r"\[([^\]]+)\]\(#([\w-]+)\)", summary):
        numbers = re.findall(r"-?\d+(?:\.\d+)?", text)
        section = _section(page, anchor)
        for number in numbers:
            assert number in section, (dataset_id, anchor, text, number)


def _check_companions(sheet: dict, files: dict[str, Path]) -> None:
    """The CSVs hold every group × dimension × metric, item, value count and quirk."""
    gen = sheet["generated"]
    agreement = gen.get("agreement")
    if agreement:
        expected = {
            ("all raters", str(r["group"] or ""), r["dimension"], r["metric"])
            for r in agreement["overall"]
        }
        for grouping in agreement["by_group"]:
            expected |= {
                (
                    grouping["column"],
                    str(r["group"] if r["group"] is not None else ""),
                    r["dimension"],
                    r["metric"],
                )
                for r in grouping["records"]
            }
        found = {
            (r["grouping"], r["group"], r["dimension"], r["metric"])
            for r in _read(files["agreement"])
        }
        assert found == expected
        assert len(_read(files["agreement"])) == len(agreement["overall"]) + sum(
            len(g["records"]) for g in agreement["by_group"]
        )
    items = {
        (dim, str(r["track_id"]), key.replace("_", " "))
        for dim, entry in ((gen.get("items") or {}).get("per_dimension") or {}).items()
        for key in ("most_contested", "most_agreed")
        for r in entry[key]
    }
    if items:
        assert {(r["dimension"], r["track_id"], r["list"]) for r in _read(files["items"])} == items
    values = {
        (attr["column"], str(c["value"]), str(c["count"]))
        for attr in gen["rater_attributes"]
        if attr["kind"] == "categorical"
        for c in attr["counts"]
    }
    if gen["rater_attributes"]:
        found = {(r["attribute"], r["value"], r["raters"]) for r in _read(files["raters"])}
        assert values <= found
    counts = sum(len(d.get("counts") or []) for d in gen["rating_distributions"].values())
    counts += sum(len(c) for c in gen["label_distributions"]["judgments"].values())
    if counts:
        rows = [r for r in _read(files["distributions"]) if r["row"] == "value"]
        assert len(rows) >= counts
    quirks = gen["quirks"]
    if quirks["records"] or quirks["source_rows"]:
        rows = _read(files["quirks"])
        assert len(rows) == len(quirks["records"]) + len(quirks["source_rows"])
    assert len(_read(files["dimensions"])) == len(sheet["catalog"]["dimensions"])


@pytest.mark.parametrize("info", FIXTURED, ids=lambda i: i.id)
def test_every_fixture_datasheet_is_short_and_its_csvs_hold_the_rest(info, tmp_path) -> None:
    ds = _fixture_dataset(info.id, tmp_path / "home")
    sheet = build_datasheet(ds, info=ds.info, bootstrap=BOOTSTRAP, seed=0)
    _check_page(info.id, sheet, tmp_path / "page")


def test_the_sample_datasheet_is_short_and_its_csvs_hold_the_rest(tmp_path) -> None:
    ds = load_dataset("sample", offline=True, cache=False)
    _check_page("sample", build_datasheet(ds, bootstrap=BOOTSTRAP, seed=0), tmp_path)


@pytest.mark.slow
def test_every_real_datasheet_is_short_and_its_csvs_hold_the_rest(tmp_path) -> None:
    if SHARED_MIRROR is None:
        pytest.skip("real-data datasheets skipped: ../shared/mirror is not beside this checkout")
    checked = {}
    for info in default_catalog():
        source = SHARED_MIRROR / info.id
        if info.access == "embedded" or not source.is_dir():
            continue
        if not any(version.loader for version in info.versions):  # listed for reference only
            continue
        home = tmp_path / "home"
        ingest_dataset(info, source, data_home=home)
        ds = load_dataset(info.id, data_home=home, offline=True, cache=False)
        sheet = build_datasheet(ds, bootstrap=BOOTSTRAP, seed=0)
        checked[info.id] = _check_page(info.id, sheet, tmp_path / info.id)
    assert "ismir2020-agreement" in checked, checked


@pytest.mark.parametrize("info", list(default_catalog()), ids=lambda i: i.id)
def test_every_datasheet_without_its_data_is_short_too(info) -> None:
    def unavailable(dataset_id: str) -> MERDataset:
        raise ManualDownloadRequired(f"{dataset_id}: not downloaded in this test")

    dataset, found, reason = load_for_datasheet(info.id, unavailable)
    sheet = build_datasheet(dataset, info=found, unavailable_reason=reason)
    markdown = render_markdown(sheet, (), [])
    lines = markdown.splitlines()
    assert len(lines) <= MAX_TOTAL, (info.id, len(lines))
    for rows in _tables(lines):
        assert len(rows) <= MAIN_ROWS or rows[0].startswith("| `"), (info.id, len(rows))


def test_the_duplicates_paragraph_states_what_agreement_set_aside() -> None:
    """Its counts from a pandas group-by, and the rows agreement left out from its records."""
    ds = load_dataset("sample", offline=True, cache=False)
    sheet = build_datasheet(ds, bootstrap=BOOTSTRAP, seed=0)
    static = ds.annotations[ds.annotations["time_s"].isna()]
    sizes = static.groupby(["rater_id", "track_id", "dimension"], observed=True).size()
    repeated = sizes[sizes > 1]
    assert len(repeated) > 0
    overall = [r for r in sheet["generated"]["agreement"]["overall"] if r["group"] is None]
    counted = sheet["generated"]["counts"]["dimensions"]
    left_out = sum(counted[r["dimension"]]["judgments"] - r["n_judgments"] for r in overall)
    assert left_out == int(repeated.sum() - len(repeated))
    markdown = render_markdown(sheet)
    errors = markdown.split("### Are there errors, sources of noise or redundancies?", 1)[1]
    paragraph = next(line for line in errors.splitlines() if line.startswith("**Duplicates.**"))
    assert f"{len(repeated)} repeated (rater, track, dimension) groups" in paragraph
    assert f"holding {int(repeated.sum())} judgments" in paragraph
    assert f"sets aside {left_out} of these" in paragraph
    assert 'duplicates="latest"' in paragraph
