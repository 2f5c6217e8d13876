"""MuVi's 27 GEMS terms map to their GEMS-9 factor (Zentner et al. 2008) and to nothing else.

The expected factors are written out here from the paper's item lists, independently of
``vocabularies/muvi_gems27.yaml`` and ``correspondences.yaml``; the per-annotation counts are
recomputed from the fixture's media_data.csv with the csv module.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter

import pytest

from mer_datasets.dataset import load_dataset
from mer_datasets.download.store import ingest_dataset
from mer_datasets.labels import cli as labels_cli
from mer_datasets.labels.correspondences import correspondence
from mer_datasets.labels.unify import unified
from mer_datasets.labels.vocabulary import load_vocabulary
from tests.conftest import FIXTURES
from tests.test_contract import fixture_catalog

#: Zentner et al. (2008) factor -> the MuVi terms that are its items (or its name), spelled as
#: gems9.yaml names the factor (Emotify wording: wonder = amazement, transcendence = solemnity,
#: peacefulness = calmness)
FACTOR_ITEMS = {
    "amazement": ("moved", "filled_with_wonder", "allured"),
    "solemnity": ("feeling_of_transcendence",),
    "tenderness": ("tender", "affectionate"),
    "nostalgia": ("nostalgic", "sentimental", "dreamy"),
    "calmness": ("serene", "calm", "soothed"),
    "power": ("strong", "energetic", "triumphant"),
    "joyful_activation": ("animated", "joyful"),
    "tension": ("tense", "agitated", "nervous"),
    "sadness": ("sad",),
}
EXPECTED = {term: factor for factor, terms in FACTOR_ITEMS.items() for term in terms}
NOT_IN_ZENTNER = ("fascinated", "overwhelmed", "mellow", "bouncy", "tearful", "blue")
MEDIA = FIXTURES / "muvi" / "media_data.csv"


def _fixture_terms() -> list[str]:
    with MEDIA.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    return header[header.index("seen_previously") + 1 : header.index("overlay_type")]


def test_every_muvi_term_is_mapped_or_declared_missing():
    terms = _fixture_terms()
    assert len(terms) == 27
    assert sorted(terms) == sorted([*EXPECTED, *NOT_IN_ZENTNER])


@pytest.mark.parametrize("term", sorted(EXPECTED))
def test_a_zentner_item_maps_to_its_factor_with_its_source(term):
    found = correspondence("muvi_gems27", term, "gems9")
    assert found is not None and found.target == EXPECTED[term]
    assert found.reference == "zentner2008"
    category = load_vocabulary("muvi_gems27").category(term)
    assert category.placed and category.group is not None
    assert load_vocabulary("gems9").find(found.target) is not None


@pytest.mark.parametrize("term", NOT_IN_ZENTNER)
def test_a_term_missing_from_zentner_has_no_factor_and_says_why(term):
    assert correspondence("muvi_gems27", term, "gems9") is None
    category = load_vocabulary("muvi_gems27").category(term)
    assert not category.placed and category.group is None
    assert "not among the GEMS items" in category.reason


@pytest.fixture
def muvi(tmp_path):
    catalog = fixture_catalog("muvi")
    ingest_dataset(catalog.get("muvi"), FIXTURES / "muvi", None, data_home=tmp_path)
    return load_dataset("muvi", catalog=catalog, data_home=tmp_path, offline=True, cache=False)


def _expected_counts() -> Counter:
    """(source line, factor) -> number of chosen terms of that factor, from the CSV itself."""
    counts: Counter = Counter()
    with MEDIA.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            for term, factor in EXPECTED.items():
                if row[term] == "1":
                    counts[(line, factor)] += 1
    return counts


def test_muvi_annotations_map_to_gems9_per_annotation(muvi):
    table = unified(muvi, muvi.info, to="gems9")
    static = table[table["dimension"].isin(_fixture_terms())]
    chosen = static[static["value"] == 1]
    mapped = chosen[chosen["mapped_label"].notna()]
    assert (mapped["mapped_route"] == "correspondence").all()
    assert (mapped["mapped_prob"] == 1.0).all()
    assert dict(zip(mapped["dimension"], mapped["mapped_label"])).items() <= EXPECTED.items()
    unmapped = chosen[chosen["mapped_label"].isna()]
    assert set(unmapped["dimension"]) <= set(NOT_IN_ZENTNER)
    assert static[static["value"] == 0]["mapped_label"].isna().all()
    got = Counter(
        {
            (int(line), factor): int(n)
            for (line, factor), n in mapped.groupby(["source_line", "mapped_label"]).size().items()
        }
    )
    expected = _expected_counts()
    assert got == expected
    assert sum(expected.values()) > 0 and len({f for _, f in expected}) > 3


def _args(**overrides) -> argparse.Namespace:
    base = dict(
        to="gems9", table="auto", out=None, on_axis="missing", temperature=0.25,
        ambiguity_threshold=0.5, no_conventions=False,
    )  # fmt: skip
    return argparse.Namespace(**{**base, **overrides})


def test_cli_counts_each_factor_once_per_annotation(muvi, capsys):
    assert labels_cli.run(_args(dataset="muvi"), lambda _id: muvi) == 0
    out = capsys.readouterr().out
    assert "muvi: annotations -> gems9" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    annotations_with = Counter(factor for (_, factor) in _expected_counts())
    for factor, n in annotations_with.items():
        assert rows[factor][1:3] == ["correspondence", str(n)], rows[factor]
    not_chosen = set(FACTOR_ITEMS) - set(annotations_with)
    assert not any(factor in rows for factor in not_chosen)
