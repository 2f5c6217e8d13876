"""The columnar CSV route (arrow_reader.csv_judgments) gives the full reader's report byte for
byte, takes clean files itself, and hands every doubtful file to the full reader (which raises
its precise errors)."""

import codecs

import numpy as np
import pytest

import mer_datasets.agreement.arrow_reader as arrow_reader
from mer_datasets.agreement import userfile
from mer_datasets.agreement.userfile import Columns, ReadOptions
from mer_datasets.cli import main
from mer_datasets.errors import UserFileError

COLUMNS = Columns(item="song", rater="listener", value="valence")


def rows(seed: int, ids: str = "int") -> list[tuple[str, str, str]]:
    """(item, rater, value) texts of a small crowd: 25 items, 2-5 of 7 raters each, a few
    repeated (rater, item) cells and a few empty values."""
    rng = np.random.default_rng(seed)
    out = []
    for item in range(25):
        raters = rng.choice(7, size=int(rng.integers(2, 6)), replace=False).tolist()
        truth = rng.normal()
        for rater in raters + raters[:1] * int(rng.random() < 0.3):  # sometimes a repeat
            value = truth + rng.normal(scale=0.7)
            text = "" if rng.random() < 0.05 else repr(round(float(value), 3))
            if ids == "int":
                out.append((str(item * 3 + 10), str(rater), text))
            elif ids == "negative":
                out.append((str(-item - 1), str(rater - 3), text))
            elif ids == "float":
                out.append((f"{item}.5", f"{rater}.0", text))
            else:
                out.append((f"track {item:02d}", f"L{rater}", text))
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def write(path, records, header='"song","listener","valence"', sep=",", newline="\n", bom=False):
    lines = [header] + [sep.join(record) for record in records]
    data = (newline.join(lines) + newline).encode("utf-8")
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)
    return path


def report(capsys, path, *options):
    argv = ["agreement", str(path), "--item", "song", "--rater", "listener", "--value", "valence",
            "--bootstrap", "20", "--engine", "memory", "--format", "json",
            "--metrics", "krippendorff_alpha,icc1_1,icc2_1", *options]  # fmt: skip
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def same_as_full_reader(capsys, monkeypatch, path, *options):
    fast = report(capsys, path, *options)
    with monkeypatch.context() as patch:
        patch.setattr(arrow_reader, "csv_judgments", lambda *a: None)
        full = report(capsys, path, *options)
    assert fast == full
    return fast


CLEAN = {
    "int ids, quoted header": lambda p: write(p, rows(1)),
    "text ids, plain header": lambda p: write(p, rows(2, "text"), "song,listener,valence"),
    "negative ids": lambda p: write(p, rows(3, "negative")),
    "float ids": lambda p: write(p, rows(4, "float")),
    "BOM": lambda p: write(p, rows(5), bom=True),
    "BOM, plain header": lambda p: write(p, rows(5), "song,listener,valence", bom=True),
    "CRLF": lambda p: write(p, rows(6, "text"), newline="\r\n"),
    "extra column": lambda p: write(
        p, [(*r[:2], "x", r[2]) for r in rows(7)], "song,listener,note,valence"
    ),
    "numbers with spaces": lambda p: write(
        p, [(a, b, f"  {c} " if c else c) for a, b, c in rows(8)]
    ),
    "quoted values": lambda p: write(p, [(a, f'"{b}"', f'"{c}"') for a, b, c in rows(9)]),
    "TSV": lambda p: write(
        p.with_suffix(".tsv"), rows(10, "text"), "song\tlistener\tvalence", sep="\t"
    ),  # fmt: skip
}


@pytest.mark.parametrize("case", sorted(CLEAN))
def test_clean_files_take_the_route_and_give_the_full_readers_report(
    tmp_path, capsys, monkeypatch, case
):
    path = CLEAN[case](tmp_path / "crowd.csv")
    assert arrow_reader.csv_judgments(path, COLUMNS, ReadOptions()) is not None
    code, out, err = same_as_full_reader(capsys, monkeypatch, path)
    assert code == 0 and '"krippendorff_alpha"' in out, err


