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


# -- agreement output formatting (issue 11 #6, #13) --------------------------------------


def _write(path, header: str, rows: list[tuple]) -> str:
    path.write_text(header + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return str(path)


def test_natural_key_orders_digit_runs_as_numbers_and_keeps_ids_distinct():
    from mer_datasets.agreement.report import natural_key

    ids = ["r10", "10", "r2", "007", "2", "7", "r1", "1"]
    assert sorted(ids, key=natural_key) == ["1", "2", "007", "7", "10", "r1", "r2", "r10"]


def test_raters_are_listed_in_natural_order_with_integer_counts_and_dataset_figures_once(
    tmp_path, capsys
):
    import pandas as pd

    from mer_datasets.agreement.report import raters_report

    # raters 1, 2, 10 rate items a-c; rater 10 rates item a twice (a test-retest pair)
    rows = [
        ("a", "1", 1), ("b", "1", 2), ("c", "1", 3),
        ("a", "2", 1), ("b", "2", 3), ("c", "2", 3),
        ("a", "10", 2), ("b", "10", 2), ("c", "10", 3), ("a", "10", 2),
    ]  # fmt: skip
    path = _write(tmp_path / "r.csv", "track_id,rater_id,value", rows)
    assert main(["agreement", path, "--raters", "--level", "interval"]) == 0
    out = capsys.readouterr().out
    table, footer = out.split("\nper dimension, over all raters:\n")
    lines = table.strip().splitlines()
    header = lines[0].split()
    assert "between_rater_alpha" not in header and "test_retest_alpha" not in header
    raters = [line.split()[header.index("rater_id")] for line in lines[1:]]
    assert raters == ["1", "2", "10"]
    assert ".0000" not in " ".join(lines[-1].split()[3:5])  # n_judgments, n_items
    row_10 = lines[-1].split()
    assert row_10[header.index("n_judgments")] == "3"  # latest of the repeat
    assert row_10[header.index("n_repeated_items")] == "1"
    frame = pd.read_csv(path, dtype={"track_id": str, "rater_id": str}).assign(dimension="value")
    expected = raters_report(frame, levels={"value": "interval"})
    alpha = expected["between_rater_alpha"].iloc[0]
    assert footer.strip() == (
        f"value: between-rater alpha {alpha:.3f}, test-retest alpha "
        + (
            "undefined"
            if expected["test_retest_alpha"].isna().all()
            else f"{expected['test_retest_alpha'].iloc[0]:.3f}"
        )
    )


def test_items_report_marks_single_rater_items_flags_modal_ties_and_prints_unanimity_as_0(
    tmp_path, capsys
):
    rows = [
        ("same", "r1", "x"), ("same", "r2", "x"), ("same", "r3", "x"),
        ("tied", "r1", "x"), ("tied", "r2", "y"),
        ("split", "r1", "x"), ("split", "r2", "x"), ("split", "r3", "y"),
        ("alone", "r1", "z"),
    ]  # fmt: skip
    path = _write(tmp_path / "i.csv", "track_id,rater_id,label", rows)
    assert main(["agreement", path, "--items", "--format", "csv"]) == 0
    import io

    import pandas as pd

    frame = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert frame["track_id"].tolist() == ["tied", "split", "same", "alone"]
    assert frame["rank"].tolist()[:3] == [1, 2, 3] and pd.isna(frame["rank"].iloc[3])
    assert frame["single_rater"].tolist() == [False, False, False, True]
    assert frame["modal_tie"].tolist() == [True, False, False, False]
    assert main(["agreement", path, "--items"]) == 0
    table = capsys.readouterr().out
    same = next(line for line in table.splitlines() if " same " in f" {line} ")
    assert "-0" not in same and " 0.0000 " in same


def test_the_main_job_says_the_sample_is_synthetic_and_how_to_read_alpha(capsys):
    from mer_datasets.agreement.render import ALPHA_READING

    assert main(["agreement", "sample", "--bootstrap", "0"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "no real listeners" in out
    assert ALPHA_READING in out and "Krippendorff 2004" in ALPHA_READING
    assert "0.800" in ALPHA_READING and "0.667" in ALPHA_READING


def test_a_file_report_is_not_called_synthetic(tmp_path, capsys):
    rows = [("a", "r1", 1), ("a", "r2", 2), ("b", "r1", 3), ("b", "r2", 3)]
    path = _write(tmp_path / "f.csv", "track_id,rater_id,value", rows)
    assert main(["agreement", path, "--bootstrap", "0"]) == 0
    assert "SYNTHETIC" not in capsys.readouterr().out


def test_the_where_help_example_selects_judgments_of_the_sample(capsys):
    import re

    parser = build_parser()
    help_text = parser._subparsers._group_actions[0].choices["agreement"].format_help()
    example = re.search(r"e\.g\. on sample or trompa-mer: '(.+?)'", " ".join(help_text.split()))
    assert example, help_text
    expression = example.group(1)
    assert main(["agreement", "sample", "--where", expression, "--bootstrap", "0"]) == 0
    out = capsys.readouterr().out
    assert "krippendorff_alpha" in out
    assert f"filter (--where): {expression}" in out


def test_the_footer_echoes_the_filter_and_the_grouping(capsys):
    argv = ["agreement", "sample", "--where", "familiarity == 1", "--by", "mother_language"]
    assert main([*argv, "--bootstrap", "0"]) == 0
    out = capsys.readouterr().out
    assert "filter (--where): familiarity == 1" in out
    assert "grouping (--by): mother_language" in out
    assert main([*argv, "--items"]) == 0
    out = capsys.readouterr().out
    assert "filter (--where): familiarity == 1" in out
    assert "grouping (--by): mother_language is not applied" in out


def test_agreement_on_a_dataset_without_per_rater_judgments_says_what_it_publishes(
    tmp_path, monkeypatch, capsys
):
    import mer_datasets.catalog as catalog_module
    from mer_datasets.download.store import ingest_dataset
    from tests.conftest import FIXTURES
    from tests.test_contract import fixture_catalog

    catalog = fixture_catalog("4qaed")
    home = tmp_path / "home"
    ingest_dataset(catalog.get("4qaed"), FIXTURES / "4qaed", data_home=home)
    monkeypatch.setattr(catalog_module, "default_catalog", lambda: catalog)
    assert main(["load", "4qaed", "--data-home", str(home), "--out", str(tmp_path / "t")]) == 0
    capsys.readouterr()
    import pandas as pd

    labels = pd.read_parquet(tmp_path / "t" / "labels.parquet")
    assert len(labels) > 0
    assert main(["agreement", "4qaed", "--data-home", str(home), "--offline"]) == 1
    err = capsys.readouterr().err
    assert "publishes no per-rater judgments" in err
    assert f"{len(labels)} aggregated labels of {labels['track_id'].nunique()} tracks" in err
    assert "mer-datasets labels 4qaed --table labels" in err


def test_close_matches_suggest_the_columns_a_name_is_part_of_or_a_misspelling_of():
    from mer_datasets.agreement.where import close_matches

    columns = ["age", "anger", "survey_language", "native_language", "familiarity"]
    assert close_matches("language", columns) == ["survey_language", "native_language"]
    assert close_matches("familarity", columns) == ["familiarity"]
    assert close_matches("zzz", columns) == []


@pytest.mark.parametrize(
    ("option", "value"), [("--by", "language"), ("--where", 'language == "es"')]
)
def test_an_unknown_by_or_where_column_suggests_close_matches(option, value, capsys):
    assert main(["agreement", "sample", option, value, "--bootstrap", "0"]) == 1
    err = capsys.readouterr().err
    assert "no column 'language'" in err
    assert "did you mean 'mother_language' or 'other_languages'?" in err


# -- hostile --where expressions (issue 18 #14) ------------------------------------------

HOSTILE_WHERE = {
    "4299-digit integer": ("familiarity == " + "9" * 4299, "characters long"),
    "1000-digit integer": ("familiarity == " + "9" * 1000, "number out of range"),
    "not x 5000": ("not " * 5000 + "familiarity > 1", "characters long"),
    "not x 100": ("not " * 100 + "familiarity > 1", "nests too deeply"),
    "1000 nested parens": ("(" * 1000 + "familiarity > 1" + ")" * 1000, "characters long"),
    "100 nested parens": ("(" * 100 + "familiarity > 1" + ")" * 100, "nests too deeply"),
    "list compared with ==": ("familiarity == [1,2]", "a list can only follow 'in'"),
    "infinite number": ("familiarity < 1e999", "number out of range"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_WHERE))
def test_hostile_where_expressions_are_refused_with_a_typed_error_and_exit_1(case, capsys):
    from mer_datasets.agreement.where import WhereError, where_mask

    expression, message = HOSTILE_WHERE[case]
    with pytest.raises(WhereError, match=message):
        where_mask(__import__("pandas").DataFrame({"familiarity": [0.0, 1.0]}), expression)
    assert main(["agreement", "sample", "--where", expression, "--bootstrap", "0"]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err) < 1000


def test_bounded_where_expressions_within_the_limits_still_work():
    import pandas as pd

    from mer_datasets.agreement.where import MAX_DEPTH, where_mask

    table = pd.DataFrame({"familiarity": [0.0, 1.0]})
    nested = "(" * MAX_DEPTH + "familiarity == 1" + ")" * MAX_DEPTH
    assert where_mask(table, nested).tolist() == [False, True]
    assert where_mask(table, "not not familiarity == 1").tolist() == [False, True]
    assert where_mask(table, "familiarity in [1, 2]").tolist() == [False, True]
    assert where_mask(table, 'familiarity == 1 or "((((((((((((((((((((" == "x"').tolist() == [
        False,
        True,
    ]


# -- argument types and column choices (issue 18 #11) ------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"levels": "interval"}, "levels must be a mapping"),
        ({"levels": {"valence": "intervall"}}, "unknown level"),
        ({"dimensions": "valence"}, "dimensions must be a list"),
        ({"bootstrap_method": "x", "bootstrap": 0}, "unknown bootstrap_method 'x'"),
        ({"bootstrap": 1.5}, "bootstrap must be a whole number"),
        ({"bootstrap": 100_001}, "more than the 100,000 allowed"),
        ({"by": ["mother_language"]}, "by must be one column name"),
    ],
)
def test_wrong_argument_types_are_refused_at_the_boundary(kwargs, message):
    from mer_datasets import load_dataset
    from mer_datasets.errors import AgreementError

    ds = load_dataset("sample")
    with pytest.raises(AgreementError, match=message):
        ds.agreement(**{"bootstrap": 0, **kwargs})
    if set(kwargs) <= {"levels", "dimensions"}:
        for report in (ds.agreement_items, ds.agreement_raters):
            with pytest.raises(AgreementError, match=message):
                report(**kwargs)


def test_right_argument_types_still_work():
    from mer_datasets import load_dataset

    ds = load_dataset("sample")
    frame = ds.agreement(dimensions=("valence",), levels={"valence": "nominal"}, bootstrap=0)
    assert frame["dimension"].tolist() == ["valence"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--item", "rater", "--rater", "rater"], "--item and --rater name the same column"),
        (["--item", "song", "--rater", "rater"], "--item song would be read as 'track_id'"),
        (
            ["--item", "track_id", "--rater", "rater", "--value", "score"],
            "--value score would be read as 'value'",
        ),
    ],
)
def test_column_choices_that_would_read_the_wrong_column_are_refused(
    options, message, tmp_path, capsys
):
    rows = [("a", "1", "r1", 3, 5), ("a", "1", "r2", 4, 5), ("b", "2", "r1", 1, 5)]
    path = _write(tmp_path / "c.csv", "song,track_id,rater,score,value", rows)
    assert main(["agreement", path, *options, "--bootstrap", "0"]) == 1
    err = capsys.readouterr().err
    assert message in err and "c.csv" in err and "Traceback" not in err
