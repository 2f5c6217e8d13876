"""Every dataset exports to Hugging Face ``datasets``, and exports never clobber or leave debris.

Issue 11 #2: ``to_hf()`` failed on every dataset with an empty table (an empty categorical became
``dictionary<values=null>``), and the card's empty Parquet files were rejected by
``datasets.load_dataset``. Issue 18 #22: ``croissant --out`` an existing folder failed and left
``X.tmp`` / ``X-tables/``; ``card --out`` overwrote an edited README.md.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mer_datasets.cli import main
from mer_datasets.dataset import load_dataset
from mer_datasets.datasheet.build import build_datasheet
from mer_datasets.datasheet.croissant import TABLES, write_croissant
from mer_datasets.datasheet.hfcard import read_front_matter, write_card
from mer_datasets.datasheet.outputs import OutputExistsError
from mer_datasets.download.store import ingest_dataset
from mer_datasets.export import arrow_table
from tests.conftest import FIXTURES
from tests.test_contract import FIXTURED, fixture_catalog

datasets = pytest.importorskip("datasets", reason="the Hugging Face `datasets` package is needed")


def _fixture_dataset(dataset_id: str, home):
    catalog = fixture_catalog(dataset_id)
    info = catalog.get(dataset_id)
    ingest_dataset(info, FIXTURES / dataset_id, None, data_home=home)
    return load_dataset(dataset_id, catalog=catalog, data_home=home, offline=True, cache=False)


def test_an_empty_categorical_table_keeps_its_declared_column_types():
    frame = pd.DataFrame(
        {
            "track_id": pd.Series([], dtype="string"),
            "dimension": pd.Series([], dtype="category"),
            "value": pd.Series([], dtype="Float64"),
            "unknown": pd.Series([], dtype=object),
        }
    )
    types = {f.name: str(f.type).replace("large_", "") for f in arrow_table(frame).schema}
    assert types == {
        "track_id": "string",
        "dimension": "string",
        "value": "double",
        "unknown": "string",
    }


@pytest.mark.parametrize("info", FIXTURED, ids=lambda i: i.id)
def test_to_hf_works_on_every_dataset_fixture_and_keeps_rows_and_columns(info, tmp_path):
    ds = _fixture_dataset(info.id, tmp_path / "home")
    hf = ds.to_hf()
    for name in TABLES:
        frame = getattr(ds, name)
        assert hf[name].num_rows == len(frame), name
        assert hf[name].column_names == list(frame.columns), name
        if len(frame):
            first = frame.columns[0]
            back = hf[name].to_pandas()[first].astype("string")
            assert back.tolist() == frame[first].astype("string").tolist(), name


@pytest.mark.parametrize("info", FIXTURED, ids=lambda i: i.id)
def test_the_card_folder_loads_with_datasets_for_every_declared_config(info, tmp_path):
    ds = _fixture_dataset(info.id, tmp_path / "home")
    sheet = build_datasheet(ds, bootstrap=0, seed=0)
    readme = write_card(sheet, ds, tmp_path / "card")
    configs = read_front_matter(readme.read_text(encoding="utf-8"))["configs"]
    declared = [c["config_name"] for c in configs]
    assert declared == [name for name in TABLES if len(getattr(ds, name))]
    files = {p.name for p in (tmp_path / "card").iterdir()}
    assert files == {"README.md", *(f"{name}.parquet" for name in declared)}
    for name in declared:
        loaded = datasets.load_dataset(
            str(tmp_path / "card"), name, split="train", cache_dir=str(tmp_path / "hf-cache")
        )
        assert loaded.num_rows == len(getattr(ds, name)), name
        assert loaded.column_names == list(getattr(ds, name).columns), name


@pytest.fixture(scope="module")
def sample_sheet():
    ds = load_dataset("sample", offline=True, cache=False)
    return build_datasheet(ds, bootstrap=0, seed=0), ds


def test_croissant_into_an_existing_folder_writes_inside_it(sample_sheet, tmp_path):
    sheet, ds = sample_sheet
    path = write_croissant(sheet, ds, tmp_path)
    assert path == tmp_path / "sample-croissant.json"
    assert json.loads(path.read_text(encoding="utf-8"))["name"]
    assert (tmp_path / "sample-croissant-tables" / "tracks.parquet").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "sample-croissant-tables",
        "sample-croissant.json",
    ]


def test_existing_outputs_are_refused_untouched_without_force_and_replaced_with_it(
    sample_sheet, tmp_path
):
    sheet, ds = sample_sheet
    (tmp_path / "README.md").write_text("my edited card\n", encoding="utf-8")
    with pytest.raises(OutputExistsError, match=r"README\.md.*--force"):
        write_card(sheet, ds, tmp_path)
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "my edited card\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]
    write_card(sheet, ds, tmp_path, force=True)
    assert read_front_matter((tmp_path / "README.md").read_text(encoding="utf-8"))["configs"]

    json_path = tmp_path / "x.json"
    write_croissant(sheet, ds, json_path)
    before = json_path.read_bytes()
    with pytest.raises(OutputExistsError, match="x.json"):
        write_croissant(sheet, ds, json_path)
    assert json_path.read_bytes() == before
    write_croissant(sheet, ds, json_path, force=True)
    assert json.loads(json_path.read_text(encoding="utf-8"))["name"]


def test_a_failure_while_writing_leaves_no_partial_output(sample_sheet, tmp_path, monkeypatch):
    sheet, ds = sample_sheet

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("mer_datasets.datasheet.croissant.croissant_document", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_croissant(sheet, ds, tmp_path / "x.json")
    monkeypatch.setattr("mer_datasets.datasheet.hfcard.card_body", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_card(sheet, ds, tmp_path / "card")
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_an_existing_card_with_exit_1_and_a_message(tmp_path, capsys):
    (tmp_path / "README.md").write_text("mine\n", encoding="utf-8")
    assert main(["card", "sample", "--out", str(tmp_path), "--bootstrap", "0"]) == 1
    err = capsys.readouterr().err
    assert "README.md" in err and "--force" in err and "Traceback" not in err
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "mine\n"
    assert main(["card", "sample", "--out", str(tmp_path), "--bootstrap", "0", "--force"]) == 0
    assert (tmp_path / "tracks.parquet").is_file()
