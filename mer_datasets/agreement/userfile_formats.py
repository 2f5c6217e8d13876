"""Per-format readers of a researcher's own annotation file: bytes in, a table of cells out.

Why separate from :mod:`.userfile`: reading a format (decoding, delimiters, Parquet footers, JSON
lines, worksheets) and deciding what the cells mean (ids, numbers, labels, timestamps) are two
concerns; every reader here returns the same :class:`RawTable` of plain Python cells (``str``,
``int``, ``float``, ``bool``, datetimes, ``None`` for an empty cell) and the place of each row
(its line in a text file, its row in Parquet or a worksheet), so every later error can name it.

Nothing is guessed silently: an encoding is UTF-8 (with or without BOM) or UTF-16 with a BOM
unless ``--encoding`` says otherwise, a row with the wrong number of fields is an error, and a
column of lists is refused rather than flattened.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UserFileError

#: Delimiters tried when ``--delimiter`` is not given, in order of preference on a tie.
DELIMITERS: tuple[str, ...] = (",", "\t", ";", "|")
TEXT_SUFFIXES = (".csv", ".tsv", ".tab", ".txt")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet", ".pq")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
#: Every suffix that makes an argument a file rather than a dataset id.
FILE_SUFFIXES = TEXT_SUFFIXES + JSON_SUFFIXES + PARQUET_SUFFIXES + EXCEL_SUFFIXES + (".xls",)
PARQUET_MAGIC = b"PAR1"
#: Arrow types that hold more than one value per cell.
_NESTED = ("list", "large_list", "fixed_size_list", "struct", "map", "union", "list_view")


@dataclass
class RawTable:
    """A file's cells by column (lists of Python values, ``None`` = empty) and each row's place.

    ``unit`` is ``"line"`` (text and JSON lines: the line where the row starts) or ``"row"``
    (Parquet: 1-based row; a worksheet: its row number). ``header`` and ``delimiter`` are the
    raw header line and the delimiter used, for text files only (to suggest another delimiter).
    ``places`` may be None with ``locate`` computing them when an error needs one (the fast CSV
    path does not track lines).
    """

    path: str
    columns: list[str]
    cells: dict[str, list[Any]]
    places: list[int] | None
    unit: str
    header: str | None = None
    delimiter: str | None = None
    locate: Callable[[], list[int]] | None = None

    @property
    def n_rows(self) -> int:
        return len(next(iter(self.cells.values()))) if self.cells else 0

    def place(self, index: int) -> int:
        """The line or row of row ``index`` (0-based)."""
        if self.places is None:
            assert self.locate is not None
            self.places = self.locate()
        return self.places[index]

    def error(
        self, message: str, index: int | None = None, column: str | None = None
    ) -> UserFileError:
        """A :class:`UserFileError` naming this file, the place of row ``index`` and ``column``."""
        place = None if index is None else self.place(index)
        return UserFileError(
            message,
            file=self.path,
            line=place if self.unit == "line" else None,
            row=place if self.unit == "row" else None,
            column=column,
        )


def read_raw(path: Path, *, encoding: str | None = None, delimiter: str | None = None) -> RawTable:
    """The cells of ``path``, read by its suffix (text when the suffix is none of the known ones)."""
    name = str(path)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise UserFileError(
            "the old Excel .xls format is not read; save the sheet as .xlsx or CSV", file=name
        )
    data = path.read_bytes()
    if not data:
        raise UserFileError("the file is empty (0 bytes); expected a header and rows", file=name)
    if suffix in PARQUET_SUFFIXES or data[:4] == PARQUET_MAGIC:
        return read_parquet(path, data)
    if suffix in EXCEL_SUFFIXES:
        return read_excel(path)
    text = decode(data, encoding, name)
    if not text.strip():
        raise UserFileError(
            "the file holds only white space; expected a header and rows", file=name
        )
    if suffix in JSON_SUFFIXES:
        return read_json(name, text)
    return read_delimited(name, text, delimiter, prefer_tab=suffix in (".tsv", ".tab"))


# -- text -----------------------------------------------------------------------------------


def decode(data: bytes, encoding: str | None, name: str) -> str:
    """``data`` as text: UTF-8 (BOM optional) or UTF-16 with a BOM, else ``encoding``; strictly."""
    if encoding is None:
        if data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        elif b"\x00" in data[:4096]:
            raise UserFileError(
                "holds NUL bytes: UTF-16 without a byte-order mark, or not a text file; if it is "
                "UTF-16, pass --encoding utf-16-le (or utf-16-be)",
                file=name,
                line=data[: data.index(b"\x00")].count(b"\n") + 1,
                byte_offset=data.index(b"\x00"),
            )
        else:
            encoding = "utf-8"
    else:
        try:
            canonical = codecs.lookup(encoding).name
        except LookupError:
            raise UserFileError(f"unknown encoding {encoding!r} (--encoding)", file=name) from None
        if canonical == "utf-8":
            encoding = "utf-8-sig"
    try:
        text = data.decode(encoding, errors="strict")
    except UnicodeDecodeError as exc:
        shown = "UTF-8" if encoding.startswith("utf-8") else encoding
        prefix = data[: exc.start].decode(encoding, errors="replace")
        raise UserFileError(
            f"not valid {shown}: bytes {data[exc.start : exc.end][:4].hex(' ')} cannot be "
            "decoded; if the file is Latin-1 or Windows-1252, pass --encoding latin-1 "
            "(or --encoding cp1252)",
            file=name,
            line=prefix.count("\n") + 1,
            byte_offset=exc.start,
        ) from None
    if "\x00" in text:
        raise UserFileError(
            "holds a NUL character; a text table never does (wrong --encoding, or a binary file)",
            file=name,
            line=text[: text.index("\x00")].count("\n") + 1,
        )
    return text


def split_header(header: str, delimiter: str) -> list[str]:
    """The names in a header line split at ``delimiter`` (quotes respected)."""
    try:
        return [cell.strip() for cell in next(csv.reader([header], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        return [header]


def sniff_delimiter(header: str, prefer_tab: bool) -> str:
    """The delimiter that splits the header line into the most names (ties: the usual order)."""
    order = ("\t",) + tuple(d for d in DELIMITERS if d != "\t") if prefer_tab else DELIMITERS
    return max(order, key=lambda d: (len(split_header(header, d)), -order.index(d)))


def _delimiter_name(delimiter: str) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
        delimiter, repr(delimiter)
    )


def parse_delimiter(value: str) -> str:
    """``--delimiter`` as one character (``tab``/``\\t`` name the tab)."""
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}
    delimiter = named.get(value.lower(), value)
    if len(delimiter) != 1:
        raise UserFileError(f"--delimiter must be one character (or 'tab'), not {value!r}")
    return delimiter


def read_delimited(
    name: str, text: str, delimiter: str | None, *, prefer_tab: bool = False
) -> RawTable:
    """CSV/TSV: a header, then rows with exactly as many fields; blank lines are not rows.

    Read by pyarrow's CSV parser (fast, and strict about the number of fields); anything it does
    not accept is read again by :func:`read_delimited_strictly`, which names the line at fault.
    """
    header_text = next(line for line in text.splitlines() if line.strip())
    delimiter = delimiter or sniff_delimiter(header_text, prefer_tab)
    fast = _read_with_arrow(name, text, header_text, delimiter)
    return fast if fast is not None else read_delimited_strictly(name, text, delimiter, header_text)


def _read_with_arrow(name: str, text: str, header_text: str, delimiter: str) -> RawTable | None:
    """The table, or None when pyarrow refuses the text or the header needs the careful path."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    body = text.lstrip("\r\n")
    # a quoted header (R's write.csv, pyarrow's write_csv) is read here too when its quotes close
    # on its line; an odd count may open a field that goes on below: the careful path
    if not body.startswith(header_text) or header_text.count('"') % 2:
        return None
    header = split_header(header_text, delimiter)
    _check_names(header, name, text[: len(text) - len(body)].count("\n") + 1)
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(body.encode("utf-8")),
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=True
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
    except (pa.ArrowException, ValueError):
        return None
    if table.num_rows == 0:
        return None
    cells = {column: table.column(i).to_pylist() for i, column in enumerate(header)}

    def locate() -> list[int]:
        return read_delimited_strictly(name, text, delimiter, header_text).places or []

    return RawTable(name, header, cells, None, "line", header_text, delimiter, locate)


