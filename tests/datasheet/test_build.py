"""Guarantees of the datasheet build: generated numbers are the library's numbers, never typed.

Numbers are compared with ``ds.stats()`` / ``ds.agreement()`` for the same data, and with
independent pandas/numpy computations on a small synthetic dataset built here.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import pandas as pd
import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.dataset import MERDataset, load_dataset
from mer_datasets.datasheet import cli as datasheet_cli
from mer_datasets.datasheet.build import MISSING, build_datasheet, frame_records, load_for_datasheet
from mer_datasets.datasheet.figures import make_figures
from mer_datasets.datasheet.render import render_html, render_markdown
from mer_datasets.errors import ManualDownloadRequired
from mer_datasets.tables import QuirksReport, finalize_table

BOOTSTRAP = 40


@pytest.fixture(scope="module")
def sample() -> MERDataset:
    return load_dataset("sample", offline=True, cache=False)


@pytest.fixture(scope="module")
def sample_sheet(sample: MERDataset) -> dict:
    return build_datasheet(sample, bootstrap=BOOTSTRAP, seed=0)


def synthetic_dataset() -> MERDataset:
    """6 raters in two survey languages (3 each), 5 tracks, valence (+-1) and emotion labels.

    Rater r1 judges track t1 twice (intra-rater); mother_language of r6 is missing.
    """
    rng = np.random.default_rng(7)
    raters = pd.DataFrame(
        {
            "rater_id": [f"r{i}" for i in range(1, 7)],
            "survey_language": ["en", "en", "en", "es", "es", "es"],
            "mother_language": ["en", "en", "de", "es", "es", pd.NA],
        }
    )
    rows = []
    words = ["joy", "sadness", "fear"]
    for rater in raters["rater_id"]:
        for t in range(1, 6):
            track = f"t{t}"
            valence = float(rng.choice([-1.0, 1.0]))
            rows.append(
                {"rater_id": rater, "track_id": track, "dimension": "valence", "value": valence}
            )
            rows.append(
                {
                    "rater_id": rater,
                    "track_id": track,
                    "dimension": "emotion",
                    "label": str(rng.choice(words)),
                }
            )
    rows.append({"rater_id": "r1", "track_id": "t1", "dimension": "valence", "value": 1.0})
    rows.append({"rater_id": "r1", "track_id": "t1", "dimension": "valence", "value": -1.0})
    annotations = pd.DataFrame(rows)
    annotations["judgment_id"] = [f"j{i}" for i in range(len(annotations))]
    annotations["annotation_id"] = annotations["judgment_id"]
    labels = pd.DataFrame(
        [
            {
                "track_id": f"t{t}",
                "dimension": "valence",
                "statistic": "mean",
                "value": v,
                "source": "x.csv",
            }
            for t, v in zip(range(1, 6), [0.5, -0.2, 0.1, 0.9, -0.7])
        ]
        + [
            {
                "track_id": f"t{t}",
                "dimension": "emotion",
                "statistic": "label",
                "label": w,
                "source": "x.csv",
            }
            for t, w in zip(range(1, 6), ["joy", "fear", "joy", "sadness", "joy"])
        ]
    )
    tracks = pd.DataFrame({"track_id": [f"t{t}" for t in range(1, 6)]})
    quirks = QuirksReport(dataset="sample")
    quirks.source_rows("x.csv", 10)
    quirks.add("blank-row", 2, reason="empty lines", effect="excluded", file="x.csv")
    return MERDataset(
        info=default_catalog().get("sample"),
        version="synthetic",
        tracks=finalize_table("tracks", tracks),
        raters=finalize_table("raters", raters),
        annotations=finalize_table("annotations", annotations),
        labels=finalize_table("labels", labels),
        quirks=quirks,
    )


def test_counts_are_the_numbers_of_ds_stats(sample: MERDataset, sample_sheet: dict) -> None:
    stats = sample.stats()
    counts = sample_sheet["generated"]["counts"]
    for key in (
        "tracks",
        "raters",
        "raters_with_judgments",
        "judgments",
        "labels",
        "dimensions",
        "label_rows_per_dimension",
    ):
        assert counts[key] == stats[key]
    assert counts["judgments"] == len(sample.annotations)


def test_overall_agreement_is_the_result_of_ds_agreement(
    sample: MERDataset, sample_sheet: dict
) -> None:
    expected = frame_records(sample.agreement(bootstrap=BOOTSTRAP, seed=0))
    got = sample_sheet["generated"]["agreement"]["overall"]
    assert len(got) == len(expected) > 0
    for g, e in zip(got, expected):
        assert g["dimension"] == e["dimension"] and g["metric"] == e["metric"]
        for key in ("value", "ci_low", "ci_high"):
            assert g[key] == pytest.approx(e[key], nan_ok=True)


def test_the_sheet_is_plain_json(sample_sheet: dict) -> None:
    assert json.loads(json.dumps(sample_sheet))["generated"]["counts"]["tracks"] == 24


def test_group_agreement_with_every_level_kept_equals_ds_agreement_by_that_column() -> None:
    ds = synthetic_dataset()
    sheet = build_datasheet(ds, bootstrap=BOOTSTRAP, seed=0)
    groups = {g["column"]: g for g in sheet["generated"]["agreement"]["by_group"]}
    assert groups["survey_language"]["levels"] == ["en", "es"]
    assert not groups["survey_language"]["reduced_to_top_levels"]
    expected = frame_records(ds.agreement(by="survey_language", bootstrap=BOOTSTRAP, seed=0))
    got = groups["survey_language"]["records"]
    assert [(r["dimension"], r["group"]) for r in got] == [
        (r["dimension"], r["group"]) for r in expected
    ]
    assert [r["value"] for r in got] == pytest.approx([r["value"] for r in expected], nan_ok=True)


def test_a_level_with_too_few_raters_does_not_become_a_group() -> None:
    sheet = build_datasheet(synthetic_dataset(), bootstrap=BOOTSTRAP, seed=0)
    columns = [g["column"] for g in sheet["generated"]["agreement"]["by_group"]]
    # mother_language: en 2, es 2, de 1 raters: no level reaches 3 raters.
    assert "mother_language" not in columns


def test_rater_attributes_count_every_value_and_missing_as_missing() -> None:
    sheet = build_datasheet(synthetic_dataset(), bootstrap=BOOTSTRAP, seed=0)
    attrs = {a["column"]: a for a in sheet["generated"]["rater_attributes"]}
    counts = {c["value"]: c["count"] for c in attrs["mother_language"]["counts"]}
    assert counts == {"en": 2, "es": 2, "de": 1, MISSING: 1}
    assert attrs["mother_language"]["missing"] == 1


def test_ground_truth_comparison_matches_an_independent_computation() -> None:
    ds = synthetic_dataset()
    sheet = build_datasheet(ds, bootstrap=BOOTSTRAP, seed=0)
    found = {c["dimension"]: c for c in sheet["generated"]["ground_truth_vs_raters"]}
    ann = ds.annotations
    valence = ann[ann["dimension"] == "valence"].astype({"value": float})
    rater_mean = valence.groupby("track_id")["value"].mean()
    published = pd.Series([0.5, -0.2, 0.1, 0.9, -0.7], index=[f"t{t}" for t in range(1, 6)])
    rater_mean = rater_mean.loc[published.index]
    assert found["valence"]["mean_absolute_error"] == pytest.approx(
        float(np.mean(np.abs(rater_mean - published)))
    )
    assert found["valence"]["pearson_r"] == pytest.approx(
        float(np.corrcoef(rater_mean, published)[0, 1])
    )
    emotion = ann[ann["dimension"] == "emotion"]
    truth = {"t1": "joy", "t2": "fear", "t3": "joy", "t4": "sadness", "t5": "joy"}
    matches, tied = [], 0
    for track, frame in emotion.groupby("track_id"):
        counts = frame["label"].value_counts()
        if (counts == counts.max()).sum() > 1:
            tied += 1
            continue
        matches.append(counts.idxmax() == truth[track])
    assert found["emotion"]["tied_majority_tracks"] == tied
    assert found["emotion"]["agreement_share"] == pytest.approx(float(np.mean(matches)))


def test_intra_rater_consistency_counts_repeated_judgments() -> None:
    sheet = build_datasheet(synthetic_dataset(), bootstrap=BOOTSTRAP, seed=0)
    intra = sheet["generated"]["intra_rater"]
    assert set(intra) == {"valence"}
    assert intra["valence"]["repeated_pairs"] == 1 and intra["valence"]["judgments"] == 3


def test_quirks_report_is_carried_over() -> None:
    sheet = build_datasheet(synthetic_dataset(), bootstrap=BOOTSTRAP, seed=0)
    quirks = sheet["generated"]["quirks"]
    assert quirks["excluded_rows"] == 2 and quirks["source_rows"] == {"x.csv": 10}


def test_markdown_and_html_show_the_figures_with_alt_text(sample, sample_sheet, tmp_path) -> None:
    figures = make_figures(sample_sheet, sample, tmp_path)
    assert {f.section for f in figures} >= {
        "rating_distributions",
        "agreement",
        "consensus_entropy",
        "av_scatter",
    }
    markdown = render_markdown(sample_sheet, figures)
    page = render_html(sample_sheet, figures)
    for figure in figures:
        data = (tmp_path / figure.file).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000
        assert f"]({figure.file})" in markdown and figure.alt[:40] in markdown
        if figure.section == "agreement":  # HTML shows the heatmap table (intervals on hover)
            assert f'src="{figure.file}"' not in page and 'class="mer-heatmap"' in page
        else:
            assert f'src="{figure.file}"' in page and 'alt="' in page
    assert "| Tracks | Raters |" in markdown and "<table>" in page


def test_an_unavailable_dataset_renders_its_curated_part_and_no_numbers() -> None:
    info = default_catalog().get("trompa-mer")

    def gated(dataset_id: str) -> MERDataset:
        raise ManualDownloadRequired(f"{dataset_id}: request access first")

    dataset, info, reason = load_for_datasheet("trompa-mer", gated)
    sheet = build_datasheet(dataset, info=info, unavailable_reason=reason)
    assert sheet["generated"] is None and not sheet["data"]["available"]
    markdown = render_markdown(sheet)
    assert "request access first" in markdown
    assert (
        "mer-datasets download trompa-mer" in markdown
        or "mer-datasets ingest trompa-mer" in markdown
    )
    assert "### Counts" not in markdown
    if sheet["curated"]:
        assert sheet["curated"]["motivation"]["purpose"]["answer"].split()[0] in markdown


def test_datasheet_command_writes_html_with_figures(tmp_path) -> None:
    parser = argparse.ArgumentParser()
    datasheet_cli.add_datasheet_arguments(parser)
    args = parser.parse_args(
        ["sample", "--format", "html", "--out", str(tmp_path), "--bootstrap", "20"]
    )
    assert datasheet_cli.run_datasheet(args, lambda i: load_dataset(i, offline=True)) == 0
    page = (tmp_path / "sample.html").read_text(encoding="utf-8")
    assert "<h1>" in page and (tmp_path / "sample-agreement.png").is_file()


def test_a_dataset_with_rating_protocols_gets_one_agreement_row_per_dimension_and_protocol(
    tmp_path,
) -> None:
    """DEAP's lab and online protocols are reported apart (issue 13); every table and figure of
    the datasheet is keyed by dimension, so the protocol is part of the dimension's name and one
    protocol's alpha cannot overwrite the other's."""
    from mer_datasets.datasheet.build import agreement_section
    from mer_datasets.download.store import ingest_dataset
    from tests.conftest import FIXTURES

    home = tmp_path / "home"
    ingest_dataset(default_catalog().get("deap"), FIXTURES / "deap", data_home=home)
    dataset = load_dataset("deap", data_home=home, offline=True)
    section = agreement_section(dataset, bootstrap=50, seed=0, max_group_columns=2)
    direct = dataset.agreement(bootstrap=50, seed=0)
    expected = {
        f"{row.dimension} ({row.protocol})": row.value
        for row in direct.itertuples()
        if row.metric == "krippendorff_alpha"
    }
    shown = {
        r["dimension"]: r["value"]
        for r in section["overall"]
        if r["metric"] == "krippendorff_alpha"
    }
    assert {"valence (lab)", "valence (online)"} <= set(shown)
    assert shown == pytest.approx(expected, nan_ok=True)
    for group in section["by_group"]:
        names = [r["dimension"] for r in group["records"]]
        assert all(name.endswith(("(lab)", "(online)")) for name in names), names
