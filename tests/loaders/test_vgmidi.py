"""VGMIDI loader: the synthetic fixture (exact values, planted cases) and the mirrored real files.

The real-data test recounts every closing figure straight from the JSON exports and the CSV
piece list (json/csv only, no loader code), joining by MIDI file name.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.errors import ParseError
from mer_datasets.pipeline import load_from_directory
from mer_datasets.validate import validate_tables
from tests.conftest import FIXTURES
from tests.fixtures.generators import vgmidi as generator

DATASET = "vgmidi"
FIXTURE = FIXTURES / DATASET
EXPORTS = ("labelled/annotations/vgmidi_raw_1.json", "labelled/annotations/vgmidi_raw_2.json")


def _load(directory: Path):
    return load_from_directory(DATASET, directory)


def _quirks(quirks) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for q in quirks.quirks:
        counts[q.kind] += q.count
    return dict(counts)


def test_fixture_loads_and_validates_with_every_planted_case_counted():
    tables, quirks = _load(FIXTURE)
    validate_tables(tables, default_catalog().get(DATASET))
    assert _quirks(quirks) == {
        "annotations-without-piece": 2,
        "beyond-last-measure": 4,  # valence and arousal, two extra values each
        "check-answers-missing": 1,
        "piece-without-ratings": 1,
        "several-phrases-per-piece": 1,
    }
    # raters: 3 + 2 (file 1, the two orphan records left out) + 3 + 3 (file 2)
    assert len(tables.raters) == 11
    # judgments: 2 dimensions x (3 x 4 + 2 x 3 + 3 x 5 + 3 x 2) measures
    assert len(tables.annotations) == 2 * (12 + 6 + 15 + 6)
    assert set(tables.tracks["track_id"]) == {"9001", "9002", "9003", "9004", "9005"}


def test_the_two_exports_piece0_are_different_pieces_joined_by_midi_file():
    tables, _ = _load(FIXTURE)
    tracks = tables.tracks.set_index("track_id")
    assert tracks.loc["9001", "export_key"] == "piece0"
    assert tracks.loc["9003", "export_key"] == "piece0"
    assert tracks.loc["9001", "export"] != tracks.loc["9003", "export"]
    assert tracks.loc["9001", "piece_name"] == "Zelda's Theme"
    assert tracks.loc["9001", "midi_file"] == "labelled/midi/Series A_SNES_Game A_Zeldas Theme.mid"
    assert tracks.loc["9003", "measures"] == 5
    # file 2's piece0 record values land on 9003, not on 9001
    raw = json.loads((FIXTURE / EXPORTS[1]).read_text(encoding="utf-8"))
    curve = raw["annotations"]["piece0_3"]["valence"]
    judged = tables.annotations[
        (tables.annotations["rater_id"] == "9003/3")
        & (tables.annotations["dimension"] == "valence")
    ].sort_values("measure")
    assert judged["value"].tolist() == [float(v) for v in curve]
    assert judged["measure"].tolist() == [1, 2, 3, 4, 5]


def test_a_rater_is_a_piece_and_participant_slot_with_the_record_attributes():
    tables, _ = _load(FIXTURE)
    raw = json.loads((FIXTURE / EXPORTS[0]).read_text(encoding="utf-8"))["annotations"]
    raters = tables.raters.set_index("rater_id")
    record = raw["piece1_2"]
    assert raters.loc["9002/2", "record_key"] == "piece1_2"
    assert raters.loc["9002/2", "age_band"] == record["age"]
    assert raters.loc["9002/2", "musicianship"] == record["musicianship"]
    assert bool(raters.loc["9002/2", "knew_piece"]) is record["isKnown"]
    assert raters.loc["9002/2", "check1_description"] == record["ex1_description"]
    assert raters.loc["9001/2", "check1_valence"] is pd_na()  # planted: no check answers


def pd_na():
    import pandas as pd

    return pd.NA


def test_values_beyond_the_last_measure_are_left_out_and_counted():
    tables, quirks = _load(FIXTURE)
    longer = tables.annotations[tables.annotations["rater_id"] == "9004/2"]
    assert longer["measure"].max() == 2 and len(longer) == 4
    kinds = {q.kind: q for q in quirks.quirks}
    assert kinds["beyond-last-measure"].effect == "excluded"


def test_phrase_labels_come_from_the_piece_list_one_pair_per_phrase():
    tables, _ = _load(FIXTURE)
    labels = tables.labels
    assert len(labels) == 2 * sum(len(p[5]) for p in generator.PIECE_LIST)
    battle = labels[(labels["track_id"] == "9002") & (labels["dimension"] == "valence_phrase")]
    assert battle.sort_values("phrase")["value"].tolist() == [-1.0, 1.0]


def test_an_id_shared_by_two_pieces_is_a_parse_error_naming_the_line(tmp_path):
    broken = tmp_path / DATASET
    shutil.copytree(FIXTURE, broken)
    path = broken / "vgmidi_labelled.csv"
    path.write_bytes(path.read_bytes().replace(b"9004,", b"9003,"))
    with pytest.raises(ParseError) as error:
        _load(broken)
    assert "vgmidi_labelled.csv" in str(error.value) and error.value.field == "id"


def test_a_curve_with_a_string_is_a_parse_error_naming_the_field(tmp_path):
    broken = tmp_path / DATASET
    shutil.copytree(FIXTURE, broken)
    path = broken / EXPORTS[0]
    document = json.loads(path.read_text(encoding="utf-8"))
    document["annotations"]["piece0_1"]["valence"][1] = "0.5"
    path.write_text(generator.dump(document) + "\n", encoding="utf-8")
    with pytest.raises(ParseError) as error:
        _load(broken)
    assert error.value.field == "annotations.piece0_1.valence[1]"
    assert "vgmidi_raw_1.json" in str(error.value)


def test_truncated_json_is_a_parse_error_with_the_line(tmp_path):
    broken = tmp_path / DATASET
    shutil.copytree(FIXTURE, broken)
    path = broken / EXPORTS[1]
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(ParseError) as error:
        _load(broken)
    assert error.value.line is not None and "not valid JSON" in str(error.value)


# -- the real files ------------------------------------------------------------------------------


def _independent_counts(root: Path) -> dict:
    """Closing figures from the raw files with json/csv only, joined by MIDI file name."""
    base = next(p for p in (root, *root.iterdir()) if (p / "vgmidi_labelled.csv").is_file())
    with open(base / "vgmidi_labelled.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    id_of = {r["midi"].rsplit("/", 1)[1].rsplit("_", 1)[0] + ".mid": r["id"] for r in rows}
    raters, judgments, records, orphans, beyond, no_check = set(), 0, 0, 0, 0, 0
    items = set()
    for export in EXPORTS:
        document = json.loads((base / export).read_text(encoding="utf-8"))
        pieces = document["pieces"]
        for key, record in document["annotations"].items():
            records += 1
            piece, slot = key.rsplit("_", 1)
            if piece not in pieces:
                orphans += 1
                continue
            track = id_of[pieces[piece]["midi"]]
            raters.add(f"{track}/{slot}")
            n = pieces[piece]["measures"]
            for dimension in ("valence", "arousal"):
                judgments += min(n, len(record[dimension]))
                beyond += max(0, len(record[dimension]) - n)
            items.add(track)
            if "ex1_valence" not in record:
                no_check += 1
    multi = Counter(r["id"] for r in rows)
    misspelled = sum(
        "_".join((r["series"], r["console"], r["game"], r["piece"]))
        != r["midi"].rsplit("/", 1)[1].rsplit("_", 1)[0]
        for r in rows
    )
    return {
        "records": records,
        "raters": len(raters),
        "items": len(items),
        "judgments": judgments,
        "phrases": len(rows),
        "quirks": {
            "annotations-without-piece": orphans,
            "beyond-last-measure": beyond,
            "check-answers-missing": no_check,
            "several-phrases-per-piece": sum(n - 1 for n in multi.values()),
            "piece-name-not-in-file-name": misspelled,
        },
    }


def test_real_vgmidi_closing_figures_match_an_independent_count(shared_mirror):
    root = shared_mirror / DATASET
    expected = _independent_counts(root)
    tables, quirks = _load(root)
    validate_tables(tables, default_catalog().get(DATASET))
    annotations = tables.annotations
    assert (
        sum(n for f, n in quirks.source_row_counts.items() if f.endswith("#annotations"))
        == (expected["records"])
    )
    assert annotations["rater_id"].nunique() == len(tables.raters) == expected["raters"]
    assert annotations["track_id"].nunique() == expected["items"]
    assert len(annotations) == expected["judgments"]
    assert len(tables.labels) == 2 * expected["phrases"]
    found = _quirks(quirks)
    for kind, count in expected["quirks"].items():
        assert found.get(kind, 0) == count, kind
    # every source record is a rater or counted as left out
    assert len(tables.raters) + found["annotations-without-piece"] == expected["records"]
    # the figures the catalog states
    counts = default_catalog().get(DATASET).counts
    assert counts["raters"] == expected["raters"] and counts["items"] == expected["items"]
    assert counts["annotations"] == annotations["annotation_id"].nunique()
