"""Guarantees of the curated datasheets (datasheets/<id>.yaml).

The format is described in docs/dev/datasheet-format.md and enforced by
schemas/datasheet.schema.json. These tests add what JSON Schema cannot say: one datasheet per
catalog dataset, every cited source defined, unknowns that explain what is missing.
"""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASHEETS_DIR = REPO_ROOT / "datasheets"
SCHEMA_PATH = REPO_ROOT / "schemas" / "datasheet.schema.json"
CATALOG_PATH = REPO_ROOT / "catalog.yaml"


# The Gebru et al. (2021) questions every datasheet answers, by section. Kept here on purpose,
# independently of the schema, so that a schema edit cannot silently drop a question.
REQUIRED_QUESTIONS = {
    "motivation": {"purpose", "creators", "funding"},
    "composition": {
        "instances_represent",
        "instance_count",
        "sample_of_larger_set",
        "instance_content",
        "labels",
        "missing_information",
        "relationships_between_instances",
        "recommended_splits",
        "errors_noise_redundancy",
        "self_contained",
        "confidential_data",
        "offensive_content",
        "relates_to_people",
        "subpopulations",
        "identifiability",
        "sensitive_data",
    },
    "collection_process": {
        "acquisition",
        "mechanisms",
        "sampling_strategy",
        "collectors_and_compensation",
        "timeframe",
        "ethical_review",
        "collected_from_individuals",
        "individuals_notified",
        "consent",
        "consent_revocation",
        "impact_analysis",
    },
    "preprocessing_cleaning_labeling": {"preprocessing", "raw_data_saved", "software_available"},
    "uses": {
        "prior_uses",
        "uses_repository",
        "other_tasks",
        "future_use_risks",
        "unsuitable_tasks",
    },
    "distribution": {
        "third_party_distribution",
        "distribution_method",
        "distribution_date",
        "license_terms",
        "third_party_ip",
        "export_controls",
    },
    "maintenance": {
        "maintainer",
        "contact",
        "erratum",
        "updates",
        "retention_limits",
        "older_versions",
        "contributions",
    },
}

ANSWER_GROUPS = (*REQUIRED_QUESTIONS, "annotators", "ethics")

# Texts that do not say what is missing.
PLACEHOLDER_ANSWERS = {"unknown", "n/a", "na", "none", "tbd", "todo", "?", "-", "not known"}


def _datasheet_paths() -> list[Path]:
    return sorted(DATASHEETS_DIR.glob("*.yaml"))


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _answers(sheet: dict) -> Iterator[tuple[str, dict]]:
    """Every answer object of a datasheet, with a dotted location for messages."""
    for group in ANSWER_GROUPS:
        for key, value in (sheet.get(group) or {}).items():
            if isinstance(value, dict) and "status" in value:
                yield f"{group}.{key}", value


def _cited_ids(answer: dict) -> list[str]:
    source = answer.get("source")
    return [source] if isinstance(source, str) else list(source or [])


def _catalog_ids() -> set[str]:
    with CATALOG_PATH.open(encoding="utf-8") as handle:
        catalog = yaml.safe_load(handle) or {}
    ids = {entry["id"] for entry in catalog.get("datasets") or []}
    assert ids, f"{CATALOG_PATH} lists no datasets"
    return ids


@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    with SCHEMA_PATH.open(encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


DATASHEET_PATHS = _datasheet_paths()
SHEET_IDS = [path.stem for path in DATASHEET_PATHS]


def test_there_are_datasheets_to_check():
    assert DATASHEET_PATHS, f"no datasheets found under {DATASHEETS_DIR}"


@pytest.mark.parametrize("path", DATASHEET_PATHS, ids=SHEET_IDS)
def test_every_datasheet_validates_against_the_schema(path, validator):
    sheet = _load(path)
    errors = sorted(validator.iter_errors(sheet), key=lambda error: list(error.absolute_path))
    messages = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]
    assert not messages, f"{path.name} is not a valid datasheet:\n" + "\n".join(messages[:20])


def test_every_catalog_dataset_has_a_datasheet_and_every_datasheet_a_catalog_dataset():
    catalog_ids = _catalog_ids()
    sheet_ids = set(SHEET_IDS)
    assert catalog_ids - sheet_ids == set(), "catalog datasets without a datasheet"
    assert sheet_ids - catalog_ids == set(), "datasheets for datasets not in the catalog"


@pytest.mark.parametrize("path", DATASHEET_PATHS, ids=SHEET_IDS)
def test_the_datasheet_id_is_its_file_name_and_the_review_date_is_a_date(path):
    sheet = _load(path)
    assert sheet["id"] == path.stem
    assert isinstance(sheet["last_reviewed"], (str, datetime.date))
    datetime.date.fromisoformat(str(sheet["last_reviewed"]))


