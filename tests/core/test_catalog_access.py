"""The catalog's access values say what ``download`` can do (issue 11 #8).

``open`` means every required file has a direct URL; ``manual`` means the data is free but at
least one required file has no known URL (fetched by hand, then ``ingest``). ``verify`` reports a
missing optional file as ``missing-optional`` and still exits 0.
"""

from __future__ import annotations

import json
import shutil

import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.cli import main
from mer_datasets.download.store import ingest_dataset
from tests.conftest import FIXTURES
from tests.test_contract import fixture_catalog

CATALOG = list(default_catalog())


def _required_remotes(info):
    return [r for r in info.version().remotes if not r.optional]


@pytest.mark.parametrize("info", [i for i in CATALOG if i.access == "open"], ids=lambda i: i.id)
def test_an_open_dataset_has_a_url_for_every_required_file(info):
    assert all(r.url for r in _required_remotes(info)), info.id


@pytest.mark.parametrize("info", [i for i in CATALOG if i.access == "manual"], ids=lambda i: i.id)
def test_a_manual_dataset_lacks_a_url_and_says_how_to_obtain_it(info):
    assert any(r.url is None for r in _required_remotes(info)), info.id
    assert info.how_to_obtain and "ingest" in info.how_to_obtain


def test_the_datasets_without_a_known_url_are_manual():
    manual = {i.id for i in CATALOG if i.access == "manual"}
    assert {"emomusic", "emotify", "soundtracks"} <= manual


def test_emotify_declares_no_rater_count_and_deam_no_per_rater_files():
    catalog = default_catalog()
    assert catalog.get("emotify").counts["raters"] is None
    assert not catalog.get("deam").per_rater


def test_verify_reports_missing_optional_files_and_exits_0(tmp_path, monkeypatch, capsys):
    source = tmp_path / "deam"
    shutil.copytree(FIXTURES / "deam", source)
    shutil.rmtree(source / "DEAM_Annotations" / "annotations" / "annotations per each rater")
    catalog = fixture_catalog("deam")
    home = tmp_path / "home"
    ingest_dataset(catalog.get("deam"), source, None, data_home=home)
    monkeypatch.setenv("MER_DATASETS_HOME", str(home))
    monkeypatch.setattr("mer_datasets.cli._catalog", lambda args: catalog)
    assert main(["verify", "deam", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    statuses = {row["status"] for row in rows}
    assert "missing-optional" in statuses and "missing" not in statuses
    optional = {m.path for m in catalog.get("deam").version().members() if m.optional}
    assert {r["file"] for r in rows if r["status"] == "missing-optional"} <= optional
