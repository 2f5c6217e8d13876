"""One contract over every catalog dataset (mirdata-style): adding a dataset cannot skip a check.

Each loadable dataset is ingested from its generated fixture through the real ingest path
(with the fixture's own checksums pinned in a test copy of the catalog), loaded, validated,
cached, and read back from the cache identically.
"""

from __future__ import annotations

import copy
import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest

from mer_datasets.catalog import catalog_from_entries, default_catalog, read_document
from mer_datasets.dataset import load_dataset
from mer_datasets.download.store import ingest_dataset
from mer_datasets.loaders import HELPER_MODULES, module_name
from mer_datasets.loaders.base import find_member, get_loader
from mer_datasets.resources import catalog_path
from mer_datasets.tables import CORE_COLUMNS, QUIRK_KIND
from tests.conftest import FIXTURES

LOADABLE = [info for info in default_catalog() if info.loadable]
FIXTURED = [info for info in LOADABLE if info.access != "embedded"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fixture_catalog(dataset_id: str):
    """The catalog with the dataset's pins replaced by its fixture files' hashes."""
    entries = copy.deepcopy(read_document(catalog_path())["datasets"])
    entry = next(e for e in entries if e["id"] == dataset_id)
    root = FIXTURES / dataset_id
    for version in entry["versions"]:
        for remote in version["remotes"]:
            members = [remote] if remote["kind"] == "file" else remote["members"]
            for member in members:
                if "directory" in member:  # pinned by a manifest of the fixture's files
                    _pin_directory(root, member)
                    continue
                found = find_member(root, member["path"])
                if found is None:
                    continue
                member["sha256"] = _sha256(found)
                member["size"] = found.stat().st_size
                member["checksum_source"] = "official"
            if remote["kind"] != "file":
                remote["sha256"], remote["size"], remote["checksum_source"] = None, None, "unknown"
    return catalog_from_entries(entries, source="fixture catalog")


REPO_ROOT = Path(__file__).resolve().parents[1]
LOADERS_DIR = REPO_ROOT / "mer_datasets" / "loaders"
CATALOG_LOADERS = sorted(
    {version.loader for info in default_catalog() for version in info.versions if version.loader}
)


def test_loaders_are_named_after_the_dataset_whose_format_they_read():
    """``catalog.yaml``'s ``loader:`` is ``module_name(id)`` of a catalog dataset, and every
    module of mer_datasets/loaders is a loader the catalog names or a declared helper."""
    names = {module_name(dataset_id) for dataset_id in default_catalog().ids()}
    assert CATALOG_LOADERS and set(CATALOG_LOADERS) <= names
    modules = {p.stem for p in LOADERS_DIR.glob("*.py")} - {"__init__"}
    assert modules - set(HELPER_MODULES) == set(CATALOG_LOADERS)
    assert set(HELPER_MODULES) <= modules


@pytest.mark.parametrize("loader", CATALOG_LOADERS)
def test_every_loader_has_a_generator_and_tests_of_the_same_name(loader):
    assert (REPO_ROOT / "tests" / "fixtures" / "generators" / f"{loader}.py").is_file()
    assert (REPO_ROOT / "tests" / "loaders" / f"test_{loader}.py").is_file()


@pytest.mark.parametrize("loader", CATALOG_LOADERS)
def test_no_loader_imports_another_loader(loader):
    """Shared raw formats live in helper modules (e.g. deam_format), not in another loader."""
    import ast

    tree = ast.parse((LOADERS_DIR / f"{loader}.py").read_text(encoding="utf-8"))
    imported = {
        node.module.split(".")[-1]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 1
    }
    assert not imported & (set(CATALOG_LOADERS) - {loader}), imported


def test_a_quirk_kind_outside_the_convention_is_refused():
    from mer_datasets.tables import QuirksReport

    report = QuirksReport("x")
    report.add("ragged-rows", 1, reason="r", effect="kept")
    for bad in ("ragged_rows", "Ragged-rows", "ragged rows", "-ragged", ""):
        with pytest.raises(ValueError, match="kebab-case"):
            report.add(bad, 1, reason="r", effect="kept")
    assert [q.kind for q in report.quirks] == ["ragged-rows"]


def _pin_directory(root: Path, member: dict) -> None:
    """A directory member's count and per-file manifest from the fixture's copy of the folder."""
    folders = (root / member["directory"], *root.glob(f"*/{member['directory']}"))
    folder = next((p for p in folders if p.is_dir()), None)
    if folder is None:
        return
    files = {p.name: _sha256(p) for p in folder.glob(member["pattern"]) if p.is_file()}
    member.update(count=len(files), manifest=files, checksum_source="official")


def test_every_loadable_dataset_has_a_fixture():
    missing = [info.id for info in FIXTURED if not (FIXTURES / info.id).is_dir()]
    assert not missing, f"generate fixtures for: {missing}"


@pytest.mark.parametrize("info", LOADABLE, ids=lambda i: i.id)
def test_every_loader_declares_a_version_and_a_load_function(info):
    for version in info.versions:
        if version.loader:
            module = get_loader(version.loader)
            assert isinstance(module.LOADER_VERSION, str) and module.LOADER_VERSION
            assert callable(module.load)


@pytest.mark.parametrize("info", FIXTURED, ids=lambda i: i.id)
def test_every_dataset_loads_from_its_fixture_through_ingest_and_meets_the_contract(info, tmp_path):
    catalog = fixture_catalog(info.id)
    fixture_info = catalog.get(info.id)
    for version in fixture_info.versions:
        if not version.loader:
            continue
        home = tmp_path / "home"
        ingest_dataset(fixture_info, FIXTURES / info.id, version.version, data_home=home)
        ds = load_dataset(
            info.id, version=version.version, catalog=catalog, data_home=home, offline=True
        )
        assert not ds.from_cache
        _assert_contract(ds, fixture_info)
        again = load_dataset(
            info.id, version=version.version, catalog=catalog, data_home=home, offline=True
        )
        assert again.from_cache
        for name in ("tracks", "raters", "annotations", "labels"):
            pd.testing.assert_frame_equal(getattr(again, name), getattr(ds, name), check_exact=True)
        assert again.quirks.to_records() == ds.quirks.to_records()


def _assert_contract(ds, info) -> None:
    for name, core in CORE_COLUMNS.items():
        frame = getattr(ds, name)
        assert list(frame.columns[: len(core)]) == list(core), name
    assert ds.citation and ds.license
    assert ds.tracks["track_id"].is_unique
    if not ds.annotations.empty:
        assert info.per_rater or len(ds.raters) > 0
        assert set(ds.annotations["rater_id"]) <= set(ds.raters["rater_id"])
        assert set(ds.annotations["track_id"]) <= set(ds.tracks["track_id"])
        assert ds.annotations["judgment_id"].is_unique
        one_of = ds.annotations["value"].notna() ^ ds.annotations["label"].notna()
        assert one_of.all()
    else:
        assert len(ds.annotations) == 0
    declared = {d.name for d in info.dimensions}
    used = set(ds.annotations["dimension"].astype(str)) | set(ds.labels["dimension"].astype(str))
    assert used <= declared
    assert ds.quirks.source_row_counts, "a loader must record the source rows it read"
    kinds = [q.kind for q in ds.quirks.quirks]
    assert all(QUIRK_KIND.fullmatch(kind) for kind in kinds), f"kinds not in kebab-case: {kinds}"
    assert len(ds.tracks) > 0


def test_the_embedded_sample_loads_offline_with_no_network():
    ds = load_dataset("sample", offline=True)
    assert len(ds.annotations) > 0 and len(ds.raters) > 0
    assert ds.info.synthetic
    assert ds.raters["mother_language"].nunique() >= 3


def test_the_cache_round_trips_types_exactly_and_hf_export_has_the_same_rows(tmp_path):
    ds = load_dataset("sample", offline=True)
    ds.to_parquet(tmp_path / "out")
    back = pd.read_parquet(tmp_path / "out" / "annotations.parquet")
    pd.testing.assert_frame_equal(back, ds.annotations, check_exact=True)
    hf = ds.to_hf()
    for name in ("tracks", "raters", "annotations", "labels"):
        frame = getattr(ds, name)
        assert hf[name].num_rows == len(frame)
        assert hf[name].column_names == list(frame.columns)
    assert (
        hf["annotations"].to_pandas()["judgment_id"].tolist()
        == ds.annotations["judgment_id"].tolist()
    )


def test_a_corrupt_cache_entry_is_detected_and_rebuilt(tmp_path):
    ds = load_dataset("sample", offline=True)
    home = Path(os.environ["MER_DATASETS_HOME"])
    entries = list((home / "sample").glob("*/cache/*/annotations.parquet"))
    assert entries
    entries[0].write_bytes(entries[0].read_bytes()[:100])
    again = load_dataset("sample", offline=True)
    assert not again.from_cache
    pd.testing.assert_frame_equal(again.annotations, ds.annotations, check_exact=True)