@pytest.mark.parametrize("path", DATASHEET_PATHS, ids=SHEET_IDS)
def test_source_ids_are_unique_within_a_datasheet(path):
    ids = [source["id"] for source in _load(path)["sources"]]
    duplicates = sorted({source_id for source_id in ids if ids.count(source_id) > 1})
    assert duplicates == []


@pytest.mark.parametrize("path", DATASHEET_PATHS, ids=SHEET_IDS)
def test_every_cited_source_is_defined_in_sources(path):
    sheet = _load(path)
    defined = {source["id"] for source in sheet["sources"]}
    undefined = sorted(
        f"{where} -> {source_id}"
        for where, answer in _answers(sheet)
        for source_id in _cited_ids(answer)
        if source_id not in defined
    )
    assert undefined == []


@pytest.mark.parametrize("path", DATASHEET_PATHS, ids=SHEET_IDS)
def test_every_defined_source_is_cited_by_at_least_one_answer(path):
    sheet = _load(path)
    cited = {source_id for _, answer in _answers(sheet) for source_id in _cited_ids(answer)}
    unused = sorted({source["id"] for source in sheet["sources"]} - cited)
    assert unused == []


@pytest.mark.parametrize("path", DATASHEET_PATHS, ids=SHEET_IDS)
def test_every_unknown_answer_says_what_is_missing(path):
    sheet = _load(path)
    vague = sorted(
        where
        for where, answer in _answers(sheet)
        if answer["status"] == "unknown"
        and (
            not str(answer.get("answer", "")).strip()
            or str(answer["answer"]).strip().lower().rstrip(".") in PLACEHOLDER_ANSWERS
            or len(str(answer["answer"]).split()) < 4
        )
    )
    assert vague == []


@pytest.mark.parametrize("path", DATASHEET_PATHS, ids=SHEET_IDS)
def test_all_seven_gebru_sections_are_present_with_their_questions(path):
    sheet = _load(path)
    missing = sorted(
        f"{section}.{question}"
        for section, questions in REQUIRED_QUESTIONS.items()
        for question in questions
        if question not in (sheet.get(section) or {})
    )
    assert missing == []


@pytest.mark.parametrize("path", DATASHEET_PATHS, ids=SHEET_IDS)
def test_mirror_files_named_as_sources_exist_in_the_shared_mirror(path, shared_mirror):
    missing = sorted(
        source["path"]
        for source in _load(path)["sources"]
        if source.get("path", "").startswith("mirror:")
        and not (shared_mirror / source["path"].removeprefix("mirror:")).exists()
    )
    assert missing == []


def test_the_sample_datasheet_says_the_data_is_synthetic_and_made_by_the_script():
    sample_path = DATASHEETS_DIR / "sample.yaml"
    if not sample_path.is_file():
        pytest.fail("datasheets/sample.yaml is missing")
    sheet = _load(sample_path)
    assert "synthetic" in sheet["annotators"]["types"]
    purpose = sheet["motivation"]["purpose"]["answer"].lower()
    collection = sheet["collection_process"]["acquisition"]["answer"]
    assert "synthetic" in purpose
    assert "scripts/make_sample.py" in collection
    assert "seed" in collection.lower()


def test_datasets_with_per_rater_listener_attributes_ask_for_rater_attribute_sections():
    for path in DATASHEET_PATHS:
        sheet = _load(path)
        if (
            sheet["ethics"]["listener_attributes"]
            and "rater_attributes" not in sheet["generated_sections"]
        ):
            # Allowed only when the attributes cannot be joined to judgments (then say so).
            assert "cannot be linked" in sheet["ethics"]["listener_data"]["answer"], path.name


def test_the_schema_rejects_a_datasheet_missing_a_question_or_with_an_empty_unknown(validator):
    sheet = _load(DATASHEET_PATHS[0])
    without_question = copy.deepcopy(sheet)
    del without_question["composition"]["recommended_splits"]
    assert not validator.is_valid(without_question)

    empty_unknown = copy.deepcopy(sheet)
    empty_unknown["motivation"]["funding"] = {"answer": " ", "status": "unknown", "source": "x"}
    assert not validator.is_valid(empty_unknown)

    unlisted_question = copy.deepcopy(sheet)
    unlisted_question["uses"]["made_up_question"] = copy.deepcopy(sheet["uses"]["prior_uses"])
    assert not validator.is_valid(unlisted_question)

    bad_status = copy.deepcopy(sheet)
    bad_status["motivation"]["purpose"]["status"] = "probably"
    assert not validator.is_valid(bad_status)
