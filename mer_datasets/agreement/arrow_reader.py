"""A researcher's Parquet or CSV/TSV file straight to :class:`~.judgments.Judgments`, columnar
(pyarrow). CSV: :func:`csv_judgments` (the same parse as the full reader's, only the needed
columns, ids as text unless every id is an integer's own text; its docstring lists what it
declines).

Why: the user-file reader (userfile.py) turns every cell into a Python object and its text (the
rules that keep ids exact and refuse doubtful cells), about 9 us per cell: 19 s of reading and
12 s of factorizing for 10^7 judgments (benchmarks/results/crowd_scale.md), against a statistic
that takes 0.3 s. For the common clean case the same rules hold column by column: only the
needed columns are read, ids are factorized once (codes in order of first appearance, as
``pandas.factorize``), and no pandas frame is built (pandas is not even imported).

Factorizing: text ids and sparse integer ids go through Arrow's ``dictionary_encode``; integer
ids that fill a dense range (row numbers, counters: the usual crowd export) are codes already
once shifted, numbered by first appearance in O(n) by :func:`~.judgments.recode`, and used
without a copy when they come in that order. At 10^7 judgments every avoided pass or copy of
an 80 MB array counts: on the benchmark machine a fresh 80 MB array costs 0.04-0.3 s of page
zeroing alone (benchmarks/results/crowd_scale.md).

The fast route is taken only where it gives exactly the reader's result; otherwise
:func:`parquet_judgments` returns None and the full reader runs (and raises its precise errors):
ids must be text or integers (integers keep their digits), without missing or padded ids; values
numeric, finite and at most ``MAX_MAGNITUDE``; no label or timestamp column, no ``--na``,
``--level`` or ``--time-format``, and no column under another role's canonical name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .judgments import MAX_MAGNITUDE, Coded, Judgments, recode
from .userfile import ROLES, Columns, ReadOptions


def _id_codes(column: Any, names: bool = True) -> tuple[np.ndarray, np.ndarray | None] | None:
    """(codes in order of first appearance, names as text) of an id column, or None when the
    column needs the full reader (missing ids, padded or empty text, another type).

    ``names=False`` (items and raters: :class:`~.judgments.Judgments` keeps their codes only):
    integer ids get no names (10^6 Python strings cost 0.1-0.3 s); text ids keep theirs, which
    are checked anyway."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if not (
        pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)
    ):
        return None
    if column.null_count:
        return None
    if pa.types.is_integer(kind):
        dense = integer_id_codes(_numbers(column))
        if dense is not None:
            codes, ids = dense
            if not names:
                return codes, None
            return codes, np.asarray([str(i) for i in ids.tolist()], dtype=object)
    encoded = pc.dictionary_encode(_one_array(column))
    codes = _numbers(encoded.indices).astype(np.intp, copy=False)
    if pa.types.is_integer(kind):
        if not names:
            return codes, None
        return codes, np.asarray([str(i) for i in encoded.dictionary.to_pylist()], dtype=object)
    if not names:  # the check in Arrow: no Python string per distinct id
        return None if _padded_or_empty(encoded.dictionary) else (codes, None)
    texts = encoded.dictionary.to_pylist()
    if any(text != text.strip() or not text for text in texts):
        return None
    return codes, np.asarray(texts, dtype=object)


#: The characters ``str.strip()`` removes (``str.isspace``; tests/agreement/test_userfile_arrow.py
#: recomputes them from the running Python).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _padded_or_empty(texts: Any) -> bool:
    """Whether any of the (distinct) texts is empty or has leading or trailing whitespace, as
    ``text != text.strip() or not text`` says it, computed in Arrow."""
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim(texts, characters=WHITESPACE)
    padded = pc.any(pc.not_equal(trimmed, texts)).as_py()
    return bool(padded or pc.any(pc.equal(pc.utf8_length(texts), 0)).as_py())


