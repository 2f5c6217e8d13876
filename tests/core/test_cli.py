"""The command line: tables and JSON, exit codes 0/1/2, help everywhere, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from mer_datasets.catalog import default_catalog
from mer_datasets.cli import build_parser, main

COMMANDS = [
    "datasheet",
    "croissant",
    "card",
    "list",
    "info",
    "validate-catalog",
    "download",
    "verify",
    "ingest",
    "load",
    "stats",
    "agreement",
    "labels",
]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mer_datasets", *args], capture_output=True, text=True, timeout=120
    )


def test_list_shows_every_catalog_dataset_with_the_promised_columns(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header == [
        "id",
        "name",
        "year",
        "items",
        "raters",
        "taxonomy",
        "perspective",
        "access",
        "license",
    ]
    for dataset_id in default_catalog().ids():
        assert dataset_id in out


def test_list_json_is_machine_readable(capsys):
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows} == set(default_catalog().ids())
    assert {"taxonomy", "perspective", "access", "license", "items", "raters", "year"} <= set(
        rows[0]
    )


def test_info_shows_citation_license_and_files(capsys):
    assert main(["info", "trompa-mer"]) == 0
    out = capsys.readouterr().out
    info = default_catalog().get("trompa-mer")
    assert info.citation.splitlines()[0] in out
    assert info.license in out
    assert "data_20_09_2024.json" in out and "2022-03-07" in out


def test_info_json_is_the_catalog_entry(capsys):
    assert main(["info", "deap", "--json"]) == 0
    entry = json.loads(capsys.readouterr().out)
    assert entry["id"] == "deap" and entry["access"] == "gated"


def test_validate_catalog_succeeds_on_the_packaged_catalog(capsys):
    assert main(["validate-catalog"]) == 0
    assert "valid" in capsys.readouterr().out


def test_validate_catalog_fails_with_exit_1_and_names_the_problem(tmp_path, capsys):
    bad = tmp_path / "catalog.yaml"
    bad.write_text("schema_version: 1\ndatasets:\n  - id: Bad_Id\n", encoding="utf-8")
    assert main(["validate-catalog", str(bad)]) == 1
    assert "problem" in capsys.readouterr().err


def test_an_unknown_dataset_exits_1_with_a_message_and_no_traceback():
    result = run_cli("info", "no-such-dataset")
    assert result.returncode == 1
    assert "unknown dataset 'no-such-dataset'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_usage_error_exits_2():
    result = run_cli("info")
    assert result.returncode == 2
    assert "usage" in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage" in capsys.readouterr().out


def test_downloading_a_gated_dataset_explains_how_to_get_it(capsys):
    assert main(["download", "deap"]) == 1
    err = capsys.readouterr().err
    info = default_catalog().get("deap")
    assert info.eula_url in err
    assert "mer-datasets ingest deap" in err
    for member in info.version().members():
        assert member.path in err


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_load_writes_the_tables_and_reports_each_files_row_count(fmt, tmp_path, capsys):
    import pandas as pd

    assert main(["load", "sample", "--out", str(tmp_path), "--format", fmt]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "tracks", "raters", "annotations", "labels", "quirks",
    ]  # fmt: skip
    read = pd.read_parquet if fmt == "parquet" else pd.read_csv
    for line in lines:
        name, rows, _, path = line.split()
        assert int(rows) == len(read(path)), name


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_the_package_version_is_printed_by_both_flags(flag, capsys):
    from mer_datasets import __version__

    with pytest.raises(SystemExit) as exit_info:
        main([flag])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"mer-datasets {__version__}"


def test_a_dataset_version_after_the_command_is_still_the_dataset_version(capsys):
    assert main(["stats", "sample", "--version", "no-such-version"]) == 1
    assert "has no version 'no-such-version'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv", [["--debug", "info", "no-such-dataset"], ["info", "no-such-dataset", "--debug"]]
)
def test_debug_shows_the_traceback_before_or_after_the_command(argv):
    result = run_cli(*argv)
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "UnknownDatasetError" in result.stderr


def test_without_debug_an_error_has_no_traceback():
    result = run_cli("info", "no-such-dataset")
    assert "Traceback" not in result.stderr