@pytest.mark.parametrize("policy", ["latest", "first", "mean", "all"])
@pytest.mark.parametrize("ids", ["int", "text"])
def test_every_duplicates_policy(tmp_path, capsys, monkeypatch, policy, ids):
    path = write(tmp_path / "crowd.csv", rows(11, ids))
    same_as_full_reader(capsys, monkeypatch, path, "--duplicates", policy)


def test_the_full_reader_is_not_called_for_a_clean_file(tmp_path, capsys, monkeypatch):
    path = write(tmp_path / "crowd.csv", rows(12))

    def refuse(*args, **kwargs):
        raise AssertionError("the full reader ran")

    monkeypatch.setattr(userfile, "read_annotations", refuse)
    monkeypatch.setattr(userfile, "read_raw", refuse)
    code, out, err = report(capsys, path)
    assert code == 0 and '"icc2_1"' in out, err


def test_dimension_column(tmp_path, capsys, monkeypatch):
    records = [(a, b, d, c) for a, b, c in rows(13) for d in ("valence", "arousal")]
    path = write(tmp_path / "crowd.csv", records, "song,listener,dimension,valence")
    assert arrow_reader.csv_judgments(path, COLUMNS, ReadOptions()) is not None
    same_as_full_reader(capsys, monkeypatch, path)


def padded(records):
    return [(f" {a} ", b, c) for a, b, c in records]


def with_cell(text):
    def change(records):
        records = list(records)
        records[3] = (*records[3][:2], text)
        return records

    return change


DOUBTFUL = {
    "ids with spaces": padded,
    "empty id": lambda r: [("", *r[0][1:]), *r[1:]],
    "NA value": with_cell("NA"),
    "text value": with_cell("loud"),
    "blank value": with_cell("   "),
    "nan value": with_cell("nan"),
    "inf value": with_cell("inf"),
    "huge value": with_cell("1e300"),
    "-0 among integers": lambda r: [
        (a, b, "-0" if i == 3 else str(i % 5)) for i, (a, b, _) in enumerate(r)
    ],  # fmt: skip
    "underscore": with_cell("1_0"),
    "all labels": lambda r: [(a, b, "high") for a, b, _ in r],
}


@pytest.mark.parametrize("case", sorted(DOUBTFUL))
def test_doubtful_files_go_to_the_full_reader(tmp_path, capsys, monkeypatch, case):
    """Declined (None), so the report or the typed error is the full reader's own."""
    path = write(tmp_path / "crowd.csv", DOUBTFUL[case](rows(14)))
    assert arrow_reader.csv_judgments(path, COLUMNS, ReadOptions()) is None
    same_as_full_reader(capsys, monkeypatch, path)


@pytest.mark.parametrize(
    "variant",
    ["leading blank line", "timestamp column", "label column", "short row", "NUL", "latin-1",
     "open quote header", "no rows", "repeated column", "PAR1 header", "long row elsewhere"],
)  # fmt: skip
def test_other_doubtful_layouts_are_declined(tmp_path, capsys, monkeypatch, variant):
    records = rows(15)
    path = tmp_path / "crowd.csv"
    if variant == "leading blank line":
        write(path, records, header="\nsong,listener,valence")
    elif variant == "timestamp column":
        write(path, [(*r, "2020-01-01") for r in records], "song,listener,valence,timestamp")
    elif variant == "label column":
        write(path, [(*r, "x") for r in records], "song,listener,valence,label")
    elif variant == "short row":
        write(path, records[:3] + [records[3][:2]] + records[4:])
    elif variant == "NUL":
        write(path, records[:3] + [(records[3][0], "a\x00b", "1")] + records[4:])
    elif variant == "latin-1":
        write(path, records)
        path.write_bytes(path.read_bytes() + "caf\xe9,1,2\n".encode("latin-1"))
    elif variant == "open quote header":
        write(path, records, header='"song,listener,valence')
    elif variant == "PAR1 header":
        write(path, [("1", *r) for r in records], "PAR1,song,listener,valence")
    elif variant == "long row elsewhere":
        records = [(*r, "x") for r in records]
        records[4] = (*records[4], "y")
        write(path, records, "song,listener,valence,note")
    elif variant == "no rows":
        write(path, [])
    else:
        write(path, [(*r, "1") for r in records], "song,listener,valence,valence")
    assert arrow_reader.csv_judgments(path, COLUMNS, ReadOptions()) is None
    same_as_full_reader(capsys, monkeypatch, path)


