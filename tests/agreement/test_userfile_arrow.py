"""The columnar Parquet route (arrow_reader.py) gives the full reader's report byte for byte,
and hands every doubtful file to the full reader (which raises its precise errors)."""

import numpy as np
import pandas as pd
import pytest

import mer_datasets.agreement.arrow_reader as arrow_reader
from mer_datasets.agreement.userfile import Columns, ReadOptions
from mer_datasets.cli import main


def crowd(seed: int, ids: str = "text", dimensions: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_items, per_item = 30, rng.integers(1, 6, size=30)
    items = np.repeat(np.arange(n_items), per_item)
    raters = np.concatenate([rng.choice(8, size=k, replace=False) for k in per_item])
    truth = rng.normal(size=n_items)[items]
    frame = pd.DataFrame({
        "song": [f"s{i:02d}" for i in items] if ids == "text" else items * 7 + 100,
        "listener": [f"L{r}" for r in raters] if ids == "text" else raters,
        "valence": np.round(truth + rng.normal(scale=0.6, size=items.size), 2),
    })  # fmt: skip
    frame.loc[rng.random(len(frame)) < 0.05, "valence"] = np.nan
    if dimensions:
        frame = pd.concat([frame.assign(dimension="valence"),
                           frame.assign(dimension="arousal", valence=frame["valence"] * -2 + 1)])  # fmt: skip
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def output(capsys, path, *options):
    argv = ["agreement", str(path), "--item", "song", "--rater", "listener", "--value", "valence",
            "--bootstrap", "30", "--engine", "memory", *options]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    return capsys.readouterr().out


@pytest.mark.parametrize("ids", ["text", "integers"])
@pytest.mark.parametrize("dimensions", [True, False])
@pytest.mark.parametrize("fmt", ["json", "table"])
def test_same_report_as_the_full_reader(tmp_path, capsys, monkeypatch, ids, dimensions, fmt):
    path = tmp_path / "crowd.parquet"
    crowd(1, ids, dimensions).to_parquet(path)
    columns = Columns(item="song", rater="listener", value="valence")
    assert arrow_reader.parquet_judgments(path, columns, ReadOptions()) is not None
    fast = output(capsys, path, "--format", fmt, "--metrics", "krippendorff_alpha,icc1_1,icc2_1")
    monkeypatch.setattr(arrow_reader, "parquet_judgments", lambda *a: None)
    assert (
        output(capsys, path, "--format", fmt, "--metrics", "krippendorff_alpha,icc1_1,icc2_1")
        == fast
    )


@pytest.mark.parametrize(
    "change",
    ["padded id", "missing id", "stored nan", "huge", "label column", "timestamp", "float ids"],
)
def test_doubtful_files_go_to_the_full_reader(tmp_path, change):
    frame = crowd(2)
    if change == "padded id":
        frame.loc[3, "song"] = " s01"
    elif change == "missing id":
        frame.loc[3, "listener"] = None
    elif change == "huge":
        frame.loc[3, "valence"] = 1e200
    elif change == "label column":
        frame["label"] = "x"
    elif change == "timestamp":
        frame["timestamp"] = pd.Timestamp("2024-01-01")
    elif change == "float ids":
        frame["song"] = np.arange(len(frame)) / 2
    path = tmp_path / "doubtful.parquet"
    frame.to_parquet(path)
    if change == "stored nan":  # pandas writes NaN as null: write a real NaN with pyarrow
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame.fillna({"valence": 0.5}), preserve_index=False)
        values = table.column("valence").to_numpy().copy()
        values[0] = np.nan
        table = table.set_column(table.schema.get_field_index("valence"), "valence",
                                 pa.array(values, from_pandas=False))  # fmt: skip
        pq.write_table(table, path)
    columns = Columns(item="song", rater="listener", value="valence")
    assert arrow_reader.parquet_judgments(path, columns, ReadOptions()) is None
    assert arrow_reader.parquet_judgments(path, columns, ReadOptions(na=("NA",))) is None


