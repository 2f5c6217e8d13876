"""Hostile and unlucky user files (issue 18 #13): a clear error or a correct read, never a crash.

The corpus holds the files of the adversarial probe (UTF-16, Latin-1, invalid UTF-8, ragged rows,
an empty file, fake and empty Parquet, list/struct columns, column-name collisions) and a few
more that break parsers (a NUL byte, a 200 kB field, deeply nested JSON, random bytes, a zip
posing as .xlsx). Each runs through the CLI entry point; ``EXPECTED`` is the reviewed outcome:
``E`` a UserFileError naming the file and, where the problem has one, the place (line, row,
byte or column); ``S`` read, with the same alpha as the clean file. Bounded: every file is a few
hundred kB at most and generated here.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mer_datasets.cli import main
from tests.reliability import harness

CLEAN = "item,rater,value\na,r1,1\na,r2,2\nb,r1,4\nb,r2,5\nc,r1,3\nc,r2,2\n"


def _parquet(columns: dict) -> Callable[[], bytes]:
    def build() -> bytes:
        sink = io.BytesIO()
        pq.write_table(pa.table(columns), sink)
        return sink.getvalue()

    return build


def _zip_posing_as_xlsx() -> bytes:
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not-xml")
    return sink.getvalue()


#: name -> (file name, content or builder, extra options, expected code, place named in the error)
CORPUS: dict[str, tuple[str, bytes | Callable[[], bytes], tuple[str, ...], str, str | None]] = {
    "utf-16-with-bom": ("u16.csv", CLEAN.encode("utf-16"), (), "S", None),
    "utf-16-without-bom": ("u16le.csv", CLEAN.encode("utf-16-le"), (), "E", "byte"),
    "utf-8-bom": ("bom.csv", b"\xef\xbb\xbf" + CLEAN.encode(), (), "S", None),
    "latin-1-unasked": (
        "latin.csv",
        CLEAN.replace("a,", "\xe9,").encode("latin-1"),
        (),
        "E",
        "line 2",
    ),
    "latin-1-asked": ("latin.csv", CLEAN.encode("latin-1"), ("--encoding", "latin-1"), "S", None),
    "invalid-utf-8": (
        "bad.csv",
        b"item,rater,value\nx,1,3\ny,2,4\n\xff\xfe,,\n",
        (),
        "E",
        "line 4",
    ),
    "ragged-short": ("rag.csv", CLEAN + "d,r1\n", (), "E", "line 8"),
    "ragged-long": ("rag.csv", CLEAN + "d,r1,3,4\n", (), "E", "line 8"),
    "empty": ("empty.csv", b"", (), "E", None),
    "header-only": ("head.csv", "item,rater,value\n", (), "E", "line 1"),
    "nul-byte": ("nul.csv", CLEAN.replace("b,r1", "b\x00,r1"), (), "E", "line 4"),
    "field-of-200-kB": ("wide.csv", CLEAN + "d,r1," + "9" * 200_000 + "\n", (), "E", "line"),
    "random-bytes": ("noise.csv", bytes(range(256)) * 4, (), "E", "byte"),
    "fake-parquet": ("fake.parquet", CLEAN, (), "E", None),
    "empty-parquet": (
        "empty.parquet",
        _parquet(
            {
                "item": pa.array([], pa.string()),
                "rater": pa.array([], pa.string()),
                "value": pa.array([], pa.float64()),
            }
        ),
        (),
        "E",
        None,
    ),  # fmt: skip
    "truncated-parquet": (
        "cut.parquet",
        lambda: (lambda d: d[:4] + d[len(d) // 2 :])(
            _parquet({"item": ["a", "b"], "rater": ["1", "1"], "value": [1.0, 2.0]})()
        ),
        (),
        "E",
        None,
    ),  # fmt: skip
    "list-column": (
        "list.parquet",
        _parquet({"item": ["a", "b"], "rater": ["1", "1"], "value": [[1], [2, 3]]}),
        (),
        "E",
        "column 'value'",
    ),  # fmt: skip
    "struct-column": (
        "struct.parquet",
        _parquet({"item": [{"id": "a"}, {"id": "b"}], "rater": ["1", "1"], "value": [1.0, 2.0]}),
        (),
        "E",
        "column 'item'",
    ),  # fmt: skip
    "value-collision": (
        "coll.csv",
        "item,rater,score,value\na,1,3,x\n",
        ("--value", "score"),
        "E",
        "column 'value'",
    ),
    "track-id-collision": (
        "coll.csv",
        "song,track_id,rater,value\na,t,1,3\n",
        ("--item", "song"),
        "E",
        "'track_id'",
    ),
    "deep-json": (
        "deep.jsonl",
        '{"item": "a", "rater": "1", "value": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
        (),
        "E",
        "line 1",
    ),  # fmt: skip
    "json-nan": ("nan.jsonl", '{"item": "a", "rater": "1", "value": NaN}\n', (), "E", "line 1"),
    "zip-posing-as-xlsx": ("book.xlsx", _zip_posing_as_xlsx, (), "E", None),
}


def _run(capsys, path: Path, options: tuple[str, ...]) -> tuple[int, str, str]:
    argv = ["agreement", str(path), "--bootstrap", "0", "--format", "json"]
    if "--item" not in options:
        argv += ["--item", "item"]
    argv += ["--rater", "rater", *options]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("case", list(CORPUS))
def test_every_hostile_user_file_gets_its_reviewed_outcome(capsys, tmp_path, case):
    if case == "zip-posing-as-xlsx":
        pytest.importorskip("openpyxl", reason="the 'excel' extra is not installed")
    name, content, options, expected, place = CORPUS[case]
    data = content() if callable(content) else content
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    code, out, err = _run(capsys, path, options)
    assert "Traceback" not in out + err
    if expected == "S":
        clean = tmp_path / "clean.csv"
        clean.write_text(CLEAN, encoding="utf-8")
        assert code == 0, err
        _, reference, _ = _run(capsys, clean, ())
        alpha = [r["value"] for r in json.loads(out) if r["metric"] == "krippendorff_alpha"]
        assert alpha == [
            r["value"] for r in json.loads(reference) if r["metric"] == "krippendorff_alpha"
        ]
        _record(case, "read", "same alpha as the clean file")
        return
    assert code == 1 and err.startswith("mer-datasets: error: file "), err
    assert name in err, err
    if place is not None:
        assert place in err, err
    _record(case, "UserFileError", f"names the file and {place}" if place else "names the file")


def _record(case: str, outcome: str, figure: str) -> None:
    harness.record("user_files", case=case, item="18.13", outcome=outcome, figure=figure)
