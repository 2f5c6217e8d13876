"""The datasheet as a reader meets it (issue 17): summary first, Gebru's order, readable figures.

Readings are checked at the convention's boundaries; group differences and the agreement CSV
against the sheet's own records computed independently here; figures by their pixel size,
their alt text, their fonts (CJK labels drawn with a font that has the glyphs) and silence.
"""

from __future__ import annotations

import argparse
import builtins
import csv
import re
import struct
import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

from mer_datasets.dataset import MERDataset, load_dataset
from mer_datasets.datasheet import cli as datasheet_cli
from mer_datasets.datasheet.build import build_datasheet, question_titles
from mer_datasets.datasheet.companions import agreement_rows, write_companions
from mer_datasets.datasheet.figures import make_figures
from mer_datasets.datasheet.render import render_html, render_markdown
from mer_datasets.datasheet.summary import group_differences, reading
from mer_datasets.tables import finalize_table

from .test_build import BOOTSTRAP, synthetic_dataset

MAX_FIGURE_PX = (1000, 900)


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def cjk_dataset() -> MERDataset:
    """The synthetic dataset with Chinese and Spanish survey-language levels."""
    ds = synthetic_dataset()
    raters = ds.raters.copy()
    raters["survey_language"] = (
        raters["survey_language"].astype(str).map({"en": "中文", "es": "español"})
    )
    return MERDataset(
        info=ds.info,
        version=ds.version,
        tracks=ds.tracks,
        raters=finalize_table("raters", raters),
        annotations=ds.annotations,
        labels=ds.labels,
        quirks=ds.quirks,
    )


@pytest.fixture(scope="module")
def sample() -> MERDataset:
    return load_dataset("sample", offline=True, cache=False)


@pytest.fixture(scope="module")
def sample_sheet(sample: MERDataset) -> dict:
    return build_datasheet(sample, bootstrap=BOOTSTRAP, seed=0)


@pytest.mark.parametrize(
    ("metric", "value", "word"),
    [
        ("krippendorff_alpha", 0.800, "reliable"),
        ("krippendorff_alpha", 0.7999, "tentative"),
        ("krippendorff_alpha", 0.667, "tentative"),
        ("krippendorff_alpha", 0.6669, "unreliable"),
        ("krippendorff_alpha", -0.3, "unreliable"),
        ("fleiss_kappa", 0.30, "fair"),
        ("fleiss_kappa", -0.01, "poor"),
        ("fleiss_kappa", 0.85, "almost perfect"),
        ("icc2k", 0.6, "moderate"),
        ("krippendorff_alpha", None, "not computable"),
    ],
)
def test_readings_follow_the_named_conventions_at_their_boundaries(metric, value, word) -> None:
    assert reading(metric, value) == word


def _headings(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("#")]


def test_the_summary_comes_first_and_its_numbers_link_to_anchors_on_the_page(sample_sheet) -> None:
    markdown = render_markdown(sample_sheet)
    headings = _headings(markdown)
    assert headings[0].startswith("# ") and headings[1] == "## Summary"
    summary = markdown.split("## Summary", 1)[1].split("\n## ", 1)[0]
    alpha = next(
        r
        for r in sample_sheet["generated"]["agreement"]["overall"]
        if r["value"] is not None and r["metric"] == "krippendorff_alpha"
    )
    assert f"{alpha['value']:.3f}" in summary
    assert "Krippendorff 2004" in summary
    targets = set(re.findall(r"\]\(#([\w-]+)\)", summary))
    assert targets
    anchors = set(re.findall(r'<a id="([\w-]+)"></a>', markdown))
    assert targets <= anchors, targets - anchors
    assert "**As ground truth.**" in summary
    every_target = set(re.findall(r"\]\(#([\w-]+)\)", markdown))
    assert every_target <= anchors, every_target - anchors


@pytest.mark.parametrize("make", [synthetic_dataset, cjk_dataset])
def test_every_in_page_link_has_its_anchor(make) -> None:
    markdown = render_markdown(build_datasheet(make(), bootstrap=BOOTSTRAP, seed=0))
    targets = set(re.findall(r"\]\(#([\w-]+)\)", markdown))
    anchors = set(re.findall(r'<a id="([\w-]+)"></a>', markdown))
    assert targets and targets <= anchors, targets - anchors


def test_gebru_sections_are_in_gebrus_order_with_computed_parts_at_their_question(
    sample_sheet,
) -> None:
    markdown = render_markdown(sample_sheet)
    level2 = [h[3:] for h in _headings(markdown) if h.startswith("## ")]
    gebru = [s["title"] for s in question_titles()["sections"] if s["title"] in level2]
    positions = [level2.index(t) for t in gebru]
    assert positions == sorted(positions) and "Composition" in gebru
    composition = markdown.split("## Composition", 1)[1].split("\n## ", 1)[0]
    assert "#### Computed: counts" in composition and "#### Computed: agreement" in composition
    errors = composition.split("### Are there errors, sources of noise or redundancies?", 1)[1]
    assert errors.index("Computed: agreement") < errors.index("Computed: most and least agreed")
    preprocessing = markdown.split("## Preprocessing, cleaning and labeling", 1)[1].split(
        "\n## ", 1
    )[0]
    assert "Computed: loader quirks report" in preprocessing
    assert markdown.index("## Appendix: complete tables (CSV)") > markdown.index("## Maintenance")


