"""One strict CSV reader for the loaders whose raw files are rectangular CSV with a header.

Why shared: every such loader needs the same guarantees (strict decoding with the line of a bad
byte, physical line numbers for records that span lines, blank lines skipped, a row with another
field count than the header refused at its line, ``csv.Error`` turned into a ParseError, the
number of data rows recorded in the quirks report), and three copies of this loop drifted apart.
"""

from __future__ import annotations

import csv
import io

from .base import LoaderContext


def read_csv(
    ctx: LoaderContext,
    name: str,
    *,
    encoding: str = "utf-8-sig",
    skipinitialspace: bool = False,
) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    """Member path, stripped header and data rows ``(physical line, fields)`` of a logical file."""
    member = ctx.member_path(name)
    text = ctx.decode_text(member, ctx.file(name).read_bytes(), encoding)
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=skipinitialspace)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            if not row or all(not cell.strip() for cell in row):
                continue  # blank line: not a record
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
