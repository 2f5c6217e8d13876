"""DEAM's raw formats, shared by the DEAM and emoMusic loaders (DEAM's 2013 part is emoMusic).

Why a module of its own: no loader imports another loader, so the format both read (integer song
ids, ``min.sec`` bounds, the averaged 2 Hz curves with ``sample_<ms>ms`` headers) lives here.
Formats as documented in ``shared/mirror/PROVENANCE.md`` (sections ``deam`` and ``emomusic``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .csvfile import CsvRecords, parse_float, read_csv_records

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from .base import LoaderContext

_SAMPLE_HEADER = re.compile(r"^sample_(\d+)ms$")


def song_id(ctx: LoaderContext, member: str, text: str, line: int, field_name: str) -> str:
    """A DEAM/emoMusic song id: an integer written in the file (kept as its decimal string)."""
    cleaned = text.strip()
    if not cleaned.isdigit():
        raise ctx.parse_error(
            member, f"expected an integer song id, found {text!r}", line=line, field=field_name
        )
    return str(int(cleaned))


def minsec_to_seconds(text: str) -> float | None:
    """``min.sec`` as in DEAM/emoMusic metadata: ``1.33`` is 93 s, ``1.3`` is 90 s, ``2`` is 120 s.

    The field was a number in a spreadsheet, so a trailing zero of the seconds was lost
    (``1.30`` -> ``1.3``); every song of emoMusic's ``songs_info.csv`` then spans exactly 45 s.
    Returns None for an empty or unreadable field.
    """
    cleaned = text.strip()
    match = re.fullmatch(r"(\d+)(?:\.(\d{1,2}))?", cleaned)
    if not match:
        return None
    minutes, seconds = match.group(1), (match.group(2) or "0").ljust(2, "0")
    return int(minutes) * 60.0 + int(seconds)


def song_id_header(ctx: LoaderContext, member: str, records: CsvRecords) -> list[str]:
    """The stripped header of an averaged file (static or curve): its first column is ``song_id``."""
    header = [cell.strip() for cell in records.header]
    if not header or header[0] != "song_id":
        raise ctx.parse_error(
            member,
            f"expected first column 'song_id', found {header[:1]}",
            line=records.header_line,
            field="song_id",
        )
    return header


def sample_times(ctx: LoaderContext, member: str, records: CsvRecords) -> list[float]:
    """Times (s) of the ``sample_<ms>ms`` header columns; the first column must be ``song_id``."""
    header = song_id_header(ctx, member, records)
    return times_of_samples(ctx, member, records.header_line, header[1:])


def times_of_samples(
    ctx: LoaderContext, member: str, header_line: int, cells: list[str]
) -> list[float]:
    """Times (s) of header cells ``sample_<ms>ms`` (averaged and per-rater curves alike)."""
    times = []
    for cell in cells:
        match = _SAMPLE_HEADER.match(cell)
        if not match:
            raise ctx.parse_error(
                member,
                "expected a column named like 'sample_15000ms'",
                line=header_line,
                field=cell,
            )
        times.append(int(match.group(1)) / 1000.0)
    return times


def _cells_as_numbers(cells: list[str]) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Stripped texts, their float values (NaN where empty or not a number to Arrow) and the
    empty mask, computed in Arrow: a curve file has ~100k cells."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pc.utf8_trim_whitespace(pa.array(cells, type=pa.string()))
    is_empty = pc.equal(texts, "").to_numpy(zero_copy_only=False).astype(bool)
    try:
        numbers = pc.cast(pc.if_else(is_empty, None, texts), pa.float64())
        values = numbers.to_numpy(zero_copy_only=False).astype("float64")
    except pa.ArrowInvalid:  # some cell is no number to Arrow: the caller's float() decides
        values = np.full(len(cells), np.nan)
    return texts, values, is_empty


def continuous_labels(
    ctx: LoaderContext, name: str, dimension: str, statistic: str
) -> pd.DataFrame:
    """Label rows (one per song and sample) of an averaged 2 Hz curve file.

    Rows shorter than the header are ragged by design (songs of different lengths) and keep only
    their own samples; a row longer than the header is a :class:`ParseError`; empty cells are
    counted as excluded samples.
    """
    import numpy as np
    import pandas as pd

    member = ctx.member_path(name)
    records = read_csv_records(ctx, member, ctx.file(name))
    times = sample_times(ctx, member, records)
    tracks: list[str] = []
    lines: list[int] = []
    lengths: list[int] = []
    cells: list[str] = []
    ragged = 0
    seen: dict[str, int] = {}
    for line, row in records.rows:
        track = song_id(ctx, member, row[0], line, "song_id")
        if track in seen:
            raise ctx.parse_error(
                member,
                f"song {track} already had a row on line {seen[track]}",
                line=line,
                field="song_id",
            )
        seen[track] = line
        if len(row) - 1 > len(times):
            raise ctx.parse_error(
                member,
                f"{len(row) - 1} samples but the header names only {len(times)}",
                line=line,
                field="song_id",
            )
        ragged += len(row) - 1 < len(times)
        tracks.append(track)
        lines.append(line)
        lengths.append(len(row) - 1)
        cells.extend(row[1:])
    # the cells of every row at once (a curve file has ~100k cells; a per-cell loop took seconds)
    texts, numbers, is_empty = _cells_as_numbers(cells)
    counts = np.asarray(lengths, dtype=np.int64)  # int even when there are no rows
    sample_index = np.arange(len(cells)) - np.repeat(np.cumsum(counts) - counts, counts)
    cell_lines = np.repeat(np.asarray(lines, dtype=np.int64), counts)
    for i in np.flatnonzero(
        np.isnan(numbers) & ~is_empty
    ):  # not a number to pandas: float() decides
        time_s = times[sample_index[i]]
        numbers[i] = parse_float(
            ctx,
            member,
            texts[int(i)].as_py(),
            int(cell_lines[i]),
            f"sample_{round(time_s * 1000)}ms",
        )
    cell_tracks = np.repeat(np.array(tracks, dtype=object), counts)
    empty = [
        f"song {cell_tracks[i]} at {times[sample_index[i]]:g} s (line {cell_lines[i]})"
        for i in np.flatnonzero(is_empty)
    ]
    kept = ~is_empty
    ids = cell_tracks[kept].tolist()
    sample_s = np.asarray(times, dtype="float64")[sample_index[kept]]
    values = numbers[kept]
    ctx.quirks.add(
        "ragged-rows",
        ragged,
        file=member,
        reason="rows with fewer samples than the header (shorter songs); read as they are, not padded",
        effect="kept",
    )
    ctx.quirks.add(
        "empty-sample",
        len(empty),
        file=member,
        reason="empty cell inside a curve: no value published for that sample",
        effect="excluded",
        examples=empty,
    )
    return pd.DataFrame(
        {
            "track_id": ids,
            "dimension": dimension,
            "statistic": statistic,
            "value": values,
            "time_s": sample_s,
            "source": member,
        }
    )