def test_group_differences_pick_the_widest_spread_of_alpha() -> None:
    sheet = build_datasheet(synthetic_dataset(), bootstrap=BOOTSTRAP, seed=0)
    found = group_differences(sheet["generated"]["agreement"], top=10)
    expected = []
    for grouping in sheet["generated"]["agreement"]["by_group"]:
        frame = pd.DataFrame(grouping["records"])
        frame = frame[
            (frame["metric"] == "krippendorff_alpha")
            & frame["group"].notna()
            & frame["value"].notna()
        ]
        for dim, part in frame.groupby("dimension"):
            if len(part) >= 2:
                expected.append(
                    (grouping["column"], dim, part["value"].max() - part["value"].min())
                )
    expected.sort(key=lambda e: -e[2])
    assert [(d["column"], d["dimension"]) for d in found] == [(c, d) for c, d, _ in expected]
    assert [d["spread"] for d in found] == pytest.approx([s for _, _, s in expected])


def test_the_agreement_csv_holds_every_record_of_every_grouping(tmp_path) -> None:
    sheet = build_datasheet(synthetic_dataset(), bootstrap=BOOTSTRAP, seed=0)
    companions = write_companions(sheet, tmp_path, prefix="x-")
    (companion,) = [c for c in companions if c.section == "agreement"]
    with (tmp_path / companion.file).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    agreement = sheet["generated"]["agreement"]
    assert len(rows) == len(agreement["overall"]) + sum(
        len(g["records"]) for g in agreement["by_group"]
    )
    assert len(rows) == len(agreement_rows(sheet))
    first = agreement["overall"][0]
    assert rows[0]["grouping"] == "all raters" and float(rows[0]["value"]) == pytest.approx(
        first["value"]
    )
    markdown = render_markdown(sheet, (), companions)
    for written in companions:
        assert f"]({written.file})" in markdown


def test_figures_fit_a_screen_and_carry_alt_text(sample, sample_sheet, tmp_path) -> None:
    figures = make_figures(sample_sheet, sample, tmp_path)
    assert {f.section for f in figures} >= {"rating_distributions", "agreement", "items"}
    for figure in figures:
        width, height = png_size(tmp_path / figure.file)
        assert width <= MAX_FIGURE_PX[0] and height <= MAX_FIGURE_PX[1], (
            figure.file,
            width,
            height,
        )
        assert len(figure.alt) > 40
    page = render_html(sample_sheet, figures)
    assert page.index("<h2>Summary</h2>") < page.index("<img")