def _one_array(column: Any) -> Any:
    """A ChunkedArray as one Array (combine_chunks copies even a single chunk), an Array as is."""
    import pyarrow as pa

    if not isinstance(column, pa.ChunkedArray):
        return column
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _numbers(column: Any) -> np.ndarray:
    """A numeric Arrow column (a ChunkedArray or an Array) as numpy, NaN for nulls (integers
    then as float64), as pyarrow's ``to_numpy``: a view of Arrow's buffer when it has one chunk
    and no nulls (read-only).

    Why not pyarrow's ``to_numpy``: its conversion code imports pandas (0.2-0.3 s of a CLI call
    that needs no pandas); integer and floating buffers are numpy arrays as they are."""
    import pyarrow as pa

    array = _one_array(column)
    kind = array.type
    if pa.types.is_integer(kind):
        dtype = np.dtype(f"{'i' if pa.types.is_signed_integer(kind) else 'u'}{kind.bit_width // 8}")
    elif pa.types.is_float32(kind) or pa.types.is_float64(kind):
        dtype = np.dtype(f"f{kind.bit_width // 8}")
    else:  # half floats and the like: pyarrow's own conversion
        return np.asarray(array.to_numpy(zero_copy_only=False))
    start, size = array.offset, len(array)
    data = array.buffers()[1]
    values = (
        np.frombuffer(data, dtype=dtype, count=start + size)[start:]
        if data is not None
        else np.zeros(size, dtype=dtype)
    )
    if not array.null_count:
        values.flags.writeable = False  # Arrow's memory: never written through numpy
        return values
    valid = np.unpackbits(
        np.frombuffer(array.buffers()[0], dtype=np.uint8), count=start + size, bitorder="little"
    )[start:].view(bool)
    # a copy (never written into Arrow's buffer); integers become float64, as in pyarrow
    values = values.astype(values.dtype if values.dtype.kind == "f" else np.float64)
    values[~valid] = np.nan
    return values


