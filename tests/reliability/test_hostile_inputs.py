"""Hostile user files, arguments and extreme values through the real CLI and API (issue 18).

The surfaces of issue 18 that are not downloads: a researcher's own file (#6 ids with leading
zeros, #7 text in a numeric column, #8 ambiguous timestamps, #21 path-looking arguments and
delimiters), arguments (#11 wrong types and column choices, #14 ``--where`` size and depth,
#15 the resample bound) and values (#9 non-finite and extreme magnitudes, #12 degenerate ICC,
#20 the group-count bound). Each case runs ``mer_datasets.cli.main`` or the public API on a
small file written here (offline, a few kB), asserts the reviewed outcome and records a row
for docs/guarantees.md (topics ``user_files``, ``arguments`` and ``degenerate``). The
numbers are checked against the ``krippendorff`` package on the same ratings.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mer_datasets.cli import main
from tests.reliability import harness

CLEAN = "item,rater,value\na,r1,1\na,r2,2\nb,r1,4\nb,r2,5\nc,r1,3\nc,r2,3\n"
ZEROS = [("1", "7", 3), ("01", "007", 4), ("001", "7", 2), ("1", "007", 3), ("01", "7", 4),
         ("001", "007", 1)]  # fmt: skip
RETEST = (
    "item,rater,value,timestamp\na,r1,1,{early}\na,r1,5,{late}\na,r2,5,{early}\n"
    "b,r1,2,{early}\nb,r2,2,{early}\n"
)


def _cli(capsys, argv: list[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of the CLI; numpy warnings are errors (none may escape)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        code = main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _file(capsys, path: Path, *options: str) -> tuple[int, str, str]:
    argv = ["agreement", str(path), "--bootstrap", "0", "--format", "json"]
    return _cli(capsys, [*argv, "--item", "item", "--rater", "rater", *options])


def _alpha(out: str) -> dict:
    return next(r for r in json.loads(out) if r["metric"] == "krippendorff_alpha")


def _write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _package_alpha(rows: list[tuple[str, str, float]], level: str = "interval") -> float:
    import krippendorff

    items = list(dict.fromkeys(r[0] for r in rows))
    raters = list(dict.fromkeys(r[1] for r in rows))
    matrix = np.full((len(raters), len(items)), np.nan)
    for item, rater, value in rows:
        matrix[raters.index(rater), items.index(item)] = value
    return float(krippendorff.alpha(reliability_data=matrix, level_of_measurement=level))


def _user(case: str, item: str, outcome: str, figure: str) -> None:
    harness.record("user_files", case=case, item=item, outcome=outcome, figure=figure)


# -- user files: ids, values, timestamps, paths, delimiters ---------------------------------


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_ids_with_leading_zeros_stay_distinct(capsys, tmp_path, suffix):
    if suffix == "csv":
        text = "item,rater,value\n" + "".join(f"{i},{r},{v}\n" for i, r, v in ZEROS)
    else:
        text = "".join(json.dumps({"item": i, "rater": r, "value": v}) + "\n" for i, r, v in ZEROS)
    code, out, err = _file(capsys, _write(tmp_path, f"zeros.{suffix}", text))
    record = _alpha(out)
    assert code == 0, err
    assert (record["n_items"], record["n_raters"]) == (3, 2)
    assert record["value"] == pytest.approx(_package_alpha(ZEROS))
    _user(
        f"leading-zeros-{suffix}",
        "18.6",
        "read, ids kept as text",
        f"3 items, 2 raters; alpha = package ({record['value']:.4f})",
    )


def test_one_text_cell_in_a_numeric_column_is_named_not_a_silent_switch(capsys, tmp_path):
    code, _, err = _file(capsys, _write(tmp_path, "mixed.csv", CLEAN + "d,r1,missing\n"))
    assert code == 1 and "line 8" in err and "column 'value'" in err and "--na" in err
    _user("text-in-numeric-column", "18.7", "UserFileError", "names line 8, column, --na")


def test_a_declared_missing_marker_keeps_the_level_and_the_value(capsys, tmp_path):
    path = _write(tmp_path, "mixed.csv", CLEAN + "d,r1,missing\nd,r2,NA\n")
    code, out, err = _file(capsys, path, "--na", "missing", "--na", "NA")
    _, reference, _ = _file(capsys, _write(tmp_path, "clean.csv", CLEAN))
    record = _alpha(out)
    assert code == 0, err
    assert record["level"] == "interval" and record["value"] == _alpha(reference)["value"]
    _user("declared-missing-marker", "18.7", "read, level stays interval", "same alpha as clean")


def test_an_ambiguous_timestamp_is_refused_and_a_given_format_orders_by_time(capsys, tmp_path):
    path = _write(tmp_path, "us.csv", RETEST.format(early="9/1/2020", late="10/1/2020"))
    code, _, err = _file(capsys, path)
    assert code == 1 and "'9/1/2020'" in err and "ambiguous" in err and "--time-format" in err
    _user("ambiguous-timestamp", "18.8", "UserFileError", "names the value and --time-format")
    code, out, err = _file(capsys, path, "--items", "--time-format", "%m/%d/%Y")
    assert code == 0, err
    mean = next(r["mean"] for r in json.loads(out) if r["track_id"] == "a")
    assert mean == 5.0  # r1's later judgment (10/1, value 5) is kept, not the earlier 1
    _user("timestamp-with-format", "18.8", "latest = later in time", "10/1/2020 kept over 9/1")


@pytest.mark.parametrize(
    "name", ["x.csv", "dir.csv", "in/good.json", "notes.txt", "sheet.xlsx", "./deam"]
)
def test_a_path_looking_argument_gets_a_file_error_not_unknown_dataset(
    capsys, tmp_path, monkeypatch, name
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dir.csv").mkdir()
    code, _, err = _cli(capsys, ["agreement", name, "--bootstrap", "0"])
    assert code == 1 and err.startswith("mer-datasets: error: ")
    assert "unknown dataset" not in err
    assert "no such file" in err or "is a directory" in err, err
    _user(
        f"path-{name}",
        "18.21",
        "file error",
        "no such file" if name != "dir.csv" else "is a directory",
    )


def test_a_semicolon_csv_is_sniffed_and_a_wrong_delimiter_is_named(capsys, tmp_path):
    path = _write(tmp_path, "semi.csv", CLEAN.replace(",", ";"))
    code, out, err = _file(capsys, path)
    _, reference, _ = _file(capsys, _write(tmp_path, "clean.csv", CLEAN))
    assert code == 0 and _alpha(out)["value"] == _alpha(reference)["value"], err
    _user("semicolon-csv", "18.21", "delimiter sniffed", "same alpha as the comma file")
    code, _, err = _file(capsys, path, "--delimiter", ",")
    assert code == 1 and "pass --delimiter ';'" in err
    _user("semicolon-csv-as-comma", "18.21", "UserFileError", "says --delimiter ';'")


# -- arguments: --where bounds, argument types, column choices, resample bound --------------

HOSTILE_WHERE = {
    "4299-digit-integer": ("familiarity == " + "9" * 4299, "characters long"),
    "1000-digit-integer": ("familiarity == " + "9" * 1000, "number out of range"),
    "not-x5000": ("not " * 5000 + "familiarity > 1", "characters long"),
    "not-x100": ("not " * 100 + "familiarity > 1", "nests too deeply"),
    "1000-nested-parentheses": ("(" * 1000 + "familiarity > 1" + ")" * 1000, "characters long"),
    "100-nested-parentheses": ("(" * 100 + "familiarity > 1" + ")" * 100, "nests too deeply"),
    "list-compared-with-==": ("familiarity == [1,2]", "a list can only follow 'in'"),
    "infinite-number": ("familiarity < 1e999", "number out of range"),
}


def _argument(case: str, item: str, surface: str, outcome: str, figure: str = "") -> None:
    harness.record(
        "arguments", case=case, item=item, surface=surface, outcome=outcome, figure=figure
    )


@pytest.mark.parametrize("case", list(HOSTILE_WHERE))
def test_a_hostile_where_is_refused_before_parsing_with_exit_1(capsys, case):
    from mer_datasets.agreement.where import MAX_DEPTH, MAX_LENGTH

    expression, message = HOSTILE_WHERE[case]
    code, _, err = _cli(capsys, ["agreement", "sample", "--where", expression, "--bootstrap", "0"])
    assert code == 1 and message in err and len(err) < 1000
    figure = {
        "characters long": f"> {MAX_LENGTH:,} characters",
        "nests too deeply": f"> {MAX_DEPTH} levels",
    }.get(message, message)
    _argument(case, "18.14", "--where", "WhereError, exit 1", figure)


LIBRARY_ARGUMENTS = {
    "levels-a-string": ({"levels": "interval"}, "levels must be a mapping"),
    "unknown-level": ({"levels": {"valence": "intervall"}}, "unknown level"),
    "dimensions-a-string": ({"dimensions": "valence"}, "dimensions must be a list"),
    "unknown-bootstrap-method": ({"bootstrap_method": "x"}, "unknown bootstrap_method 'x'"),
    "fractional-bootstrap": ({"bootstrap": 1.5}, "bootstrap must be a whole number"),
    "by-a-list": ({"by": ["mother_language"]}, "by must be one column name"),
}


def _call(kwargs: dict) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in kwargs.items())


@pytest.mark.parametrize("case", list(LIBRARY_ARGUMENTS))
def test_a_wrong_argument_type_is_refused_at_the_api_boundary(case):
    from mer_datasets import load_dataset
    from mer_datasets.errors import AgreementError

    kwargs, message = LIBRARY_ARGUMENTS[case]
    with pytest.raises(AgreementError, match=message):
        load_dataset("sample").agreement(**{"bootstrap": 0, **kwargs})
    _argument(case, "18.11", "Dataset.agreement", "AgreementError", _call(kwargs))


COLUMN_CHOICES = {
    "item-and-rater-same-column": (
        ["--item", "rater", "--rater", "rater"],
        "--item and --rater name the same column",
    ),
    "item-beside-track_id": (
        ["--item", "song", "--rater", "rater"],
        "--item song would be read as 'track_id'",
    ),
    "value-beside-value-column": (
        ["--item", "track_id", "--rater", "rater", "--value", "score"],
        "--value score would be read as 'value'",
    ),
}


@pytest.mark.parametrize("case", list(COLUMN_CHOICES))
def test_a_column_choice_that_would_read_another_column_is_refused(capsys, tmp_path, case):
    options, message = COLUMN_CHOICES[case]
    text = "song,track_id,rater,score,value\na,1,r1,3,5\na,1,r2,4,5\nb,2,r1,1,5\n"
    path = _write(tmp_path, "c.csv", text)
    code, _, err = _cli(capsys, ["agreement", str(path), *options, "--bootstrap", "0"])
    assert code == 1 and message in err and "c.csv" in err
    _argument(case, "18.11, 18.13", "agreement FILE", "UserFileError, exit 1", " ".join(options))


@pytest.mark.parametrize("count", [100_001, 1_000_000_000])
def test_too_many_resamples_are_refused_up_front(capsys, count):
    from mer_datasets import load_dataset
    from mer_datasets.agreement.bootstrap import MAX_RESAMPLES
    from mer_datasets.errors import AgreementError

    code, _, err = _cli(capsys, ["agreement", "sample", "--bootstrap", str(count)])
    assert code == 1 and f"{MAX_RESAMPLES:,}" in err
    with pytest.raises(AgreementError, match=f"more than the {MAX_RESAMPLES:,} allowed"):
        load_dataset("sample").agreement(bootstrap=count)
    _argument(
        f"bootstrap-{count}",
        "18.15",
        "--bootstrap, Dataset.agreement",
        "refused before allocating",
        f"at most {MAX_RESAMPLES:,} resamples",
    )


# -- values: non-finite, extreme magnitudes, degenerate ICC, many groups --------------------


def _degenerate(case: str, item: str, surface: str, outcome: str, figure: str = "") -> None:
    harness.record(
        "degenerate", case=case, item=item, surface=surface, outcome=outcome, figure=figure
    )


@pytest.mark.parametrize("text", ["inf", "-Infinity", "nan", "1e400", "1e160"])
def test_a_non_finite_or_unsquarable_value_is_refused_with_its_line(capsys, tmp_path, text):
    code, _, err = _file(capsys, _write(tmp_path, "v.csv", CLEAN + f"d,r1,{text}\n"))
    assert code == 1 and "line 8" in err
    assert ("rescale" in err) if text == "1e160" else ("not a finite number" in err), err
    _degenerate(f"value-{text}", "18.9", "agreement FILE", "UserFileError", "names line 8")


@pytest.mark.parametrize("scale", [1e160, 1e-170, 1e300, 2.0**-1000])
@pytest.mark.parametrize("level", ["interval", "ratio"])
def test_alpha_at_extreme_magnitudes_equals_the_package_on_the_rescaled_data(scale, level):
    from mer_datasets.agreement.alpha import krippendorff_alpha

    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(4, 25)).round(3) + rng.normal(size=25) + 3.0
    matrix[rng.random(matrix.shape) < 0.25] = np.nan
    rows = [
        (str(item), str(rater), float(matrix[rater, item]))
        for rater in range(matrix.shape[0])
        for item in range(matrix.shape[1])
        if not np.isnan(matrix[rater, item])
    ]
    expected = _package_alpha(rows, level)
    table = pd.DataFrame(
        {"item": [r[0] for r in rows], "value": [r[2] * scale for r in rows]},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or underflow warning from numpy
        ours = krippendorff_alpha(table, level=level)
    assert ours == pytest.approx(expected, abs=1e-12)
    _degenerate(
        f"alpha-x{scale:.0e}-{level}",
        "18.9",
        "krippendorff_alpha",
        "= package on x/scale",
        "within 1e-12",
    )


ICC_DESIGNS = {
    "identical": [[3, 3, 3]] * 4,
    "perfect": [[1, 1, 1], [2, 2, 2], [5, 5, 5], [3, 3, 3]],
    "equal-item-means": [[1, 2, 3], [3, 2, 1], [2, 3, 1], [1, 3, 2]],
}


@pytest.mark.parametrize("case", list(ICC_DESIGNS))
def test_icc_of_a_degenerate_design_through_the_cli_gives_a_value_or_a_reason(
    capsys, tmp_path, case
):
    matrix = ICC_DESIGNS[case]
    text = "item,rater,value\n" + "".join(
        f"i{i},r{j},{v}\n" for i, row in enumerate(matrix) for j, v in enumerate(row)
    )
    code, out, err = _file(capsys, _write(tmp_path, f"{case}.csv", text))
    assert code == 0, err
    iccs = [r for r in json.loads(out) if r["metric"].startswith("icc")]
    assert iccs and all(r["value"] is not None or r["note"].startswith("undefined") for r in iccs)
    if case == "perfect":
        assert all(r["value"] == 1.0 for r in iccs)
    shown = sorted({"undefined" if r["value"] is None else f"{r['value']:g}" for r in iccs})
    _degenerate(f"icc-{case}", "18.12", "agreement FILE (ICC)", "value or reason", ", ".join(shown))


@pytest.mark.parametrize("groups", [101, 800])
def test_group_tests_over_too_many_groups_are_refused_through_the_api(groups):
    from mer_datasets.agreement.groups import MAX_PAIRWISE_GROUPS, group_differences
    from mer_datasets.errors import AgreementError

    table = pd.DataFrame(
        {"group": [f"g{i}" for i in range(groups) for _ in range(3)], "value": 1.0}
    )
    table["value"] = np.arange(len(table), dtype=float) % 7
    with pytest.raises(AgreementError, match=f"at most {MAX_PAIRWISE_GROUPS} groups"):
        group_differences(table, by="group")
    _degenerate(
        f"group-tests-{groups}-groups",
        "18.20",
        "group tests",
        "TooManyGroupsError (names --where)",
        f"at most {MAX_PAIRWISE_GROUPS} groups",
    )


@pytest.mark.slow  # 4,950 Mann-Whitney tests: seconds, not milliseconds
def test_group_tests_at_the_bound_agree_with_scipy():
    from scipy.stats import kruskal

    from mer_datasets.agreement.groups import MAX_PAIRWISE_GROUPS, group_differences

    values = np.random.default_rng(3).normal(size=(MAX_PAIRWISE_GROUPS, 4))
    table = pd.DataFrame(
        {
            "group": [f"g{i:03d}" for i in range(MAX_PAIRWISE_GROUPS) for _ in range(4)],
            "value": values.ravel(),
        }
    )
    result = group_differences(table, by="group")
    pairs = MAX_PAIRWISE_GROUPS * (MAX_PAIRWISE_GROUPS - 1) // 2
    assert len(result) == 1 + pairs
    assert result["p_value"].iloc[0] == pytest.approx(kruskal(*values).pvalue)
    _degenerate(
        f"group-tests-{MAX_PAIRWISE_GROUPS}-groups",
        "18.20",
        "group tests",
        "computed (= scipy)",
        f"{pairs:,} pairwise tests",
    )