def test_cjk_group_labels_are_drawn_with_a_font_that_has_them_and_nothing_is_warned(
    tmp_path,
) -> None:
    pytest.importorskip("matplotlib")
    from mer_datasets.datasheet.fonts import drawable, families_for, missing_glyphs

    if missing_glyphs(["中文"]):
        pytest.skip(
            "no CJK font here: install mer-datasets[figures] (brings mplfonts' Noto Sans CJK)"
        )
    families = families_for(["survey_language = 中文"])
    assert len(families) >= 2 and families[0] == "DejaVu Sans"
    assert drawable("中文", families) == "中文"
    ds = cjk_dataset()
    sheet = build_datasheet(ds, bootstrap=BOOTSTRAP, seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figures = make_figures(sheet, ds, tmp_path)
    assert not [w for w in caught if "Glyph" in str(w.message) or "font" in str(w.message).lower()]
    heat = next(f for f in figures if f.section == "agreement")
    assert "中文" in heat.alt


def test_a_label_no_font_covers_is_drawn_as_its_code_point() -> None:
    pytest.importorskip("matplotlib")
    from mer_datasets.datasheet.fonts import drawable

    assert drawable("a\U000f0000b", ["DejaVu Sans"]) == "aU+F0000b"  # private use: no font has it


def test_the_datasheet_command_prints_nothing_but_the_page_path(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mer_datasets.cli",
            "datasheet",
            "sample",
            "--out",
            str(tmp_path),
            "--bootstrap",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.strip() == str(tmp_path / "sample.md")
    assert (tmp_path / "sample-agreement.csv").is_file() and (
        tmp_path / "sample-agreement.png"
    ).is_file()


def test_without_matplotlib_the_page_is_written_without_figures_and_says_how_to_get_them(
    tmp_path, monkeypatch, capsys
) -> None:
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError("No module named 'matplotlib' (simulated)")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    parser = argparse.ArgumentParser()
    datasheet_cli.add_datasheet_arguments(parser)
    args = parser.parse_args(["sample", "--out", str(tmp_path), "--bootstrap", "20"])
    assert datasheet_cli.run_datasheet(args, lambda i: load_dataset(i, offline=True)) == 0
    page = (tmp_path / "sample.md").read_text(encoding="utf-8")
    assert "## Summary" in page and "mer-datasets[figures]" in page
    assert not list(tmp_path.glob("*.png"))
    assert (tmp_path / "sample-agreement.csv").is_file()
    err = capsys.readouterr().err
    assert "matplotlib is not installed" in err and "mer-datasets[figures]" in err


def time_continuous_dataset() -> MERDataset:
    """3 raters × 2 tracks × 2 dimensions, a value every 0.5 s for 10 s (DEAM-like)."""
    ds = synthetic_dataset()
    rows = []
    for r, rater in enumerate(["r1", "r2", "r3"]):
        for track in ("t1", "t2"):
            for dim in ("arousal", "valence"):
                for k in range(20):
                    rows.append(
                        {
                            "rater_id": rater,
                            "track_id": track,
                            "dimension": dim,
                            "time_s": 0.5 * k,
                            "value": 0.1 * r + 0.01 * k,
                        }
                    )
    annotations = pd.DataFrame(rows)
    annotations["judgment_id"] = [f"j{i}" for i in range(len(annotations))]
    annotations["annotation_id"] = annotations["judgment_id"]
    return MERDataset(
        info=ds.info,
        version="time",
        tracks=ds.tracks,
        raters=ds.raters,
        annotations=finalize_table("annotations", annotations),
        labels=ds.labels.iloc[0:0],
        quirks=ds.quirks,
    )


def test_time_continuous_ratings_get_small_multiples_that_fit_a_screen(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    ds = time_continuous_dataset()
    sheet = build_datasheet(ds, bootstrap=BOOTSTRAP, seed=0)
    figures = make_figures(sheet, ds, tmp_path)
    (series,) = [f for f in figures if f.section == "time_series"]
    width, height = png_size(tmp_path / series.file)
    assert width <= MAX_FIGURE_PX[0] and height <= MAX_FIGURE_PX[1]
    assert "t1" in series.alt and "arousal" in series.alt
    assert f"]({series.file})" in render_markdown(sheet, figures)


def test_many_dimensions_shrink_the_panels_instead_of_growing_the_figure(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from mer_datasets.datasheet.figures import rating_distribution_figure

    dists = {
        f"d{i}": {
            "kind": "discrete",
            "summary": {},
            "counts": [{"value": 1.0, "count": 3, "share": 1.0}],
        }
        for i in range(20)
    }
    sheet = {"generated": {"rating_distributions": dists}}
    figure = rating_distribution_figure(sheet, tmp_path, "x-")
    width, height = png_size(tmp_path / figure.file)
    assert width <= MAX_FIGURE_PX[0] and height <= MAX_FIGURE_PX[1]
    assert "other 4 are in the table" in figure.caption


def test_a_standalone_html_page_with_cjk_labels_embeds_a_font_for_them() -> None:
    pytest.importorskip("matplotlib")
    from mer_datasets.datasheet.fonts import missing_glyphs

    if missing_glyphs(["中文"]):
        pytest.skip(
            "no CJK font here: install mer-datasets[figures] (brings mplfonts' Noto Sans CJK)"
        )
    sheet = build_datasheet(cjk_dataset(), bootstrap=BOOTSTRAP, seed=0)
    page = render_html(sheet)
    assert "中文" in page
    assert '@font-face{font-family:"MER datasheet CJK";src:url(data:font/otf;base64,' in page
    plain = render_html(build_datasheet(synthetic_dataset(), bootstrap=BOOTSTRAP, seed=0))
    assert "@font-face" not in plain


def test_with_many_dimensions_the_summary_shows_the_highest_and_lowest(sample_sheet) -> None:
    import copy

    from mer_datasets.datasheet.render import SUMMARY_DIMENSIONS

    sheet = copy.deepcopy(sample_sheet)
    template = sheet["generated"]["agreement"]["overall"][0]
    values = {f"d{i:02d}": (i * 7 % 30) / 30 for i in range(30)}  # shuffled order
    sheet["generated"]["agreement"]["overall"] = [
        {**template, "dimension": dim, "value": v, "ci_low": v - 0.01, "ci_high": v + 0.01}
        for dim, v in values.items()
    ]
    summary = render_markdown(sheet).split("## Summary", 1)[1].split("\n## ", 1)[0]
    ranked = sorted(values, key=lambda d: -values[d])
    half = SUMMARY_DIMENSIONS // 2
    shown = set(re.findall(r"\| (d\d\d) \|", summary))
    assert shown == set(ranked[:half] + ranked[-half:])
    assert f"highest and {half} lowest of 30 dimensions" in summary