def integer_id_codes(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(codes by first appearance, the distinct ids in that order) of integer ids without
    missing ones, as ``dictionary_encode`` gives them, when the ids fill a dense range (at most
    4n + 2^20 wide: row numbers, counters); None for sparse ids (hashes, 64-bit keys).

    Why: ids that already are small numbers need no hash table (Arrow's dictionary_encode: 0.15
    s a column at 10^7, plus the int32 -> intp copy of its indices); shifted by their smallest
    value they are compact codes, and :func:`~.judgments.recode` numbers them by first
    appearance in O(n), without a copy when they come in that order already."""
    if ids.size == 0 or ids.dtype.kind not in "iu":
        return None
    lowest, highest = int(ids.min()), int(ids.max())
    if highest - lowest > 4 * ids.size + (1 << 20) or highest > np.iinfo(np.intp).max:
        return None
    shifted = ids.astype(np.intp, copy=False)
    if lowest:
        shifted = shifted - lowest  # a new array (never writes into the caller's ids)
    codes, order = recode(shifted)
    return codes, order.astype(np.int64) + lowest


def read_columns(path: str | Path, names: list[str]) -> Any:
    """The named columns of one Parquet file as a pyarrow Table.

    Why ``ParquetFile`` and not ``pyarrow.parquet.read_table``: read_table goes through
    ``pyarrow.dataset``, whose import also imports pandas (0.3-0.7 s of a CLI call), and it
    returns 128 Ki-row chunks that must be concatenated; for one file the Parquet reader itself
    gives the same table as one chunk per column. Memory-mapped: the pages are decoded from the
    page cache, not first copied into a fresh read buffer (0.06-0.3 s instead of 0.16-0.85 s
    for 240 MB on the benchmark machine, where fresh memory is slow to fault in)."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(path, memory_map=True) as parquet:
        return parquet.read(columns=names)


def _plain_values(value: np.ndarray, nulls: int) -> bool:
    """Whether the values hold no stored NaN (only the ``nulls`` missing cells read as NaN), no
    inf and no magnitude above ``MAX_MAGNITUDE`` (else the full reader refuses the file with its
    errors). Without nulls two reductions decide it (a NaN makes the minimum NaN), no
    temporary array."""
    if value.size == 0:
        return True
    if not nulls:
        lowest, highest = float(value.min()), float(value.max())
        return not np.isnan(lowest) and max(-lowest, highest) <= MAX_MAGNITUDE
    if int(np.count_nonzero(np.isnan(value))) != nulls:  # a stored NaN: the reader refuses it
        return False
    with np.errstate(invalid="ignore"):
        return not (
            np.isinf(value).any() or bool(np.nanmax(np.abs(value), initial=0.0) > MAX_MAGNITUDE)
        )


def parquet_judgments(
    path: str | Path, columns: Columns, options: ReadOptions
) -> tuple[Judgments, dict[str, str]] | None:
    """(judgments, default level per dimension) of a clean Parquet file, as the full reader
    (userfile.read_annotations + Judgments.from_frame) gives them; None: use the full reader."""
    path = Path(path)
    if path.suffix.lower() not in (".parquet", ".pq") or not path.is_file():
        return None
    if options.na or options.level or options.time_format:
        return None
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pq.read_schema(path)
    except Exception:  # not readable as Parquet here: the full reader says why
        return None
    chosen = _chosen_roles(columns, set(schema.names))
    if chosen is None:
        return None
    value_type = schema.field(chosen["value"]).type
    if not (pa.types.is_integer(value_type) or pa.types.is_floating(value_type)):
        return None
    return table_judgments(read_columns(path, list(dict.fromkeys(chosen.values()))), chosen)


def _chosen_roles(columns: Any, present: set[str]) -> dict[str, str] | None:
    """The column of each role (item, rater, value, optionally dimension) among the ``present``
    column names, or None when the columnar routes cannot vouch for the full reader's reading:
    a required role missing, a label or timestamp column, a named dimension column absent, two
    roles on one column, or a role's standard name used by another column."""
    wanted = {role: getattr(columns, role) for role, _, _ in ROLES}
    chosen = {role: name for role, name in wanted.items() if name in present}
    if {"item", "rater", "value"} - set(chosen) or "label" in chosen or "timestamp" in present:
        return None
    if wanted["dimension"] != "dimension" and "dimension" not in chosen:
        return None
    if len(set(chosen.values())) != len(chosen):
        return None
    for role, _, canonical in ROLES:
        if chosen.get(role, canonical) != canonical and canonical in present:
            return None
    return chosen


def table_judgments(table: Any, chosen: dict[str, str]) -> tuple[Judgments, dict[str, str]] | None:
    """:func:`parquet_judgments` of the table read, ``chosen`` naming the column of each role
    (item, rater, value, optionally dimension); None: the full reader must run. Separate so that
    the benchmark (benchmarks/bench_crowd_scale.py) times reading and coding apart."""
    ids = {}
    for role in ("item", "rater", "dimension"):
        if role in chosen:
            coded = _id_codes(table.column(chosen[role]), names=role == "dimension")
            if coded is None:
                return None
            ids[role] = coded
    if table.num_rows == 0:
        return None
    nulls = table.column(chosen["value"]).null_count
    value = _numbers(table.column(chosen["value"])).astype(np.float64, copy=False)
    del table
    if not _plain_values(value, nulls):
        return None
    if "dimension" in ids:
        dimension = Coded(*ids["dimension"])
        numeric = np.bincount(
            dimension.codes, weights=~np.isnan(value), minlength=dimension.names.size
        )
    else:
        dimension = Coded(np.zeros(value.size, dtype=np.intp), np.asarray(["value"], dtype=object))
        numeric = np.array([value.size - nulls])
    levels = {
        str(name): "interval" if numeric[code] > 0 else "nominal"
        for code, name in enumerate(dimension.names)
    }
    judgments = Judgments(
        item=ids["item"][0], rater=ids["rater"][0], dimension=dimension, value=value,
        label=None, order=None,
    )  # fmt: skip
    return judgments, levels


#: Suffixes read as delimited text by the full reader (userfile_formats.TEXT_SUFFIXES) that the
#: CSV route takes; ``.tsv``/``.tab`` prefer a tab when the delimiter is sniffed, as there.
CSV_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")


def _csv_header(path: Path, options: ReadOptions) -> tuple[list[str], str] | None:
    """(column names, delimiter) of a delimited text file as the full reader takes them
    (userfile_formats.read_delimited), or None when its header is anything but the plain case:
    a UTF-8 file (BOM optional) whose first line is the header, its quotes closed on it."""
    import codecs

    from .userfile_formats import _check_names, sniff_delimiter, split_header

    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith(b"PAR1"):  # the full reader reads it as Parquet, whatever its suffix
        return None
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    end = head.find(b"\n")
    if end < 0:
        return None
    try:
        line = head[:end].decode("utf-8")
    except UnicodeDecodeError:
        return None
    line = line.removesuffix("\r")
    # the full reader's header is the first non-blank line of str.splitlines(): this line only
    # when it is not blank and holds no other line break (\r, \x0b, \x1c, \u2028, ...)
    if not line.strip() or line.splitlines() != [line] or line.count('"') % 2:
        return None
    delimiter = options.delimiter or sniff_delimiter(line, path.suffix.lower() in (".tsv", ".tab"))
    header = split_header(line, delimiter)
    try:
        _check_names(header, str(path), 1)
    except Exception:  # an unnamed or repeated column: the full reader says which
        return None
    return header, delimiter


def _utf8_without_nul(buffer: Any) -> bool:
    """Whether the whole file is valid UTF-8 without a NUL, as the full reader requires (it
    decodes every byte, the columns not used too); checked in Arrow on the mapped file."""
    import pyarrow as pa

    data = np.frombuffer(buffer, dtype=np.uint8)
    if data.size and not data.all():  # a NUL byte
        return False
    offsets = pa.py_buffer(np.array([0, data.size], dtype=np.int64))
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, buffer]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def csv_judgments(
    path: str | Path, columns: Columns, options: ReadOptions
) -> tuple[Judgments, dict[str, str]] | None:
    """(judgments, default level per dimension) of a clean CSV/TSV file, as the full reader
    gives them, reading only the needed columns with pyarrow's CSV reader; None: use the full
    reader.

    Why it gives the full reader's result: the rows are parsed with the same pyarrow options as
    userfile_formats._read_with_arrow (so the same rows and the same id texts), ids are read as
    text (``01`` and ``1`` stay two ids) and padded or empty ids are declined; values are read as
    float64 by Arrow, whose parse equals ``pd.to_numeric``/``float()`` on the stripped text
    (tests/agreement/test_csv_fast_route.py), empty cells missing. Declined: any other encoding,
    ``--na``/``--level``/``--time-format``, a label or timestamp column, a text or non-finite
    value, ``-0`` in a column of integers (pandas reads the integer 0; see
    :func:`_integer_negative_zero`), and anything Arrow refuses."""
    path = Path(path)
    if path.suffix.lower() not in CSV_SUFFIXES or not path.is_file():
        return None
    if options.na or options.level or options.time_format:
        return None
    if options.encoding is not None:
        import codecs

        try:
            if codecs.lookup(options.encoding).name != "utf-8":
                return None
        except LookupError:
            return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv

        found = _csv_header(path, options)
        if found is None:
            return None
        header, delimiter = found
        chosen = _chosen_roles(columns, set(header))
        if chosen is None:
            return None
        types = {name: pa.string() for role, name in chosen.items() if role != "value"}
        types[chosen["value"]] = pa.float64()
        with pa.memory_map(str(path)) as source:
            buffer = source.read_buffer()
            if not _utf8_without_nul(buffer):
                return None
            table = pa_csv.read_csv(
                pa.BufferReader(buffer),
                read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1),
                parse_options=pa_csv.ParseOptions(
                    delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=True
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types=types,
                    include_columns=list(dict.fromkeys(chosen.values())),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=True,
                    null_values=[""],
                ),
            )
            del buffer
    except (pa.ArrowException, ValueError, OSError):  # the full reader names what is wrong
        return None
    if _integer_negative_zero(_numbers(table.column(chosen["value"]))):
        return None
    for role in ("item", "rater"):  # integer ids: coded as numbers (no hash of 10^7 texts)
        ints = _canonical_integers(table.column(chosen[role]))
        if ints is not None:
            index = table.column_names.index(chosen[role])
            table = table.set_column(index, chosen[role], pa.array(ints))
    return table_judgments(table, chosen)


