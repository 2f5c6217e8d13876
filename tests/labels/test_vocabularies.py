import json
import subprocess
import sys

import pytest
import yaml
from jsonschema import Draft202012Validator

from mer_datasets.errors import VocabularyError
from mer_datasets.labels.vocabulary import (
    VOCABULARY_DIR,
    load_vocabulary,
    parse_vocabulary,
    vocabulary_ids,
)
from tests.conftest import NO_MIRROR_REASON, REPO_ROOT, SHARED_MIRROR

EXPECTED = {"russell_quadrants", "mirex_clusters", "mirex_like_categories", "gems9", "trompa11", "ekman_basic",
            "eerola_vuoskoski_discrete", "mtg_jamendo_moods"}  # fmt: skip
SCHEMA = json.loads((REPO_ROOT / "schemas" / "vocabulary.schema.json").read_text(encoding="utf-8"))


def test_every_vocabulary_of_the_issue_is_packaged():
    assert set(vocabulary_ids()) >= EXPECTED


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("vocabulary_id", sorted(EXPECTED))
def test_each_vocabulary_file_validates_against_the_schema(vocabulary_id):
    document = yaml.safe_load(
        (VOCABULARY_DIR / f"{vocabulary_id}.yaml").read_text(encoding="utf-8")
    )
    assert list(Draft202012Validator(SCHEMA).iter_errors(document)) == []


@pytest.mark.parametrize("vocabulary_id", sorted(EXPECTED))
def test_every_category_is_placed_with_a_cited_source_or_unplaced_with_a_reason(vocabulary_id):
    vocabulary = load_vocabulary(vocabulary_id)
    for category in vocabulary:
        if category.placed:
            assert abs(sum(category.distribution.values()) - 1.0) < 1e-12
            assert set(category.distribution_placement.source) <= set(vocabulary.references) | {
                "this-library"
            }
            assert category.distribution_placement.basis
        else:
            assert category.unplaced and category.reason
        if category.ambiguous:
            assert category.ambiguity


def test_a_placement_citing_an_unknown_reference_is_rejected():
    document = {"schema_version": 1, "id": "x", "name": "x", "description": "x", "references": {"a2000": "A. Author (2000)."},
                "categories": [{"id": "c", "quadrants": {"distribution": {"Q1": 1.0}, "source": "b1999", "basis": "circumplex placement"}}]}  # fmt: skip
    with pytest.raises(VocabularyError, match="b1999"):
        parse_vocabulary(document)


def test_an_unplaced_category_without_a_reason_is_rejected():
    document = {"schema_version": 1, "id": "x", "name": "x", "description": "x", "references": {"a2000": "A. Author (2000)."},
                "categories": [{"id": "c", "unplaced": True}]}  # fmt: skip
    with pytest.raises(VocabularyError, match="reason"):
        parse_vocabulary(document)


def test_trompa11_follows_the_ismir_2020_grouping():
    vocabulary = load_vocabulary("trompa11")
    grouping = {"Q1": {"joy", "surprise", "power"}, "Q2": {"anger", "fear", "tension"},
                "Q3": {"sadness", "bitterness"}, "Q4": {"peace", "tenderness", "transcendence"}}  # fmt: skip
    for quadrant, words in grouping.items():
        for word in words:
            assert vocabulary.category(word).distribution[quadrant] == 1.0
    assert len(vocabulary) == 11


def test_gems9_is_spelled_as_the_emotify_header():
    assert [c.id for c in load_vocabulary("gems9")] == ["joyful_activation", "power", "amazement", "tension", "sadness",
                                                        "tenderness", "calmness", "nostalgia", "solemnity"]  # fmt: skip


def test_mirex_cluster_3_and_gems_nostalgia_are_marked_ambiguous():
    assert load_vocabulary("mirex_clusters").category("Cluster 3").ambiguous
    assert load_vocabulary("gems9").category("nostalgia").ambiguous


def test_docs_labels_md_is_up_to_date_with_the_vocabularies():
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "gen_labels_doc.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.real_data
def test_mirex_like_categories_are_spelled_exactly_as_in_the_dataset_file():
    if SHARED_MIRROR is None:
        pytest.skip(NO_MIRROR_REASON)
    base = SHARED_MIRROR / "mirex-like" / "MIREX-like_mood" / "dataset"
    categories = [
        line.rstrip("\r\n")
        for line in (base / "categories.txt").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    clusters = [
        line.rstrip("\r\n")
        for line in (base / "clusters.txt").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    vocabulary = load_vocabulary("mirex_like_categories")
    assert {c.id for c in vocabulary} == set(categories)
    assert {(c.id, c.group) for c in vocabulary} == set(zip(categories, clusters))
    assert {c.id for c in load_vocabulary("mirex_clusters")} == set(clusters)


@pytest.mark.real_data
def test_mtg_jamendo_vocabulary_covers_every_mood_theme_tag():
    if SHARED_MIRROR is None:
        pytest.skip(NO_MIRROR_REASON)
    path = (
        SHARED_MIRROR
        / "mtg-jamendo-moodtheme"
        / "mtg-jamendo-dataset"
        / "data"
        / "tags"
        / "moodtheme.txt"
    )
    tags = {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}
    vocabulary = load_vocabulary("mtg_jamendo_moods")
    assert {f"mood/theme---{c.id}" for c in vocabulary} == tags
    assert all(vocabulary.find(tag) is not None for tag in tags)
