"""A researcher's own annotation file: read strictly, every problem a clear error, never a traceback.

Every case runs the real CLI entry point (``mer_datasets.cli.main``; one case as a subprocess,
as a user would) on a file written into ``tmp_path``, and checks the exit code, that the message
names the file, the line or row and the column, and that no traceback escapes. Numbers read from
a file are checked against the ``krippendorff`` package on the same ratings built by hand.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mer_datasets.cli import main
from mer_datasets.errors import AgreementError, UserFileError

GOOD = "item,rater,value\na,r1,1\na,r2,2\nb,r1,4\nb,r2,5\nc,r1,3\nc,r2,3\n"


def run(capsys, path: Path, *options: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``mer-datasets agreement PATH --item item --rater rater``."""
    argv = ["agreement", str(path), "--item", "item", "--rater", "rater", "--bootstrap", "0"]
    code = main([*argv, *options])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def fails(capsys, path: Path, *options: str) -> str:
    """The error message of a run that must fail with exit 1 and name the file."""
    code, out, err = run(capsys, path, *options)
    assert code == 1, out + err
    assert err.startswith("mer-datasets: error: ") and path.name in err, err
    return err


def alpha(capsys, path: Path, *options: str) -> dict:
    code, out, err = run(capsys, path, "--format", "json", *options)
    assert code == 0, err
    return next(r for r in json.loads(out) if r["metric"] == "krippendorff_alpha")


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# -- the newcomer's file (issue 11 #4), run as a user would ------------------------------------


def test_the_issues_invalid_utf8_file_is_an_error_naming_line_and_byte_not_a_traceback(tmp_path):
    path = write(tmp_path, "bad.csv", b"item,rater,value\nx,1,3\ny,2,4\n\xff\xfe,,\n")
    result = subprocess.run(
        [sys.executable, "-m", "mer_datasets", "agreement", str(path), "--item", "item",
         "--rater", "rater", "--value", "value"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "bad.csv" in result.stderr and "line 4" in result.stderr and "byte 29" in result.stderr
    assert "UTF-8" in result.stderr and "--encoding latin-1" in result.stderr


# -- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        GOOD.encode("utf-8"),
        b"\xef\xbb\xbf" + GOOD.encode("utf-8"),
        GOOD.encode("utf-16"),  # with its BOM
        GOOD.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-bom", "crlf"],
)
def test_utf8_with_or_without_bom_and_utf16_with_bom_give_the_same_alpha(capsys, tmp_path, encoded):
    reference = alpha(capsys, write(tmp_path, "ref.csv", GOOD))
    assert alpha(capsys, write(tmp_path, "other.csv", encoded))["value"] == reference["value"]
    assert reference["n_items"] == 3 and reference["n_raters"] == 2


def test_utf16_without_bom_is_named_with_the_option_that_reads_it(capsys, tmp_path):
    path = write(tmp_path, "u16.csv", GOOD.encode("utf-16-le"))
    assert "UTF-16" in fails(capsys, path) and "--encoding utf-16-le" in fails(capsys, path)
    assert alpha(capsys, path, "--encoding", "utf-16-le")["n_items"] == 3


def test_latin1_is_read_only_when_asked(capsys, tmp_path):
    path = write(tmp_path, "latin.csv", GOOD.replace("a,", "caf\xe9,").encode("latin-1"))
    message = fails(capsys, path)
    assert "line 2" in message and "not valid UTF-8" in message
    code, out, _ = run(capsys, path, "--encoding", "latin-1", "--items", "--format", "json")
    assert code == 0 and "café" in {r["track_id"] for r in json.loads(out)}


def test_an_unknown_encoding_name_is_an_error(capsys, tmp_path):
    assert "unknown encoding" in fails(
        capsys, write(tmp_path, "g.csv", GOOD), "--encoding", "klingon"
    )


# -- shape -------------------------------------------------------------------------------------


def test_a_ragged_row_names_its_line_and_the_field_counts(capsys, tmp_path):
    message = fails(capsys, write(tmp_path, "rag.csv", "item,rater,value\nx,1,3\ny,2\n"))
    assert "line 3" in message and "2 field(s)" in message and "has 3" in message


def test_a_row_with_too_many_fields_is_an_error_too(capsys, tmp_path):
    assert "line 2" in fails(capsys, write(tmp_path, "wide.csv", "item,rater,value\nx,1,3,9\n"))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty (0 bytes)"),
        (b"  \n\n", "only white space"),
        (b"item,rater,value\n", "no data rows"),
    ],
    ids=["zero-bytes", "blank", "header-only"],
)
def test_an_empty_file_says_so(capsys, tmp_path, content, expected):
    assert expected in fails(capsys, write(tmp_path, "empty.csv", content))