def read_delimited_strictly(name: str, text: str, delimiter: str, header_text: str) -> RawTable:
    """:func:`read_delimited` with Python's csv module in strict mode, line by line."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    header_line = 0
    rows: list[list[str]] = []
    places: list[int] = []
    last = 0
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if header is None:
                header, header_line = [cell.strip() for cell in record], start
                _check_names(header, name, header_line)
                continue
            if len(record) != len(header):
                raise UserFileError(
                    f"this row has {len(record)} field(s) but the header (line {header_line}) has "
                    f"{len(header)} ({_delimiter_name(delimiter)}-delimited): every row needs one "
                    "field per column (an empty field for a missing value)",
                    file=name,
                    line=start,
                )
            rows.append(record)
            places.append(start)
    except csv.Error as exc:
        raise UserFileError(
            f"cannot be read as {_delimiter_name(delimiter)}-delimited text: {exc}",
            file=name,
            line=reader.line_num,
        ) from None
    assert header is not None  # the text has a non-blank line
    if not rows:
        raise UserFileError(
            f"has a header ({', '.join(header)}) but no data rows", file=name, line=header_line
        )
    cells = {column: [row[i] for row in rows] for i, column in enumerate(header)}
    return RawTable(name, header, cells, places, "line", header_text, delimiter)


def _check_names(names: list[str], name: str, line: int | None = None, unit: str = "line") -> None:
    where = {"line": line} if unit == "line" else {"row": line}
    for index, column in enumerate(names):
        if not column:
            raise UserFileError(
                f"column {index + 1} of the header has no name; every column needs one",
                file=name,
                **where,
            )
    seen: dict[str, int] = {}
    for index, column in enumerate(names):
        if column in seen:
            raise UserFileError(
                f"column name {column!r} appears twice in the header (columns {seen[column] + 1} "
                f"and {index + 1}); names must be unique",
                file=name,
                column=column,
                **where,
            )
        seen[column] = index


# -- JSON -----------------------------------------------------------------------------------


def read_json(name: str, text: str) -> RawTable:
    """JSON lines (one object per line) or one JSON array of objects; flat values only."""
    records: list[dict[str, Any]] = []
    places: list[int] = []
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            document = json.loads(text, object_pairs_hook=_unique_keys)
        except (json.JSONDecodeError, _DuplicateKey, RecursionError) as exc:
            raise _json_error(name, exc, "line", getattr(exc, "lineno", None)) from None
        if not isinstance(document, list):
            raise UserFileError("expected a JSON array of objects", file=name)
        unit = "row"
        for index, record in enumerate(document, 1):
            records.append(_json_record(record, name, "row", index))
            places.append(index)
    else:
        unit = "line"
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line, object_pairs_hook=_unique_keys)
            except (json.JSONDecodeError, _DuplicateKey, RecursionError) as exc:
                raise _json_error(name, exc, "line", number) from None
            records.append(_json_record(record, name, "line", number))
            places.append(number)
    if not records:
        raise UserFileError("holds no JSON records", file=name)
    columns: dict[str, None] = {}
    for record in records:
        columns.update(dict.fromkeys(record))
    cells = {column: [record.get(column) for record in records] for column in columns}
    return RawTable(name, list(columns), cells, places, unit)


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise _DuplicateKey(f"key {key!r} appears twice in one object")
    return dict(pairs)


def _json_error(name: str, exc: Exception, unit: str, number: int | None) -> UserFileError:
    if isinstance(exc, RecursionError):
        return UserFileError("not valid JSON here: nested too deeply", file=name, **{unit: number})
    detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
    return UserFileError(f"not valid JSON: {detail}", file=name, **{unit: number})


def _json_record(record: Any, name: str, unit: str, number: int) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise UserFileError(
            f"expected a JSON object (one judgment), found {type(record).__name__}",
            file=name,
            **{unit: number},
        )
    for key, value in record.items():
        if isinstance(value, (list, dict)):
            raise UserFileError(
                f"holds a JSON {'array' if isinstance(value, list) else 'object'}; expected one "
                "value per field (one row per judgment)",
                file=name,
                column=key,
                **{unit: number},
            )
    return record


# -- Parquet --------------------------------------------------------------------------------


def read_parquet(path: Path, data: bytes) -> RawTable:
    """A Parquet file's columns; integers become their exact text (ids keep every digit)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = str(path)
    if len(data) < 12 or data[:4] != PARQUET_MAGIC or data[-4:] != PARQUET_MAGIC:
        raise UserFileError(
            "not a Parquet file (a Parquet file starts and ends with 'PAR1'); a text table with "
            "a .parquet suffix? rename it to .csv",
            file=name,
        )
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise UserFileError(f"cannot be read as Parquet: {exc}", file=name) from None
    columns = [str(column) for column in table.column_names]
    if not columns:
        raise UserFileError("the Parquet file has no columns", file=name)
    _check_names(columns, name, None)
    if table.num_rows == 0:
        raise UserFileError(
            f"the Parquet file has columns ({', '.join(columns)}) but no rows", file=name
        )
    cells = {
        column: _arrow_cells(table.column(index), name, column)
        for index, column in enumerate(columns)
    }
    return RawTable(name, columns, cells, list(range(1, table.num_rows + 1)), "row")