def _dictionary_codes(ids: list) -> tuple[list, list]:
    """The reference: Arrow's dictionary_encode (codes by first appearance, ids as text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(pa.array(ids))
    return encoded.indices.to_pylist(), [str(i) for i in encoded.dictionary.to_pylist()]


ID_CASES = {
    "in order": lambda rng: np.repeat(np.arange(40), 3),
    "shuffled": lambda rng: rng.permutation(np.repeat(np.arange(40), 3)),
    "negative": lambda rng: rng.integers(-25, 5, size=90),
    "offset": lambda rng: np.repeat(np.arange(40), 2) + 10**15,
    "sparse": lambda rng: rng.choice(np.array([7, 10**12, -(10**13), 3]), size=50),
    "one id": lambda rng: np.full(9, 5),
}


def _fitting_cases() -> list[tuple[str, str]]:
    """(case, dtype) pairs whose ids the dtype can hold (the others are not id columns)."""
    pairs = []
    for case in sorted(ID_CASES):
        ids = ID_CASES[case](np.random.default_rng(3))
        for dtype in ("int64", "int32", "uint16", "uint64", "int8"):
            info = np.iinfo(dtype)
            if info.min <= ids.min() and ids.max() <= info.max:
                pairs.append((case, dtype))
    return pairs


@pytest.mark.parametrize(("case", "dtype"), _fitting_cases())
def test_integer_ids_are_coded_as_dictionary_encode_codes_them(case, dtype):
    import pyarrow as pa

    ids = ID_CASES[case](np.random.default_rng(3)).astype(dtype)
    expected_codes, expected_names = _dictionary_codes(ids.tolist())
    for column in (
        pa.chunked_array([pa.array(ids)]),
        pa.chunked_array([pa.array(ids[:7]), pa.array(ids[7:])]),  # several chunks
        pa.array(np.r_[ids[:1], ids])[1:],  # an offset into the buffer
    ):
        codes, names = arrow_reader._id_codes(column)
        assert codes.dtype == np.intp and codes.tolist() == expected_codes
        assert names.tolist() == expected_names
        codes, names = arrow_reader._id_codes(column, names=False)
        assert codes.tolist() == expected_codes and names is None
    dense = arrow_reader.integer_id_codes(ids)
    assert (dense is None) is (case == "sparse")


def test_text_ids_and_missing_ids():
    import pyarrow as pa

    column = pa.chunked_array([["b", "a", "b"], ["c"]])
    codes, names = arrow_reader._id_codes(column)
    assert codes.tolist() == [0, 1, 0, 2] and names.tolist() == ["b", "a", "c"]
    codes, names = arrow_reader._id_codes(column, names=False)
    assert codes.tolist() == [0, 1, 0, 2] and names is None
    assert arrow_reader._id_codes(pa.chunked_array([[" a", "b"]])) is None  # padded: full reader
    assert arrow_reader._id_codes(pa.chunked_array([[1, None, 2]])) is None
    assert arrow_reader._id_codes(pa.chunked_array([[1.0, 2.0]])) is None


@pytest.mark.parametrize("kind", ["float64", "float32", "int64", "uint8", "int16"])
def test_numbers_are_pyarrows_conversion(kind):
    import pyarrow as pa

    rng = np.random.default_rng(5)
    values = (rng.normal(size=50) * 20).astype(kind).tolist()
    with_nulls = [None if i % 7 == 3 else v for i, v in enumerate(values)]
    for data in (values, with_nulls):
        array = pa.array(data, type=getattr(pa, kind)())
        for column in (array, array[5:], pa.chunked_array([array[:20], array[20:]])):
            ours = arrow_reader._numbers(column)
            theirs = (
                column.to_numpy(zero_copy_only=False)
                if isinstance(column, pa.Array)
                else column.to_numpy()
            )
            np.testing.assert_array_equal(ours, theirs)  # NaN where null, same values
            assert ours.dtype == theirs.dtype


@pytest.mark.parametrize(
    "values, nulls, plain",
    [
        ([1.0, -2.5, 3.0], 0, True),
        ([1.0, np.nan, 3.0], 0, False),  # a stored NaN without a null
        ([1.0, np.nan, 3.0], 1, True),  # the null itself
        ([1.0, np.nan, np.nan], 1, False),
        ([1.0, np.inf], 0, False),
        ([1.0, -np.inf, np.nan], 1, False),
        ([1e151, 0.0], 0, False),
        ([-1e151, np.nan], 1, False),
        ([1e150, -1e150], 0, True),
        ([], 0, True),
    ],
)
def test_plain_values(values, nulls, plain):
    assert arrow_reader._plain_values(np.array(values, dtype=np.float64), nulls) is plain


@pytest.mark.parametrize("ids", ["in order", "shuffled", "negative", "sparse", "text"])
@pytest.mark.parametrize("missing", [False, True])
def test_dense_integer_route_gives_the_general_judgments(tmp_path, monkeypatch, ids, missing):
    """parquet_judgments with the numpy route for dense integer ids gives the Judgments of the
    dictionary_encode route, on ids that take it and ids that do not."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(8)
    n_items, raters = 60, 5
    items = np.repeat(np.arange(n_items), raters)
    rater = np.tile(np.arange(raters), n_items)
    if ids == "shuffled":
        order = rng.permutation(items.size)
        items, rater = items[order], rater[order]
    elif ids == "negative":
        items, rater = items - 30, rater - 2
    elif ids == "sparse":
        items = items * 10**12 + 7
    value = np.round(rng.normal(size=items.size), 2)
    columns = {"item": items, "rater": rater}
    if ids == "text":
        columns = {"item": [f"i{i}" for i in items], "rater": [f"r{r}" for r in rater]}
    table = pa.table(
        {
            **columns,
            "value": pa.array(value, mask=rng.random(value.size) < 0.1 if missing else None),
        }
    )
    path = tmp_path / "ids.parquet"
    pq.write_table(table, path, row_group_size=70)  # several row groups
    names = Columns(item="item", rater="rater", value="value")
    fast = arrow_reader.parquet_judgments(path, names, ReadOptions())
    monkeypatch.setattr(arrow_reader, "integer_id_codes", lambda ids: None)
    general = arrow_reader.parquet_judgments(path, names, ReadOptions())
    assert fast is not None and general is not None
    (a, a_levels), (b, b_levels) = fast, general
    assert a_levels == b_levels == {"value": "interval"}
    for field in ("item", "rater", "value"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    assert a.item.dtype == b.item.dtype == np.intp
    if ids == "in order":  # the codes are the ids themselves: Arrow's buffer, no copy
        assert not a.item.flags.writeable and not a.rater.flags.writeable
    np.testing.assert_array_equal(a.dimension.codes, b.dimension.codes)
    assert a.dimension.names.tolist() == b.dimension.names.tolist() == ["value"]


def test_dense_sorted_integer_ids_whole_report_as_the_full_reader(tmp_path, capsys, monkeypatch):
    """Ids already in first-appearance order (codes are Arrow's buffer itself, read-only, and no
    row is gathered): the whole report, every metric and both bootstraps, is the full reader's."""
    rng = np.random.default_rng(9)
    items = np.repeat(np.arange(40), 4)
    frame = pd.DataFrame({
        "song": items, "listener": np.tile(np.arange(4), 40),
        "valence": np.round(rng.normal(size=40)[items] + rng.normal(scale=0.5, size=items.size), 2),
    })  # fmt: skip
    path = tmp_path / "sorted.parquet"
    frame.to_parquet(path)
    metrics = "krippendorff_alpha,icc1_1,icc2_1,icc3_k,cronbach_alpha"
    runs = []
    for method in ("two-way", "items"):
        options = ("--metrics", metrics, "--format", "json", "--bootstrap-method", method)
        runs.append(output(capsys, path, *options))
    monkeypatch.setattr(arrow_reader, "parquet_judgments", lambda *a: None)
    for method, fast in zip(("two-way", "items"), runs):
        options = ("--metrics", metrics, "--format", "json", "--bootstrap-method", method)
        assert output(capsys, path, *options) == fast


def test_whitespace_is_what_str_strip_removes():
    expected = "".join(chr(code) for code in range(0x110000) if chr(code).isspace())
    assert expected == arrow_reader.WHITESPACE


@pytest.mark.parametrize("seed", range(40))
def test_padded_text_check_in_arrow_is_pythons(seed):
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    pieces = ["a", "b", "é", "x y", "", *arrow_reader.WHITESPACE, "\u200b"]  # \u200b: not space
    texts = ["".join(rng.choice(pieces, size=rng.integers(0, 4))) for _ in range(6)]
    texts = [t for t in dict.fromkeys(texts)]
    python = any(text != text.strip() or not text for text in texts)
    for kind in (pa.string(), pa.large_string()):
        assert arrow_reader._padded_or_empty(pa.array(texts, type=kind)) is python
        coded = arrow_reader._id_codes(pa.chunked_array([texts * 2], type=kind), names=False)
        assert (coded is None) is python
        if coded is not None:
            assert coded[0].tolist() == list(range(len(texts))) * 2


@pytest.mark.parametrize(
    "header",
    [
        '"song","listener","valence"',  # R's write.csv, pyarrow's write_csv
        '"song",listener,"valence"',
        '"so,ng",listener,valence',  # a quoted delimiter inside a name
        '"so""ng",listener,valence',  # an escaped quote
    ],
)
def test_quoted_csv_headers_read_by_arrow_as_by_the_csv_module(
    tmp_path, capsys, monkeypatch, header
):
    """A header whose quotes close on its line goes through pyarrow's parser (it used to take
    the line-by-line csv module: 1.5 s more at 10^6 rows); the report is the careful path's."""
    from mer_datasets.agreement import userfile_formats

    frame = crowd(4, dimensions=False)
    body = frame.to_csv(index=False, header=False)
    path = tmp_path / "quoted.csv"
    path.write_text(header + "\n" + body, encoding="utf-8")
    names = userfile_formats.split_header(header, ",")
    argv = ["agreement", str(path), "--item", names[0], "--rater", "listener",
            "--value", "valence", "--bootstrap", "0", "--format", "json"]  # fmt: skip
    calls = []
    # the full reader's own Arrow path is the subject: the CSV fast route (csv_judgments) is off
    monkeypatch.setattr(arrow_reader, "csv_judgments", lambda *a: None)
    arrow = userfile_formats._read_with_arrow
    monkeypatch.setattr(
        userfile_formats, "_read_with_arrow", lambda *a: calls.append(1) or arrow(*a)
    )
    assert main(argv) == 0, capsys.readouterr().err
    fast = capsys.readouterr().out
    assert calls
    monkeypatch.setattr(userfile_formats, "_read_with_arrow", lambda *a: None)
    assert main(argv) == 0
    assert capsys.readouterr().out == fast


def test_a_header_with_an_open_quote_takes_the_careful_path():
    from mer_datasets.agreement import userfile_formats

    text = 'a,"b\nc",d\n1,2,3\n'
    assert userfile_formats._read_with_arrow("f.csv", text, 'a,"b', ",") is None
    table = userfile_formats.read_delimited("f.csv", text, ",")
    assert table.columns == ["a", "b\nc", "d"] and table.places == [3]