def test_missing_columns_are_listed_with_the_columns_there_are(capsys, tmp_path):
    message = fails(capsys, write(tmp_path, "cols.csv", "song,who,value\nx,1,3\n"))
    assert "--item 'item'" in message and "'song', 'who', 'value'" in message


def test_a_duplicate_column_name_is_an_error(capsys, tmp_path):
    message = fails(capsys, write(tmp_path, "dup.csv", "item,rater,value,value\nx,1,3,4\n"))
    assert "appears twice" in message and "column 'value'" in message and "line 1" in message


def test_a_column_without_a_name_is_an_error(capsys, tmp_path):
    assert "has no name" in fails(capsys, write(tmp_path, "noname.csv", "item,,value\nx,1,3\n"))


def test_an_empty_id_names_its_line(capsys, tmp_path):
    message = fails(capsys, write(tmp_path, "noid.csv", "item,rater,value\nx,1,3\n,2,4\n"))
    assert "line 3" in message and "column 'item'" in message and "empty id" in message


# -- delimiters --------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_another_delimiter_is_sniffed_from_the_header(capsys, tmp_path, delimiter):
    path = write(tmp_path, "d.csv", GOOD.replace(",", delimiter))
    assert alpha(capsys, path)["value"] == alpha(capsys, write(tmp_path, "ref.csv", GOOD))["value"]


def test_a_wrong_delimiter_is_named_with_the_one_that_splits_the_header(capsys, tmp_path):
    path = write(tmp_path, "semi.csv", GOOD.replace(",", ";"))
    message = fails(capsys, path, "--delimiter", ",")
    assert "pass --delimiter ';'" in message and "['item', 'rater', 'value']" in message


def test_a_tsv_file_reads_with_the_tab_delimiter_by_name(capsys, tmp_path):
    path = write(tmp_path, "t.tsv", GOOD.replace(",", "\t"))
    assert alpha(capsys, path, "--delimiter", "tab")["n_items"] == 3


def test_a_quoted_field_left_open_is_an_error(capsys, tmp_path):
    assert "line" in fails(capsys, write(tmp_path, "q.csv", 'item,rater,value\n"x,1,3\n'))


# -- values (issue 18 #7, #9) -----------------------------------------------------------------


def test_one_text_cell_in_a_numeric_column_is_an_error_naming_it_not_a_silent_switch(
    capsys, tmp_path
):
    path = write(tmp_path, "mixed.csv", GOOD + "d,r1,missing\n")
    message = fails(capsys, path)
    assert "line 8" in message and "column 'value'" in message and "'missing'" in message
    assert "--na 'missing'" in message and "--level nominal" in message


def test_a_declared_missing_marker_is_missing_and_the_level_stays_interval(capsys, tmp_path):
    path = write(tmp_path, "mixed.csv", GOOD + "d,r1,missing\nd,r2,NA\n")
    record = alpha(capsys, path, "--na", "missing", "--na", "NA")
    reference = alpha(capsys, write(tmp_path, "ref.csv", GOOD))
    assert record["level"] == "interval" and record["value"] == reference["value"]
    assert record["n_judgments"] == 6


def test_text_values_are_labels_when_nominal_is_asked_for(capsys, tmp_path):
    path = write(tmp_path, "mixed.csv", GOOD + "d,r1,missing\nd,r2,missing\n")
    record = alpha(capsys, path, "--level", "nominal")
    assert record["level"] == "nominal" and record["n_items"] == 4


def test_a_column_of_labels_is_nominal_but_a_numeric_level_on_labels_is_an_error(capsys, tmp_path):
    path = write(
        tmp_path, "labels.csv", "item,rater,value\na,1,happy\na,2,happy\nb,1,sad\nb,2,sad\n"
    )
    assert alpha(capsys, path)["level"] == "nominal"
    message = fails(capsys, path, "--level", "ordinal")
    assert "'happy'" in message and "line 2" in message and "--level nominal" in message


@pytest.mark.parametrize("text", ["inf", "-Infinity", "nan", "1e400"])
def test_non_finite_values_are_refused_with_the_line(capsys, tmp_path, text):
    message = fails(capsys, write(tmp_path, "inf.csv", GOOD + f"d,r1,{text}\n"))
    assert "line 8" in message and "not a finite number" in message


