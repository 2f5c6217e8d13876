"""Checks of the placements against real data (../shared/mirror), with small parsers of our own.

The figures are printed (run with -s); only robust facts are asserted.
"""

import csv
import json
import re

import pytest

from mer_datasets.labels.quadrants import quadrant_of
from mer_datasets.labels.vocabulary import load_vocabulary
from tests.conftest import NO_MIRROR_REASON, SHARED_MIRROR

pytestmark = pytest.mark.real_data
QUADRANTS = ("Q1", "Q2", "Q3", "Q4")


def cohen_kappa(first: list[str], second: list[str]) -> float:
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second)) / n
    expected = sum((first.count(q) / n) * (second.count(q) / n) for q in QUADRANTS)
    return (observed - expected) / (1 - expected)


@pytest.fixture
def mirror():
    if SHARED_MIRROR is None:
        pytest.skip(NO_MIRROR_REASON)
    return SHARED_MIRROR


def test_trompa_emotion_words_agree_with_the_same_judgments_arousal_valence_answers(mirror):
    path = mirror / "trompa-mer" / "vis-mtg-mer" / "data" / "data_20_09_2024.json"
    annotations = json.loads(path.read_text(encoding="utf-8"))["annotations"]
    trompa = load_vocabulary("trompa11")
    from_words, from_answers = [], []
    for record in annotations:
        answers = quadrant_of(float(record["arousalValue"]), float(record["valenceValue"]))
        word = trompa.category(record["moodValue"])
        from_words.append(max(word.distribution, key=word.distribution.get))
        from_answers.append(answers.label)
    agreement = sum(a == b for a, b in zip(from_words, from_answers)) / len(from_words)
    kappa = cohen_kappa(from_words, from_answers)
    print(
        f"\nTROMPA-MER: {len(from_words)} judgments, agreement {agreement:.4f}, Cohen's kappa {kappa:.4f}"
    )
    assert len(from_words) == 4779
    assert agreement > 0.5 and kappa > 0.3  # chance is 0.25; the figures are printed


def _key(word: str) -> str:
    return re.sub(r"[^a-z]", "", word.casefold())


def test_4qaed_quadrants_agree_with_the_quadrants_implied_by_their_allmusic_moods(mirror):
    path = mirror / "4qaed" / "MER_audio_taffc_dataset" / "panda_dataset_taffc_metadata.csv"
    index = {}
    for vocabulary_id in (
        "mirex_like_categories",
        "mtg_jamendo_moods",
        "trompa11",
        "gems9",
        "ekman_basic",
    ):
        for category in load_vocabulary(vocabulary_id).placed():
            for spelling in category.spellings:
                index.setdefault(_key(spelling), category)
    index.setdefault("aggressive", index[_key("Agressive")])  # the MIREX-like file misspells it
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    covered = agree = 0
    expected_share = 0.0
    for row in rows:
        moods = [m.strip() for m in re.split(r"[;/]", row["MoodsStrSplit"]) if m.strip()]
        placed = [index[_key(m)] for m in moods if _key(m) in index]
        if not placed:
            continue
        covered += 1
        implied = {q: sum(c.distribution[q] for c in placed) / len(placed) for q in QUADRANTS}
        top = max(implied.values())
        winners = [q for q, p in implied.items() if p == top]
        agree += row["Quadrant"] in winners and len(winners) == 1
        expected_share += implied[row["Quadrant"]]
    coverage = covered / len(rows)
    print(f"\n4QAED: {len(rows)} songs, {covered} with a placed mood (coverage {coverage:.4f}); "
          f"unique-argmax agreement {agree / covered:.4f}; mean P(labelled quadrant) {expected_share / covered:.4f}")  # fmt: skip
    assert len(rows) == 900 and covered > 100
    assert expected_share / covered > 0.4  # chance is 0.25
