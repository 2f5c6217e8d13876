"""Guarantees of the Croissant and Hugging Face card exports."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.dataset import MERDataset, load_dataset
from mer_datasets.datasheet.build import build_datasheet
from mer_datasets.datasheet.croissant import CONFORMS_TO, TABLES, write_croissant
from mer_datasets.datasheet.hfcard import read_front_matter, write_card


@pytest.fixture(scope="module")
def sample() -> MERDataset:
    return load_dataset("sample", offline=True, cache=False)


@pytest.fixture(scope="module")
def sheet(sample: MERDataset) -> dict:
    return build_datasheet(sample, bootstrap=30, seed=0)


def _unavailable_sheet() -> dict:
    info = default_catalog().get("trompa-mer")
    return build_datasheet(None, info=info, unavailable_reason="offline and not downloaded")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_croissant_loads_in_mlcroissant_and_every_record_set_reads_back(
    sample, sheet, tmp_path, fmt
) -> None:
    mlc = pytest.importorskip(
        "mlcroissant", reason="mlcroissant is not installed (pip install mlcroissant)"
    )
    path = write_croissant(sheet, sample, tmp_path / "sample.json", fmt=fmt)
    dataset = mlc.Dataset(jsonld=path)
    assert not dataset.metadata.ctx.issues.errors
    for table in TABLES:
        records = list(dataset.records(record_set=table))
        assert len(records) == len(getattr(sample, table))
    first = next(iter(dataset.records(record_set="annotations")))
    assert first["annotations/judgment_id"].decode() == sample.annotations["judgment_id"].iloc[0]


def test_croissant_files_have_their_sha256_and_rai_properties(sample, sheet, tmp_path) -> None:
    path = write_croissant(sheet, sample, tmp_path / "sample.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["conformsTo"] == CONFORMS_TO and document["@type"] == "sc:Dataset"
    assert {f["name"] for f in document["distribution"]} == {f"{t}.parquet" for t in TABLES}
    for file in document["distribution"]:
        data = (tmp_path / file["contentUrl"]).read_bytes()
        assert file["sha256"] == hashlib.sha256(data).hexdigest()
    record_sets = {rs["@id"]: rs for rs in document["recordSet"]}
    tracks = pd.read_parquet(tmp_path / "sample-tables" / "tracks.parquet")
    assert [f["name"] for f in record_sets["tracks"]["field"]] == list(tracks.columns)
    per_track = sheet["generated"]["judgments_distribution"]["raters_per_track"]
    assert f"median {per_track['median']:g}" in document["rai:annotationsPerItem"]
    alpha = sheet["generated"]["agreement"]["overall"][0]
    assert any(f"{alpha['value']:.3f}" in text for text in document["rai:dataAnnotationAnalysis"])
    assert any("mother_language" in text for text in document["rai:annotatorDemographics"])


def test_croissant_without_data_describes_no_tables_and_says_how_to_get_them(tmp_path) -> None:
    sheet = _unavailable_sheet()
    path = write_croissant(sheet, None, tmp_path / "trompa.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["distribution"] == [] and document["recordSet"] == []
    assert "mer-datasets" in document["description"]
    assert not (tmp_path / "trompa-tables").exists()


def test_hf_card_front_matter_parses_with_the_required_keys(sample, sheet, tmp_path) -> None:
    path = write_card(sheet, sample, tmp_path)
    meta = read_front_matter(path.read_text(encoding="utf-8"))
    assert {"license", "pretty_name", "task_categories", "tags", "configs", "citation"} <= set(meta)
    assert meta["license"] == "cc0-1.0" and meta["pretty_name"] == sample.info.name
    assert [c["config_name"] for c in meta["configs"]] == list(TABLES)
    for config in meta["configs"]:
        table = pd.read_parquet(tmp_path / config["data_files"][0]["path"])
        assert len(table) == len(getattr(sample, config["config_name"]))
    assert meta["citation"] == sample.citation.strip()


def test_hf_card_without_data_has_no_configs_and_a_note(tmp_path) -> None:
    path = write_card(_unavailable_sheet(), None, tmp_path)
    text = path.read_text(encoding="utf-8")
    meta = read_front_matter(text)
    assert meta["configs"] == [] and meta["license"]
    assert "The tables are not included" in text