def test_a_value_too_large_to_square_is_refused_with_the_line(capsys, tmp_path):
    message = fails(capsys, write(tmp_path, "huge.csv", GOOD + "d,r1,1e160\n"))
    assert "line 8" in message and "rescale" in message


def test_a_non_finite_value_in_a_dataframe_is_refused_with_its_row():
    from mer_datasets.agreement.judgments import Judgments

    table = pd.DataFrame(
        {"track_id": ["a", "a", "b"], "rater_id": ["1", "2", "1"], "dimension": "v",
         "value": [1.0, math.inf, 2.0]}
    )  # fmt: skip
    with pytest.raises(AgreementError, match=r"row 2 .*item 'a', rater '2'.*not finite"):
        Judgments.from_frame(table)
    with pytest.raises(AgreementError, match=r"value 1e\+160 at row 3 .*exceeds"):
        Judgments.from_frame(table.assign(value=[1.0, 2.0, 1e160]))


# -- ids are text (issue 18 #6) ----------------------------------------------------------------

ZEROS = [("1", "7", 3), ("01", "007", 4), ("001", "7", 2), ("1", "007", 3), ("01", "7", 4),
         ("001", "007", 1)]  # fmt: skip


def _krippendorff_interval(rows: list[tuple[str, str, float]]) -> float:
    import krippendorff

    items = list(dict.fromkeys(r[0] for r in rows))
    raters = list(dict.fromkeys(r[1] for r in rows))
    matrix = np.full((len(raters), len(items)), np.nan)
    for item, rater, value in rows:
        matrix[raters.index(rater), items.index(item)] = value
    return krippendorff.alpha(reliability_data=matrix, level_of_measurement="interval")


def test_ids_with_leading_zeros_stay_distinct_in_csv(capsys, tmp_path):
    path = write(
        tmp_path, "z.csv", "item,rater,value\n" + "".join(f"{i},{r},{v}\n" for i, r, v in ZEROS)
    )
    record = alpha(capsys, path)
    assert record["n_items"] == 3 and record["n_raters"] == 2
    assert record["value"] == pytest.approx(_krippendorff_interval(ZEROS))


def test_ids_with_leading_zeros_stay_distinct_in_json_lines(capsys, tmp_path):
    lines = [json.dumps({"item": i, "rater": r, "value": v}) for i, r, v in ZEROS]
    lines[0] = json.dumps({"item": 1, "rater": 7, "value": 3})  # a JSON number: its digits
    record = alpha(capsys, write(tmp_path, "z.jsonl", "\n".join(lines) + "\n"))
    assert record["n_items"] == 3 and record["n_raters"] == 2
    assert record["value"] == pytest.approx(_krippendorff_interval(ZEROS))


def test_integer_ids_in_parquet_become_their_exact_text(capsys, tmp_path):
    path = tmp_path / "ints.parquet"
    pd.DataFrame(
        {"item": [1, 1, 2, 2, 3, 3], "rater": [7, 8, 7, 8, 7, 8], "value": [1.0, 2, 4, 5, 3, 3]}
    ).to_parquet(path)
    code, out, _ = run(capsys, path, "--items", "--format", "json")
    assert code == 0 and {r["track_id"] for r in json.loads(out)} == {"1", "2", "3"}
    reference = alpha(capsys, write(tmp_path, "ref.csv", GOOD))["value"]
    assert alpha(capsys, path)["value"] == pytest.approx(reference)


def test_a_json_array_of_objects_is_read_too(capsys, tmp_path):
    records = [dict(zip(["item", "rater", "value"], line.split(","))) for line in GOOD.split()[1:]]
    for record in records:
        record["value"] = float(record["value"])
    path = write(tmp_path, "array.json", json.dumps(records))
    assert alpha(capsys, path)["value"] == alpha(capsys, write(tmp_path, "ref.csv", GOOD))["value"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"item": "a", "rater": "1", "value": 1}\n{"item": "a", "rater": \n', "line 2"),
        ('{"item": "a", "rater": "1", "value": [1, 2]}\n', "JSON array"),
        ('["a", "1", 1]\n', "expected a JSON object"),
        ('{"item": "a", "item": "b", "rater": "1", "value": 1}\n', "appears twice"),
    ],
    ids=["broken", "list-value", "not-an-object", "duplicate-key"],
)
def test_bad_json_lines_name_the_line(capsys, tmp_path, content, expected):
    assert expected in fails(capsys, write(tmp_path, "bad.jsonl", content))


# -- Parquet -----------------------------------------------------------------------------------


def test_a_text_file_named_parquet_is_not_a_parquet_file(capsys, tmp_path):
    assert "not a Parquet file" in fails(capsys, write(tmp_path, "fake.parquet", GOOD))


