"""Rating protocols: where the catalog declares several (DEAP: lab and online), the agreement
report gives each its own figures and the pooled one only on request."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from mer_datasets.agreement.alpha import krippendorff_alpha
from mer_datasets.agreement.protocols import RatingProtocols
from mer_datasets.agreement.report import agreement_report
from mer_datasets.catalog import default_catalog
from mer_datasets.cli import main
from mer_datasets.dataset import agreement_context, default_levels, load_dataset
from mer_datasets.download.store import ingest_dataset
from mer_datasets.errors import AgreementError
from mer_datasets.pipeline import load_from_directory
from tests.conftest import FIXTURES


def deap_fixture():
    catalog = default_catalog()
    tables, _ = load_from_directory("deap", FIXTURES / "deap", catalog=catalog)
    return catalog.get("deap"), tables


def valence_alpha(annotations: pd.DataFrame, setting: str | None) -> float:
    rows = annotations[annotations["dimension"] == "valence"]
    if setting is not None:
        rows = rows[rows["setting"] == setting]
    return krippendorff_alpha(rows, item="track_id", value="value", level="interval")


def test_the_catalog_declares_deaps_protocols():
    context = agreement_context(default_catalog().get("deap"))
    assert context["protocols"] == RatingProtocols(
        "setting", ("lab", "online"), context["protocols"].note
    )
    assert agreement_context(default_catalog().get("trompa-mer"))["protocols"] is None


def test_by_default_each_protocol_has_its_own_figures_and_none_is_pooled():
    info, tables = deap_fixture()
    report = agreement_report(
        tables.annotations, tables.raters, levels=default_levels(info), dimensions=["valence"],
        bootstrap=0, metrics=["krippendorff_alpha"], **agreement_context(info),
    )  # fmt: skip
    assert report["protocol"].tolist() == ["lab", "online"]
    figures = report.set_index("protocol")["value"]
    for setting in ("lab", "online"):
        assert figures[setting] == pytest.approx(
            valence_alpha(tables.annotations, setting), abs=1e-12
        )
    assert "reported separately, not pooled" in report.attrs["context"][0]


def test_the_pooled_figure_comes_on_request_with_a_note():
    info, tables = deap_fixture()
    report = agreement_report(
        tables.annotations, tables.raters, levels=default_levels(info), dimensions=["valence"],
        bootstrap=0, metrics=["krippendorff_alpha"], pool_protocols=True, **agreement_context(info),
    )  # fmt: skip
    assert report["protocol"].tolist() == ["lab", "online", "pooled"]
    pooled = report.set_index("protocol").loc["pooled"]
    assert pooled["value"] == pytest.approx(valence_alpha(tables.annotations, None), abs=1e-12)
    assert "pooled over rating protocols (lab, online)" in pooled["note"]


def test_a_declared_protocol_column_the_judgments_lack_is_an_error():
    info, tables = deap_fixture()
    with pytest.raises(AgreementError, match="column 'setting'"):
        agreement_report(
            tables.annotations.drop(columns="setting"), None, bootstrap=0,
            protocols=RatingProtocols("setting", ("lab", "online")),
        )  # fmt: skip


@pytest.mark.filterwarnings("ignore:.*differs from the third-party pin")
def test_the_cli_separates_protocols_and_pools_on_request(tmp_path, capsys):
    home = tmp_path / "home"
    ingest_dataset(default_catalog().get("deap"), FIXTURES / "deap", data_home=home)
    common = ["agreement", "deap", "--data-home", str(home), "--offline", "--dimension", "valence",
              "--bootstrap", "0", "--metrics", "krippendorff_alpha"]  # fmt: skip
    assert main([*common, "--format", "json"]) == 0
    separate = json.loads(capsys.readouterr().out)
    assert [r["protocol"] for r in separate] == ["lab", "online"]
    assert main([*common, "--pool-protocols"]) == 0
    text = capsys.readouterr().out
    assert "pooled" in text and "reported separately and pooled" in text


@pytest.mark.real_data
def test_deap_valence_alpha_is_0_478_lab_and_0_224_online_and_0_331_only_when_pooled(
    shared_mirror, tmp_path
):
    home = tmp_path / "home"
    ingest_dataset(default_catalog().get("deap"), shared_mirror / "deap", data_home=home)
    dataset = load_dataset("deap", data_home=home, offline=True)
    options = dict(dimensions=["valence"], bootstrap=0, metrics=["krippendorff_alpha"])
    separate = dataset.agreement(**options).set_index("protocol")["value"]
    assert list(separate.index) == ["lab", "online"]
    assert round(separate["lab"], 3) == 0.478 and round(separate["online"], 3) == 0.224
    pooled = dataset.agreement(pool_protocols=True, **options).set_index("protocol")["value"]
    assert round(pooled["pooled"], 3) == 0.331
    # the independent figures: alpha of the rows of each setting, selected by hand
    annotations = dataset.annotations
    assert separate["lab"] == pytest.approx(valence_alpha(annotations, "lab"), abs=1e-12)
    assert pooled["pooled"] == pytest.approx(valence_alpha(annotations, None), abs=1e-12)


@pytest.mark.filterwarnings("ignore:.*differs from the third-party pin")
@pytest.mark.parametrize("pool", [False, True])
def test_the_pandas_free_path_separates_protocols_exactly_as_the_dataframe_path(pool, tmp_path):
    import argparse

    from mer_datasets.agreement.cli import _records_from_judgments, add_arguments
    from mer_datasets.agreement.render import render_records
    from mer_datasets.agreement.report import to_json_records
    from mer_datasets.cached_agreement import cached_judgments_with

    home = tmp_path / "home"
    info = default_catalog().get("deap")
    ingest_dataset(info, FIXTURES / "deap", data_home=home)
    dataset = load_dataset("deap", data_home=home, offline=True)
    context = agreement_context(info)
    found = cached_judgments_with(info, info.version(), ("setting",), data_home=home)
    assert found is not None
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    argv = ["deap", "--bootstrap", "100", "--dimension", "valence", "--dimension", "arousal"]
    args = parser.parse_args(argv + (["--pool-protocols"] if pool else []))
    fast = _records_from_judgments(
        found[0], default_levels(info), args, context["protocols"], found[1]["setting"]
    )
    full = dataset.agreement(dimensions=["valence", "arousal"], bootstrap=100, pool_protocols=pool)
    assert render_records(fast, "json") == render_records(to_json_records(full), "json")
    assert {r["protocol"] for r in fast} == (
        {"lab", "online", "pooled"} if pool else {"lab", "online"}
    )
    assert args.protocols_context == full.attrs["context"]
