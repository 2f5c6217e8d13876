"""MuVi loader: the synthetic fixture (with and without av_data.csv) and the mirrored real files.

The real-data tests recount the closing figures from the CSV files with csv only and check the
per-condition agreement against the krippendorff package on matrices built from the raw rows.
"""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from mer_datasets.agreement.continuous import continuous_alpha
from mer_datasets.agreement.report import agreement_report
from mer_datasets.catalog import default_catalog
from mer_datasets.errors import ParseError
from mer_datasets.loaders.muvi import TERMS
from mer_datasets.pipeline import load_from_directory
from mer_datasets.validate import validate_tables
from tests.conftest import FIXTURES
from tests.fixtures.generators import muvi as generator

DATASET = "muvi"
FIXTURE = FIXTURES / DATASET


def _load(directory: Path):
    return load_from_directory(DATASET, directory)


def _quirks(quirks) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for q in quirks.quirks:
        counts[q.kind] += q.count
    return dict(counts)


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_fixture_with_dynamic_ratings_loads_every_row():
    tables, quirks = _load(FIXTURE)
    validate_tables(tables, default_catalog().get(DATASET))
    ratings = len(generator.RATINGS)
    truncated = sum(1 for _, i, _ in generator.RATINGS if "_" in generator.VIDEOS[i])
    assert _quirks(quirks) == {
        "media-id-truncated": truncated * (1 + generator.SAMPLES),
        "no-term-chosen": 1,
        "rater-not-in-participant-data": 1,
    }
    annotations = tables.annotations
    assert len(annotations) == ratings * len(TERMS) + 2 * ratings * generator.SAMPLES
    assert set(annotations["track_id"]) == set(generator.VIDEOS)
    assert set(annotations["condition"]) == {"music", "visual", "audiovisual"}
    raters = tables.raters.set_index("rater_id")
    assert not raters.loc["9", "in_participant_data"] and raters.loc["9", "age"] is pd_na()
    assert raters.loc["2", "lyric_language"] == "ZH"


def pd_na():
    import pandas as pd

    return pd.NA


def test_without_av_data_the_static_terms_load_and_the_absence_is_reported(tmp_path):
    copy = tmp_path / DATASET
    shutil.copytree(FIXTURE, copy)
    (copy / "av_data.csv").unlink()
    tables, quirks = _load(copy)
    validate_tables(tables, default_catalog().get(DATASET))
    found = _quirks(quirks)
    assert found["optional-file-absent"] == 1
    assert len(tables.annotations) == len(generator.RATINGS) * len(TERMS)
    assert not {"valence", "arousal"} & set(tables.annotations["dimension"].astype(str))


def test_term_values_and_conditions_match_the_source_row():
    tables, _ = _load(FIXTURE)
    raw = _rows(FIXTURE / "media_data.csv")[7]  # participant 3, Ab (truncated), muted_video
    rows = tables.annotations.set_index("judgment_id")
    record = f"{raw['participant_id']}:Ab_cd-EFgh1:visual"
    for term in TERMS:
        assert rows.loc[f"{record}:{term}", "value"] == float(raw[term])
    assert rows.loc[f"{record}:calm", "modality"] == "muted_video"
    assert bool(rows.loc[f"{record}:calm", "seen_previously"]) is (raw["seen_previously"] == "True")


def test_dynamic_ratings_give_agreement_over_samples():
    tables, _ = _load(FIXTURE)
    music = tables.annotations[tables.annotations["condition"] == "music"]
    result = continuous_alpha(music, by="track", time="seq", dimensions=["valence"])
    first = music[(music["dimension"] == "valence") & (music["track_id"] == "X1y2Z3w4V5u")]
    raters = sorted(first["rater_id"].unique())
    matrix = np.full((len(raters), generator.SAMPLES), np.nan)
    for row in first.itertuples():
        matrix[raters.index(row.rater_id), row.seq] = row.value
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval")
    got = result.set_index("group").loc["X1y2Z3w4V5u", "alpha"]
    assert got == pytest.approx(expected, abs=1e-9)


def test_an_unknown_modality_is_a_parse_error_naming_the_line(tmp_path):
    copy = tmp_path / DATASET
    shutil.copytree(FIXTURE, copy)
    path = copy / "media_data.csv"
    path.write_text(path.read_text().replace(",muted_video,", ",silent,", 1))
    with pytest.raises(ParseError) as error:
        _load(copy)
    assert error.value.field == "media_modality" and error.value.line is not None


# -- the real files ------------------------------------------------------------------------------


def _real(shared_mirror: Path) -> Path:
    root = shared_mirror / DATASET
    return next(p for p in (root, *root.iterdir()) if (p / "media_data.csv").is_file())


def test_real_muvi_closing_figures_match_an_independent_count(shared_mirror):
    base = _real(shared_mirror)
    media = _rows(base / "media_data.csv")
    videos = [line.strip() for line in (base / "video_urls.csv").read_text().splitlines()[1:]]
    full = {v.split("_")[0]: v for v in videos}
    truncated = sum(
        1 for r in media if r["media_id"] in full and full[r["media_id"]] != r["media_id"]
    )
    tables, quirks = _load(shared_mirror / DATASET)
    validate_tables(tables, default_catalog().get(DATASET))
    annotations = tables.annotations
    assert annotations["annotation_id"].nunique() == len(media) == 1494
    assert len(annotations) == len(media) * len(TERMS)
    assert annotations["rater_id"].nunique() == len({r["participant_id"] for r in media}) == 49
    assert annotations["track_id"].nunique() == len({full[r["media_id"]] for r in media}) == 81
    assert annotations["value"].sum() == sum(int(r[t]) for r in media for t in TERMS)
    found = _quirks(quirks)
    assert found == {"media-id-truncated": truncated, "optional-file-absent": 1}
    counts = default_catalog().get(DATASET).counts
    assert (counts["items"], counts["raters"], counts["annotations"]) == (81, 49, len(media))


def test_real_agreement_per_condition_matches_the_krippendorff_package(shared_mirror):
    base = _real(shared_mirror)
    media = _rows(base / "media_data.csv")
    tables, _ = _load(shared_mirror / DATASET)
    terms = ["calm", "energetic", "sad"]
    report = agreement_report(
        tables.annotations,
        tables.raters,
        dimensions=terms,
        by="condition",
        bootstrap=0,
        metrics=["krippendorff_alpha"],
    )
    report = report[report["group"].notna()].set_index(["dimension", "group"])["value"]
    for modality, condition in (
        ("music", "music"),
        ("muted_video", "visual"),
        ("video", "audiovisual"),
    ):
        rows = [r for r in media if r["media_modality"] == modality]
        participants = sorted({r["participant_id"] for r in rows})
        items = sorted({r["media_id"] for r in rows})
        for term in terms:
            matrix = np.full((len(participants), len(items)), np.nan)
            for r in rows:
                matrix[participants.index(r["participant_id"]), items.index(r["media_id"])] = float(
                    r[term]
                )
            expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
            assert report[(term, condition)] == pytest.approx(expected, abs=1e-9), (term, condition)