def test_a_truncated_parquet_file_is_an_error(capsys, tmp_path):
    full = tmp_path / "full.parquet"
    pd.read_csv(write(tmp_path, "g.csv", GOOD)).to_parquet(full)
    data = full.read_bytes()
    path = write(tmp_path, "cut.parquet", data[:4] + data[len(data) // 2 :])
    assert "Parquet" in fails(capsys, path)


def test_a_parquet_file_without_rows_says_so(capsys, tmp_path):
    path = tmp_path / "empty.parquet"
    pd.DataFrame({"item": pd.Series([], dtype=str), "rater": pd.Series([], dtype=str),
                  "value": pd.Series([], dtype=float)}).to_parquet(path)  # fmt: skip
    assert "no rows" in fails(capsys, path)


@pytest.mark.parametrize(
    "cells", [[[1, 2], [3]], [{"a": 1}, {"a": 2}]], ids=["list-column", "struct-column"]
)
def test_list_and_struct_columns_are_refused_by_name(capsys, tmp_path, cells):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"item": ["a", "b"], "rater": ["1", "1"], "value": cells}), path)
    message = fails(capsys, path)
    assert "column 'value'" in message and "one value per cell" in message


# -- Excel -------------------------------------------------------------------------------------


def test_an_xlsx_workbook_gives_the_same_alpha_and_keeps_text_ids(capsys, tmp_path):
    openpyxl = pytest.importorskip("openpyxl", reason="the 'excel' extra is not installed")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [line.split(",") for line in GOOD.split()]:
        sheet.append([row[0], row[1], float(row[2]) if row[2][0].isdigit() else row[2]])
    sheet.append(["007", "r1", 2.0])
    sheet.append([7, "r2", 2.0])
    path = tmp_path / "book.xlsx"
    book.save(path)
    code, out, _ = run(capsys, path, "--items", "--format", "json")
    assert code == 0 and {"007", "7"} <= {r["track_id"] for r in json.loads(out)}


def test_an_xlsx_that_is_not_a_workbook_is_an_error(capsys, tmp_path):
    pytest.importorskip("openpyxl", reason="the 'excel' extra is not installed")
    assert "xlsx" in fails(capsys, write(tmp_path, "fake.xlsx", GOOD))


