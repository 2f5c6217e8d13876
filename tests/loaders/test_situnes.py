"""SiTunes loader: the synthetic fixture (exact values, planted cases) and the mirrored real files.

The real-data test recounts the closing figures from the raw files with csv/json/numpy only, and
checks the lab-stage agreement against the krippendorff package on a matrix built from the CSV.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from mer_datasets.agreement.report import agreement_report
from mer_datasets.catalog import default_catalog
from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from mer_datasets.validate import validate_tables
from tests.conftest import FIXTURES
from tests.fixtures.generators import situnes as generator

DATASET = "situnes"
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


def _base(root: Path) -> Path:
    return (
        next(p for p in (root, *root.iterdir()) if (p / "SiTunes" / "Stage1").is_dir()) / "SiTunes"
    )


def test_fixture_loads_with_every_planted_case_counted():
    tables, quirks = _load(FIXTURE)
    validate_tables(tables, default_catalog().get(DATASET))
    assert _quirks(quirks) == {
        "duration-missing": 1 + 3,  # stage 1: one; stage 2: user 1's two records and inter_id 4
        "recommender-missing": 2,
        "repeated-listening": 1,
        "music-feature-missing": 1,
        "named-item-not-in-music-info": 1,
        "listened-item-without-name": 1,
    }
    records = 12 + len(generator.STAGE2) + len(generator.STAGE3)
    assert tables.annotations["annotation_id"].nunique() == records
    # 3 judgments per lab record, 5 per stage-2 record, 6 per stage-3 record
    assert len(tables.annotations) == 3 * 12 + 5 * len(generator.STAGE2) + 6 * len(generator.STAGE3)
    assert len(tables.raters) == 4


def test_before_after_pair_gives_the_change_listening_made():
    tables, _ = _load(FIXTURE)
    raw = _rows(FIXTURE / "SiTunes" / "Stage2" / "interactions.csv")[2]
    rows = tables.annotations.set_index("judgment_id")
    after = rows.loc[f"s2:{raw['inter_id']}:valence"]
    assert after["value"] == float(raw["emo_post_valence"])
    assert after["before_value"] == float(raw["emo_pre_valence"])
    assert after["change"] == pytest.approx(
        float(raw["emo_post_valence"]) - float(raw["emo_pre_valence"])
    )
    before = rows.loc[f"s2:{raw['inter_id']}:arousal_before"]
    assert before["value"] == float(raw["emo_pre_arousal"])
    lab = tables.annotations[tables.annotations["stage"] == 1]
    assert lab["before_value"].isna().all()


def test_situation_and_wrist_summary_come_from_env_json_and_wrist_npy():
    tables, _ = _load(FIXTURE)
    env = json.loads((FIXTURE / "SiTunes" / "Stage3" / "env.json").read_text())
    wrist = np.load(FIXTURE / "SiTunes" / "Stage3" / "wrist.npy", allow_pickle=False)
    row = tables.annotations.set_index("judgment_id").loc["s3:2:rating"]
    assert row["time_of_day"] == env["2"]["time"]
    assert row["humidity"] == env["2"]["weather"][3]
    assert row["speed"] == env["2"]["GPS"][2]
    assert row["wrist_steps_sum"] == pytest.approx(wrist[1, :, 2].sum())
    assert row["wrist_heart_rate_mean"] == pytest.approx(wrist[1, :, 0].mean())
    preference = tables.annotations.set_index("judgment_id").loc["s3:2:preference", "value"]
    assert preference == float(
        _rows(FIXTURE / "SiTunes" / "Stage3" / "interactions.csv")[1]["preference"]
    )


def test_a_pickled_object_array_in_wrist_npy_is_refused(tmp_path):
    broken = tmp_path / DATASET
    shutil.copytree(FIXTURE, broken)
    objects = np.empty((len(generator.STAGE2), 30, 4), dtype=object)
    np.save(broken / "SiTunes" / "Stage2" / "wrist.npy", objects, allow_pickle=True)
    with pytest.raises(ParseError) as error:
        _load(broken)
    assert "wrist.npy" in str(error.value) and "numeric" in str(error.value)


def test_wrist_matrices_that_do_not_align_with_the_records_are_refused(tmp_path):
    broken = tmp_path / DATASET
    shutil.copytree(FIXTURE, broken)
    path = broken / "SiTunes" / "Stage3" / "wrist.npy"
    np.save(path, np.load(path)[:-1])
    with pytest.raises(ParseError, match="inter_id"):
        _load(broken)


def test_a_non_numeric_rating_is_a_parse_error_naming_line_and_column(tmp_path):
    broken = tmp_path / DATASET
    shutil.copytree(FIXTURE, broken)
    path = broken / "SiTunes" / "Stage1" / "interactions.csv"
    lines = path.read_text().splitlines()
    cells = lines[3].split(",")
    cells[4] = "four"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ParseError) as error:
        _load(broken)
    assert error.value.line == 4 and error.value.field == "rating"


# -- the real files ------------------------------------------------------------------------------


def test_real_situnes_closing_figures_match_an_independent_count(shared_mirror):
    base = _base(shared_mirror / DATASET)
    stage1 = _rows(base / "Stage1" / "interactions.csv")
    stage2 = _rows(base / "Stage2" / "interactions.csv")
    stage3 = _rows(base / "Stage3" / "interactions.csv")
    wrist2 = np.load(base / "Stage2" / "wrist.npy", allow_pickle=False)
    wrist3 = np.load(base / "Stage3" / "wrist.npy", allow_pickle=False)
    assert wrist2.shape[0] == len(stage2) and wrist3.shape[0] == len(stage3)
    records = len(stage1) + len(stage2) + len(stage3)
    users = {r["user_id"] for r in stage1 + stage2 + stage3}
    items = {r["item_id"] for r in stage1 + stage2 + stage3}
    judgments = 3 * len(stage1) + 5 * len(stage2) + 6 * len(stage3)
    repeated = sum(
        n - 1
        for stage in (stage2, stage3)
        for n in Counter((r["user_id"], r["item_id"]) for r in stage).values()
        if n > 1
    )
    no_duration = sum(not r["duration"].strip() for r in stage1 + stage2 + stage3)
    no_type = sum(not r["rec_type"].strip() for r in stage2 + stage3)

    tables, quirks = _load(shared_mirror / DATASET)
    validate_tables(tables, default_catalog().get(DATASET))
    annotations = tables.annotations
    assert annotations["annotation_id"].nunique() == records == 2006
    assert annotations["rater_id"].nunique() == len(users) == 30
    assert annotations["track_id"].nunique() == len(items) == 307
    assert len(annotations) == judgments
    found = _quirks(quirks)
    assert found.get("repeated-listening", 0) == repeated
    assert found.get("duration-missing", 0) == no_duration
    assert found.get("recommender-missing", 0) == no_type
    excluded = sum(q.count for q in quirks.quirks if q.effect == "excluded")
    assert excluded == found.get("named-item-not-in-music-info", 0)
    # before/after: the change is post - pre for every field record
    field = annotations[(annotations["stage"] > 1) & (annotations["dimension"] == "arousal")]
    raw_change = {
        f"s{s}:{r['inter_id']}": float(r["emo_post_arousal"]) - float(r["emo_pre_arousal"])
        for s, rows in ((2, stage2), (3, stage3))
        for r in rows
    }
    got = dict(zip(field["annotation_id"], field["change"].astype(float)))
    assert got == pytest.approx(raw_change)
    counts = default_catalog().get(DATASET).counts
    assert (counts["items"], counts["raters"], counts["annotations"]) == (
        len(items),
        len(users),
        records,
    )


def test_real_lab_stage_agreement_matches_the_krippendorff_package(shared_mirror):
    base = _base(shared_mirror / DATASET)
    stage1 = _rows(base / "Stage1" / "interactions.csv")
    tables, _ = _load(shared_mirror / DATASET)
    report = agreement_report(
        tables.annotations,
        tables.raters,
        where="stage == 1",
        levels={"rating": "ordinal", "valence": "interval", "arousal": "interval"},
        bootstrap=0,
        metrics=["krippendorff_alpha"],
    )
    alpha = report[report["metric"] == "krippendorff_alpha"].set_index("dimension")["value"]
    users = sorted({r["user_id"] for r in stage1}, key=int)
    songs = sorted({r["item_id"] for r in stage1}, key=int)
    for column, dimension, level in (
        ("rating", "rating", "ordinal"),
        ("emo_valence", "valence", "interval"),
        ("emo_arousal", "arousal", "interval"),
    ):
        matrix = np.full((len(users), len(songs)), np.nan)
        for r in stage1:
            matrix[users.index(r["user_id"]), songs.index(r["item_id"])] = float(r[column])
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)
        assert alpha[dimension] == pytest.approx(expected, abs=1e-9), dimension