def test_options_the_route_does_not_cover_are_declined(tmp_path, capsys, monkeypatch):
    path = write(tmp_path / "crowd.csv", rows(16))
    for options in (ReadOptions(na=("NA",)), ReadOptions(level="nominal"),
                    ReadOptions(time_format="%Y"), ReadOptions(encoding="latin-1")):  # fmt: skip
        assert arrow_reader.csv_judgments(path, COLUMNS, options) is None
    assert arrow_reader.csv_judgments(path, COLUMNS, ReadOptions(encoding="UTF8")) is not None
    same_as_full_reader(capsys, monkeypatch, path, "--na", "NA")
    same_as_full_reader(capsys, monkeypatch, path, "--where", "song != '10'")


def test_a_text_value_gives_the_full_readers_typed_error(tmp_path, capsys):
    path = write(tmp_path / "crowd.csv", with_cell("loud")(rows(17)))
    with pytest.raises(UserFileError, match="loud"):
        userfile.read_annotations(path, COLUMNS)
    code, _, err = report(capsys, path)
    assert code != 0 and "'loud' is not a number" in err and "line 5" in err


def test_arrows_numbers_are_the_full_readers():
    """Values parsed by Arrow's CSV reader equal userfile._numbers of the same texts: shortest
    reprs, 20 and 25 digits, long integers (pandas reads them as integers), signs and forms."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=3000) * 10.0 ** rng.integers(-30, 30, size=3000)
    texts = [repr(float(v)) for v in x] + [f"{v:.20g}" for v in x] + [f"{v:.25e}" for v in x]
    texts += [str(i) for i in rng.integers(-(2**63), 2**63 - 1, size=500)]
    texts += ["1" * 25, "9007199254740993", "+1.5", ".5", "5.", "1E5", "00012", "-0.0", "4.9e-324"]
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    body = ("v\n" + "\n".join(texts) + "\n").encode()
    table = pa_csv.read_csv(
        pa.BufferReader(body),
        convert_options=pa_csv.ConvertOptions(column_types={"v": pa.float64()}),
    )
    ours = np.asarray(table.column(0).to_pylist(), dtype=float)
    theirs = np.asarray(userfile._numbers(texts, userfile._texts(texts, set())), dtype=float)
    assert ours.tobytes() == theirs.tobytes()


@pytest.mark.parametrize("missing", [False, True])
def test_negative_zero_keeps_the_full_readers_sign(tmp_path, capsys, monkeypatch, missing):
    """pyarrow's write_csv writes -0.0 as ``-0``; among non-integer values (or beside a missing
    one) pandas reads it as -0.0, as Arrow does: the same values to the sign bit."""
    records = [(a, b, "-0" if i % 7 == 3 else str(i % 5)) for i, (a, b, _) in enumerate(rows(18))]
    records[5] = (*records[5][:2], "" if missing else "0.5")
    path = write(tmp_path / "crowd.csv", records)
    fast = arrow_reader.csv_judgments(path, COLUMNS, ReadOptions())
    assert fast is not None
    frame, _ = userfile.read_annotations(path, COLUMNS)
    full = frame["value"].to_numpy()
    assert np.signbit(full).sum() > 0
    assert fast[0].value.tobytes() == full.tobytes()
    same_as_full_reader(capsys, monkeypatch, path)


@pytest.mark.parametrize(
    "odd",
    ["007", "-0", "0x10", "+5", "1e3", "9223372036854775808", "-9223372036854775808", "1-2",
     "٣", "12a", "5.0"],
)  # fmt: skip
def test_integer_ids_are_numbers_only_when_every_text_is_canonical(tmp_path, capsys, monkeypatch,
                                                                   odd):  # fmt: skip
    """``7`` and ``007`` (or ``0`` and ``-0``, ``16`` and ``0x10``) are two ids for the full
    reader: the ids are coded as integers only when every text is the integer's own str()."""
    import pyarrow as pa

    texts = ["7", "0", "16", "5", "1000", "-12", "9223372036854775807", odd]
    chunked = pa.chunked_array([pa.array(texts[:3]), pa.array(texts[3:])])
    ints = arrow_reader._canonical_integers(chunked)

    def canonical(text):  # int64 magnitude (-2^63 has none) written as str() writes it
        try:
            return str(int(text)) == text and -(2**63) < int(text) < 2**63
        except ValueError:
            return False

    assert (ints is not None) == all(canonical(t) for t in texts)
    if ints is not None:
        assert ints.tolist() == [int(t) for t in texts]
    records = [(a, b, c) for a, b, c in rows(19)]
    records[:3] = [(odd, "1", "1.5"), (odd.lstrip("-0+") or "0", "1", "2.5"), (odd, "2", "1.0")]
    path = write(tmp_path / "crowd.csv", records)
    same_as_full_reader(capsys, monkeypatch, path)


