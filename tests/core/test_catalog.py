"""The catalog: schema-valid, facts present, and bad entries rejected with named fields."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from mer_datasets.catalog import (
    catalog_from_entries,
    default_catalog,
    load_catalog,
    read_document,
    validate_document,
)
from mer_datasets.errors import CatalogError, UnknownDatasetError, UnknownVersionError
from mer_datasets.resources import catalog_path

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Every dataset the project promises, derived from what the repository ships for it: a fixture
#: (tests/fixtures/data/<id>), a curated datasheet (datasheets/<id>.yaml), and the sample.
REQUIRED_IDS = (
    {p.name for p in (REPO_ROOT / "tests" / "fixtures" / "data").iterdir() if p.is_dir()}
    | {p.stem for p in (REPO_ROOT / "datasheets").glob("*.yaml")}
    | {"sample"}
)


def _entries() -> list[dict]:
    return copy.deepcopy(read_document(catalog_path())["datasets"])


def test_the_packaged_catalog_validates_against_its_schema():
    assert validate_document(read_document(catalog_path())) == []


def test_the_catalog_lists_every_dataset_the_project_promises():
    assert len(REQUIRED_IDS) > 10  # the fixtures and datasheets were found
    assert set(default_catalog().ids()) >= REQUIRED_IDS


@pytest.mark.parametrize("info", list(default_catalog()), ids=lambda i: i.id)
def test_every_entry_has_citation_license_homepage_and_https_remotes(info):
    assert re.match(r"\s*@[A-Za-z]+\{[^,\s]+,", info.citation), "citation must be BibTeX"
    assert info.license.strip()
    assert info.homepage.startswith(("https://", "http://"))
    for version in info.versions:
        for remote in version.remotes:
            assert remote.url is None or remote.url.startswith("https://")
            if remote.sha256 is None:
                assert remote.checksum_source == "unknown"
            for member in remote.required_members():
                assert not member.path.startswith("/") and ".." not in member.path.split("/")
    if info.access == "gated":
        assert info.eula_url and info.how_to_obtain
    if info.synthetic:
        assert info.access == "embedded" and "synthetic" in info.description.lower()


def test_trompa_mer_has_both_exports_and_defaults_to_the_latest():
    info = default_catalog().get("trompa-mer")
    assert {"2022-03-07", "2024-09-20"} <= set(info.version_ids)
    assert info.version().version == "2024-09-20"
    assert info.version("2022-03-07").version == "2022-03-07"


def test_an_unknown_dataset_error_suggests_close_ids():
    with pytest.raises(UnknownDatasetError, match="trompa-mer"):
        default_catalog().get("trompa_mer")


def test_an_unknown_version_error_lists_the_versions():
    with pytest.raises(UnknownVersionError, match="2024-09-20"):
        default_catalog().get("trompa-mer").version("1999")


def test_a_plain_http_url_is_rejected_by_the_schema():
    entries = _entries()
    entry = next(e for e in entries if e["id"] == "trompa-mer")
    entry["versions"][0]["remotes"][0]["url"] = "http://example.org/data.json"
    with pytest.raises(CatalogError, match=r"trompa-mer.*url"):
        catalog_from_entries(entries)


def test_a_malformed_checksum_is_rejected_naming_the_dataset():
    entries = _entries()
    entry = next(e for e in entries if e["id"] == "trompa-mer")
    entry["versions"][0]["remotes"][0]["sha256"] = "abc"
    with pytest.raises(CatalogError, match=r"dataset 'trompa-mer'.*sha256"):
        catalog_from_entries(entries)


def test_an_unknown_checksum_cannot_claim_an_official_source():
    entries = _entries()
    entry = next(e for e in entries if e["id"] == "trompa-mer")
    entry["versions"][0]["remotes"][0]["sha256"] = None
    entry["versions"][0]["remotes"][0]["checksum_source"] = "official"
    with pytest.raises(CatalogError):
        catalog_from_entries(entries)


def test_a_default_version_that_is_not_listed_is_rejected():
    entries = _entries()
    entries[0]["default_version"] = "no-such-version"
    with pytest.raises(CatalogError, match="default_version"):
        catalog_from_entries(entries)


def test_a_loader_file_that_is_no_member_is_rejected():
    entries = _entries()
    entry = next(e for e in entries if e["id"] == "trompa-mer")
    entry["versions"][0]["files"]["export"] = "data/not-there.json"
    with pytest.raises(CatalogError, match="not a member"):
        catalog_from_entries(entries)


def test_member_paths_cannot_escape_the_dataset_folder():
    entries = _entries()
    entry = next(e for e in entries if e["id"] == "trompa-mer")
    entry["versions"][0]["remotes"][0]["path"] = "../../etc/passwd"
    with pytest.raises(CatalogError):
        catalog_from_entries(entries)


def test_invalid_yaml_is_a_catalog_error(tmp_path):
    bad = tmp_path / "catalog.yaml"
    bad.write_text("datasets: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog(bad)


def test_yaml_tags_that_construct_objects_are_refused(tmp_path):
    bad = tmp_path / "catalog.yaml"
    bad.write_text("!!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(CatalogError):
        load_catalog(bad)


def test_declared_dimensions_have_ordered_ranges():
    for info in default_catalog():
        for dim in info.dimensions:
            if dim.min is not None:
                assert dim.min < dim.max, (info.id, dim.name)


def test_catalog_yaml_round_trips_through_safe_dump():
    document = read_document(catalog_path())
    assert yaml.safe_load(yaml.safe_dump(document)) == document