def _arrow_cells(column: Any, name: str, column_name: str) -> list[Any]:
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.cast(kind.value_type), kind.value_type
    if str(kind).split("<")[0].split("[")[0] in _NESTED or pa.types.is_nested(kind):
        raise UserFileError(
            f"holds {kind} values; expected one value per cell (one row per judgment)",
            file=name,
            column=column_name,
        )
    if (
        pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
    ):
        raise UserFileError(
            f"holds binary ({kind}) values; expected text or numbers", file=name, column=column_name
        )
    if pa.types.is_integer(kind) or pa.types.is_decimal(kind):
        column = pc.cast(column, pa.string())  # exact digits: 007 stays distinct from 7 in text
    return column.to_pylist()


# -- Excel ----------------------------------------------------------------------------------


def read_excel(path: Path) -> RawTable:
    """The first worksheet of an .xlsx workbook (needs the optional ``excel`` extra, openpyxl)."""
    name = str(path)
    try:
        import openpyxl
    except ImportError:
        raise UserFileError(
            "reading .xlsx needs openpyxl: pip install 'mer-datasets[excel]' (or save the sheet "
            "as CSV)",
            file=name,
        ) from None
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a bad zip, bad XML, openpyxl's InvalidFileException, ...
        raise UserFileError(f"cannot be read as an .xlsx workbook: {exc}", file=name) from None
    try:
        header, header_row, rows, places = _worksheet_rows(workbook, name)
    except UserFileError:
        raise
    except Exception as exc:  # rows are parsed lazily: broken XML surfaces while iterating
        raise UserFileError(f"cannot be read as an .xlsx workbook: {exc}", file=name) from None
    finally:
        workbook.close()
    if header is None:
        raise UserFileError("the first worksheet is empty; expected a header and rows", file=name)
    if not rows:
        raise UserFileError(
            f"the first worksheet has a header ({', '.join(header)}) but no data rows",
            file=name,
            row=header_row,
        )
    cells = {column: [row[i] for row in rows] for i, column in enumerate(header)}
    return RawTable(name, header, cells, places, "row")


def _worksheet_rows(
    workbook: Any, name: str
) -> tuple[list[str] | None, int, list[tuple[Any, ...]], list[int]]:
    """The header, its row number, the data rows (padded to the header) and their row numbers."""
    sheet = workbook.worksheets[0]
    header: list[str] | None = None
    header_row = 0
    rows: list[tuple[Any, ...]] = []
    places: list[int] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
        if all(value is None or (isinstance(value, str) and not value.strip()) for value in values):
            continue
        if header is None:
            trimmed = list(values)
            while trimmed and trimmed[-1] is None:
                trimmed.pop()
            header = ["" if value is None else str(value).strip() for value in trimmed]
            header_row = number
            _check_names(header, name, number, unit="row")
            continue
        extra = [i for i, value in enumerate(values) if i >= len(header) and value is not None]
        if extra:
            raise UserFileError(
                f"this row has a value in column {extra[0] + 1}, beyond the header's "
                f"{len(header)} columns (row {header_row})",
                file=name,
                row=number,
            )
        padded = tuple(values) + (None,) * (len(header) - len(values))
        rows.append(padded[: len(header)])
        places.append(number)
    return header, header_row, rows, places
