"""Reading the loaders' raw CSV files: one record loop, two readers, the cell helpers they share.

Why shared: every CSV loader needs the same guarantees (strict decoding with the line of a bad
byte, physical line numbers for records that span lines, blank lines skipped, ``csv.Error``
turned into a ParseError, the number of data rows recorded in the quirks report), and separate
copies of this loop drifted apart. The record loop (:func:`_records`) is written once; two
readers wrap it because the files differ in shape:

* :func:`read_csv`, for rectangular files (deap, emotify, soundtracks): a row with another field
  count than the header is refused at its line while reading;
* :func:`read_csv_records`, for the DEAM family (deam, emomusic) and 4QAED: ragged rows are the
  format there (2 Hz curves of songs of different lengths, a ragged tail of last.fm tags), files
  may lie outside the catalog (DEAM's per-song per-rater files), and the header keeps its line,
  so each loader checks the width where its format requires it (:meth:`CsvRecords.rectangular`).

The two keep their own error wording (a ``csv.Error`` with or without a line, the empty-file
message, the field-count message), as the loaders published them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .base import LoaderContext


def _reader(
    ctx: LoaderContext, member: str, path: Path, encoding: str, skipinitialspace: bool
) -> Any:
    """A csv reader over the strictly decoded text (any line ending; quoted newlines kept)."""
    text = ctx.decode_text(member, path.read_bytes(), encoding)
    return csv.reader(io.StringIO(text, newline=""), skipinitialspace=skipinitialspace)


def _records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """The records of ``reader`` with the physical line each starts on; blank rows skipped.

    Why not ``reader.line_num``: after a record with a quoted newline it is the record's last
    line, so the start is the line after the previous record. A row of blank cells is no record.
    A ``csv.Error`` propagates: each reader words it (the caller holds ``reader.line_num``).
    """
    start = 1
    for row in reader:
        line, start = start, reader.line_num + 1
        if row and any(cell.strip() for cell in row):
            yield line, row


def read_csv(
    ctx: LoaderContext,
    name: str,
    *,
    encoding: str = "utf-8-sig",
    skipinitialspace: bool = False,
) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    """Member path, stripped header and data rows ``(physical line, fields)`` of a logical file.

    For rectangular files: a row with another field count than the header is a ParseError at its
    line (raised while reading, so it comes before a later malformed record).
    """
    member = ctx.member_path(name)
    reader = _reader(ctx, member, ctx.file(name), encoding, skipinitialspace)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for line, row in _records(reader):
            if header is None:
                header = [cell.strip() for cell in row]
                continue
            if len(row) != len(header):
                raise ctx.parse_error(
                    member,
                    f"expected {len(header)} fields as in the header, found {len(row)}",
                    line=line,
                )
            rows.append((line, row))
    except csv.Error as exc:  # e.g. a field over the csv module's field size limit
        raise ctx.parse_error(member, f"malformed CSV: {exc}", line=reader.line_num) from None
    if header is None:
        raise ctx.parse_error(member, "the file is empty (no header line)", line=1)
    ctx.quirks.source_rows(member, len(rows))
    return member, header, rows


@dataclass
class CsvRecords:
    """A CSV file read with physical line numbers: header, then (line, fields) per data row.

    ``header`` is as read (not stripped); rows may be ragged (see :func:`read_csv_records`).
    """

    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    def require_columns(self, ctx: LoaderContext, member: str, columns: Iterable[str]) -> list[str]:
        """The stripped header; a required column absent is a ParseError at the header line.

        Why here: the formats that name their columns (emoMusic, 4QAED) look fields up by name,
        so a renamed or dropped column must stop the load with the column it lacks.
        """
        header = [cell.strip() for cell in self.header]
        for column in columns:
            if column not in header:
                raise ctx.parse_error(
                    member,
                    f"required column {column!r} is missing",
                    line=self.header_line,
                    field=column,
                )
        return header

    def rectangular(self, ctx: LoaderContext, member: str) -> Iterator[tuple[int, list[str]]]:
        """The data rows, each checked (as it is reached) to have the header's field count.

        Why lazily: a loader that meets a bad value on an earlier row reports that row first,
        as when the check was written inside each loader's own loop.
        """
        width = len(self.header)
        for line, row in self.rows:
            if len(row) != width:
                raise ctx.parse_error(
                    member, f"expected {width} fields, found {len(row)}", line=line
                )
            yield line, row


def read_csv_records(
    ctx: LoaderContext,
    member: str,
    path: Path,
    *,
    skipinitialspace: bool = False,
    encoding: str = "utf-8",
) -> CsvRecords:
    """Read a CSV file (any line ending) keeping the physical line of every record.

    ``member`` is the file's path in the dataset layout, for messages and the quirks report's
    source-row count; ``path`` may be a file the catalog does not list (DEAM's per-rater files).
    Rows keep their own field count (ragged files are read as they are). Blank lines carry no
    record and are skipped. An empty file is a :class:`ParseError`.
    """
    reader = _reader(ctx, member, path, encoding, skipinitialspace)
    try:
        records = list(_records(reader))
    except csv.Error as exc:
        raise ctx.parse_error(member, f"malformed CSV: {exc}") from exc
    if not records:
        raise ctx.parse_error(member, "the file is empty (expected a header and data rows)", line=1)
    (header_line, header), *rows = records
    ctx.quirks.source_rows(member, len(rows))
    return CsvRecords(header=header, header_line=header_line, rows=rows)


def parse_float(ctx: LoaderContext, member: str, text: str, line: int, field_name: str) -> float:
    """A numeric cell; anything else is a ParseError naming the file, line and column.

    Why shared: the same message for a non-number in every CSV loader (the bad cell quoted).
    """
    try:
        return float(text)
    except ValueError:
        raise ctx.parse_error(
            member, f"expected a number, found {text!r}", line=line, field=field_name
        ) from None


def strip_padding(text: str) -> str | None:
    """Value of a TAB/space-padded quoted field (``"\\tBlues\\t"``); None when nothing is left.

    Why: DEAM's 2013 metadata and emoMusic's ``songs_info.csv`` (the same export) pad quoted
    values with TABs, and an empty field means "not published".
    """
    cleaned = text.strip()
    return cleaned or None