#: 10^0 .. 10^18: the number of decimal digits of a non-negative int64 by searchsorted.
_POWERS_OF_TEN = 10 ** np.arange(19, dtype=np.int64)


def _canonical_integers(column: Any) -> np.ndarray | None:
    """The int64 values of a text id column when every cell is an integer written as ``str()``
    writes it (digits, a ``-`` sign, no leading zero, no ``-0``), else None (the ids stay text).

    Why it is safe: two cells are one id for the full reader exactly when their texts are equal;
    canonical texts are equal exactly when their integers are. Checked without a Python string:
    only ASCII digits and ``-`` in the data (Arrow's cast also reads ``0x`` hex), Arrow's cast
    to int64 succeeds (one optional ``-``, then digits), and each text is as long as its
    integer's canonical text (any leading zero or ``-0`` makes it longer)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if column.null_count or not pa.types.is_string(column.type) or len(column) == 0:
        return None
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    for array in chunks:  # per chunk: combining 10^7 texts would cost more than the check
        offsets = np.frombuffer(
            array.buffers()[1], dtype=np.int32, count=array.offset + len(array) + 1
        )[array.offset :]
        data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        if not (((data - np.uint8(48)) <= 9) | (data == 45)).all():  # wraps below '0'
            return None
    try:
        ints = _numbers(pc.cast(column, pa.int64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if ints.min() == np.iinfo(np.int64).min:  # its magnitude does not fit int64
        return None
    negative = ints < 0
    digits = np.searchsorted(_POWERS_OF_TEN, np.abs(ints), side="right")
    canonical = np.maximum(digits, 1) + negative
    lengths = pc.utf8_length(column)  # per chunk; a chunked length column
    return ints if np.array_equal(_numbers(lengths), canonical) else None


def _integer_negative_zero(value: np.ndarray) -> bool:
    """Whether the values hold a ``-0`` whose sign the full reader may drop: ``pd.to_numeric``
    reads a column whose texts are all integers as integers (``-0`` becomes 0), any other column
    as floats (``-0`` stays -0.0, as Arrow reads it; pyarrow's write_csv writes -0.0 as ``-0``).
    A value with a fraction proves the float reading; without one, a -0 is declined."""
    zeros = value == 0
    if not zeros.any() or not np.signbit(value[zeros]).any():
        return False
    with np.errstate(invalid="ignore"):
        fractional = np.modf(value)[0] != 0  # NaN (missing) compares unequal: float path too
    return not bool(fractional.any())