def test_an_old_xls_file_is_named_as_unsupported(capsys, tmp_path):
    assert ".xls format" in fails(capsys, write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0"))


# -- paths (issue 18 #21) ----------------------------------------------------------------------


def test_a_missing_csv_is_a_missing_file_not_an_unknown_dataset(capsys, tmp_path):
    message = fails(capsys, tmp_path / "x.csv")
    assert "no such file" in message and "unknown dataset" not in message


@pytest.mark.parametrize("name", ["dir.csv", "in/good.json", "notes.txt", "sheet.xlsx"])
def test_a_path_looking_argument_gets_a_file_error(capsys, tmp_path, name):
    (tmp_path / "dir.csv").mkdir()
    message = fails(capsys, tmp_path / name)
    assert "no such file" in message or "is a directory" in message, message
    assert "unknown dataset" not in message


def test_an_existing_file_without_a_suffix_is_read_as_a_file(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ratings", GOOD)
    assert alpha(capsys, Path("ratings"))["n_items"] == 3


def test_a_bare_name_that_is_a_folder_stays_a_dataset_id(tmp_path, monkeypatch):
    from mer_datasets.agreement.userfile import looks_like_path

    monkeypatch.chdir(tmp_path)
    (tmp_path / "deam").mkdir()
    assert not looks_like_path("deam") and looks_like_path("./deam") and looks_like_path("x.csv")


# -- column names (issue 18 #13) ---------------------------------------------------------------


def test_value_option_beside_a_value_column_is_refused(capsys, tmp_path):
    path = write(tmp_path, "two.csv", "item,rater,score,value\na,1,3,x\n")
    message = fails(capsys, path, "--value", "score")
    assert "--value score would be read as 'value'" in message and "column 'value'" in message


def test_item_option_beside_a_track_id_column_is_refused(capsys, tmp_path):
    path = write(tmp_path, "two.csv", "song,track_id,rater,value\na,t1,1,3\n")
    code = main(["agreement", str(path), "--item", "song", "--rater", "rater", "--bootstrap", "0"])
    message = capsys.readouterr().err
    assert code == 1 and "--item song would be read as 'track_id'" in message


def test_one_column_for_two_roles_is_refused(capsys, tmp_path):
    path = write(tmp_path, "same.csv", GOOD)
    code = main(["agreement", str(path), "--item", "item", "--rater", "item", "--bootstrap", "0"])
    message = capsys.readouterr().err
    assert code == 1 and "--item and --rater name the same column 'item'" in message


def test_a_canonical_name_given_its_own_role_is_not_a_collision(capsys, tmp_path):
    path = write(tmp_path, "both.csv", "item,rater,score,value\n" + "".join(
        f"{line},x\n" for line in GOOD.split()[1:]))  # fmt: skip
    record = alpha(capsys, path, "--value", "score", "--label", "value")
    assert record["level"] == "interval" and record["n_items"] == 3


def test_other_columns_are_kept_for_where_and_by(capsys, tmp_path):
    path = write(tmp_path, "extra.csv", "item,rater,value,age\n" + "".join(
        f"{line},{20 + n}\n" for n, line in enumerate(GOOD.split()[1:])))  # fmt: skip
    assert alpha(capsys, path, "--where", "age > 21")["n_judgments"] == 4


# -- timestamps (issue 18 #8) ------------------------------------------------------------------

RETEST = "item,rater,value,timestamp\na,r1,1,{early}\na,r1,5,{late}\na,r2,5,{early}\nb,r1,2,{early}\nb,r2,2,{early}\n"


def _mean_of_a(capsys, path: Path, *options: str) -> float:
    code, out, err = run(capsys, path, "--items", "--format", "json", *options)
    assert code == 0, err
    return next(r["mean"] for r in json.loads(out) if r["track_id"] == "a")


def test_latest_orders_iso_timestamps_by_time(capsys, tmp_path):
    path = write(
        tmp_path, "iso.csv", RETEST.format(early="2020-09-01", late="2020-10-01T08:00:00Z")
    )
    assert _mean_of_a(capsys, path) == 5.0  # r1's later judgment (5) is kept, not 1


def test_a_non_iso_date_is_refused_with_the_ambiguity_named(capsys, tmp_path):
    path = write(tmp_path, "us.csv", RETEST.format(early="9/1/2020", late="10/1/2020"))
    message = fails(capsys, path)
    assert "'9/1/2020'" in message and "ambiguous" in message and "--time-format" in message
    assert "line 2" in message and "column 'timestamp'" in message


def test_time_format_orders_non_iso_dates_by_time_not_as_text(capsys, tmp_path):
    path = write(tmp_path, "us.csv", RETEST.format(early="9/1/2020", late="10/1/2020"))
    assert _mean_of_a(capsys, path, "--time-format", "%m/%d/%Y") == 5.0
    assert "does not match" in fails(capsys, path, "--time-format", "%Y-%m-%d")


def test_text_timestamps_in_a_dataframe_are_parsed_or_refused():
    from mer_datasets.agreement.duplicates import order_key

    iso = order_key(pd.Series(["2020-10-01", "2020-09-01", None]))
    assert iso[1] < iso[0] and iso[2] < iso[1]
    with pytest.raises(AgreementError, match="9/1/2020"):
        order_key(pd.Series(["10/1/2020", "9/1/2020"]))


def test_the_library_reader_raises_a_typed_error(tmp_path):
    from mer_datasets.agreement.userfile import read_annotations

    with pytest.raises(UserFileError) as caught:
        read_annotations(write(tmp_path, "r.csv", "track_id,rater_id,value\nx,1\n"))
    assert caught.value.line == 2 and caught.value.file.endswith("r.csv")


def test_lines_are_counted_across_blank_lines_and_quoted_newlines(capsys, tmp_path):
    content = 'item,rater,value\n\na,1,3\n"b\nc",2,4\nd,1,oops\n'
    message = fails(capsys, write(tmp_path, "lines.csv", content))
    assert "line 6" in message and "'oops'" in message


def test_quoted_delimiters_stay_inside_their_field(capsys, tmp_path):
    path = write(tmp_path, "quoted.csv", GOOD.replace("a,", '"a,1",'))
    code, out, _ = run(capsys, path, "--items", "--format", "json")
    assert code == 0 and {r["track_id"] for r in json.loads(out)} == {"a,1", "b", "c"}


def test_a_whitespace_only_line_is_skipped_like_a_blank_one(capsys, tmp_path):
    path = write(tmp_path, "spaces.csv", GOOD.replace("b,r1,4\n", "b,r1,4\n   \n"))
    assert alpha(capsys, path)["value"] == alpha(capsys, write(tmp_path, "ref.csv", GOOD))["value"]