FUZZ_IDS = ["7", "007", "-0", "0", "12", " 12", "a", "a ", "'a'", '"q"', '"a,b"', "x\u00a0", "16",
            "0x10", "-5", "1.5", "1e3", "ü", "NA", ""]  # fmt: skip
FUZZ_VALUES = ["1.5", "-0", "-0.0", " 2 ", "", '""', "1e3", "3", "-1", "0.25", "NA", "nan", "1_0",
               "+2", ".5", '" 4"', "\t5", "٣", "7e400", "1e300", "0"]  # fmt: skip


@pytest.mark.parametrize("seed", range(4))
def test_random_cells_accepted_only_as_the_full_reader_reads_them(tmp_path, seed):
    """Small files of doubtful cells (padded, quoted, hex, leading-zero and -0 ids; NA, blank,
    -0, underscore, non-finite, Arabic-digit values; CRLF; BOM): whenever the route accepts a
    file, the full reader reads it without an error and to the same codes, values (to the bit)
    and levels. Some are accepted and some declined, so both branches are exercised."""
    from mer_datasets.agreement.judgments import Judgments

    rng = np.random.default_rng(seed)
    accepted = declined = 0
    for trial in range(120):
        ids = FUZZ_IDS[: int(rng.integers(2, len(FUZZ_IDS)))]
        values = FUZZ_VALUES[: int(rng.integers(2, len(FUZZ_VALUES)))]
        lines = [str(rng.choice(["song,listener,valence", '"song","listener","valence"']))]
        for _ in range(int(rng.integers(1, 12))):
            cells = (rng.choice(ids), rng.choice(ids[:4]), rng.choice(values))
            lines.append(",".join(map(str, cells)))
        newline = "\r\n" if rng.random() < 0.3 else "\n"
        data = (newline.join(lines) + newline).encode("utf-8")
        path = tmp_path / f"cells{trial}.csv"
        path.write_bytes((codecs.BOM_UTF8 if rng.random() < 0.2 else b"") + data)
        fast = arrow_reader.csv_judgments(path, COLUMNS, ReadOptions())
        if fast is None:
            declined += 1
            continue
        accepted += 1
        frame, levels = userfile.read_annotations(path, COLUMNS)
        full = Judgments.from_frame(frame)
        assert np.array_equal(full.item, fast[0].item), data
        assert np.array_equal(full.rater, fast[0].rater), data
        assert full.value.tobytes() == fast[0].value.tobytes(), data
        assert levels == fast[1], data
    assert accepted > 10 and declined > 10
