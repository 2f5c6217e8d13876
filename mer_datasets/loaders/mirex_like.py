"""MIREX-like mood dataset (Panda et al. 2013): ``MIREX-like_mood.zip``.

Formats as documented in ``shared/mirror/PROVENANCE.md`` (``mirex-like``):

* ``dataset/clusters.txt`` and ``dataset/categories.txt``: one label per line; line *i* labels
  ``NNN.mp3`` with *i* = NNN (track id ``NNN``, zero-padded as in the file names). Clusters are
  written ``Cluster <n>`` and stored as the label ``"<n>"`` (1-5, the five MIREX mood clusters);
  categories are AllMusic mood words stored exactly as spelled in the file (``Agressive``,
  ``Tense - Anxious``, lower-case ``whimsical``...).
* ``dataset/dataset info.csv``: UTF-16 with BOM, CRLF, ``;``-separated with a trailing ``;``
  (``Title;Artist;Album;Track;Year;Length;Size;Last Modified;Filename;``), no quoting (a ``"`` is
  an ordinary character). A title may contain an unquoted ``;`` (the row of ``782.mp3`` has 11
  fields): the fields after the title have a fixed layout, so the surplus fields are joined back
  into the title (quirk ``repaired``). ``Length`` is in seconds.

Audio ``dataset/Audio/NNN.mp3`` sets ``audio_path`` only when the file exists. No per-rater data.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from ..tables import Tables
from .base import LoaderContext

LOADER_VERSION = "1"

INFO_COLUMNS = (
    "Title",
    "Artist",
    "Album",
    "Track",
    "Year",
    "Length",
    "Size",
    "Last Modified",
    "Filename",
)
#: ``dataset info.csv`` column -> tracks column.
INFO_TARGETS = {
    "Title": "title",
    "Artist": "artist",
    "Album": "album",
    "Track": "track_number",
    "Year": "year",
    "Length": "duration_s",
    "Size": "file_size_raw",
    "Last Modified": "file_last_modified",
    "Filename": "file_name",
}
_CLUSTER = re.compile(r"^Cluster ([1-5])$")
_FILE_NAME = re.compile(r"^(\d{3})\.mp3$")


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    from ..tables import Tables

    clusters = _line_labels(ctx, "clusters", "cluster")
    categories = _line_labels(ctx, "categories", "category")
    labels = pd.concat([clusters, categories], ignore_index=True)
    tracks = _info(ctx)
    listed = set(tracks["track_id"])
    unlisted = sorted(set(labels["track_id"]) - listed)
    ctx.quirks.add(
        "labelled-file-without-info",
        len(unlisted),
        reason="track labelled in clusters/categories.txt but absent from 'dataset info.csv'; added with its id only",
        effect="added",
        examples=unlisted,
    )
    if unlisted:
        tracks = pd.concat([tracks, pd.DataFrame({"track_id": unlisted})], ignore_index=True)
    unlabelled = sorted(listed - set(labels["track_id"]))
    ctx.quirks.add(
        "track-without-label",
        len(unlabelled),
        reason="track in 'dataset info.csv' without a line in clusters/categories.txt; kept",
        effect="kept",
        examples=unlabelled,
    )
    audio = ctx.file("clusters").parent / "Audio"
    tracks["audio_path"] = [
        str(audio / f"{track}.mp3") if (audio / f"{track}.mp3").is_file() else None
        for track in tracks["track_id"]
    ]
    return Tables.published_only(tracks, labels)


def _read_lines(ctx: LoaderContext, name: str, encoding: str) -> list[str]:
    member = ctx.member_path(name)
    path: Path = ctx.file(name)
    text = ctx.decode_text(member, path.read_bytes(), encoding)
    lines = re.split(r"\r\n|\n|\r", text)
    if lines and lines[-1] == "":
        lines.pop()  # the final line ending
    if not any(line.strip() for line in lines):
        raise ctx.parse_error(member, "the file is empty", line=1)
    return lines


def _line_labels(ctx: LoaderContext, name: str, dimension: str) -> Any:
    """One label per line; line number = track number (``NNN.mp3``)."""
    import pandas as pd

    member = ctx.member_path(name)
    lines = _read_lines(ctx, name, "utf-8-sig")
    rows = []
    blank = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            blank.append(f"line {number}")
            continue
        if dimension == "cluster":
            match = _CLUSTER.match(text)
            if not match:
                raise ctx.parse_error(
                    member, f"expected 'Cluster <1-5>', found {text!r}", line=number
                )
            text = match.group(1)
        rows.append(
            {
                "track_id": f"{number:03d}",
                "dimension": dimension,
                "statistic": "label",
                "label": text,
                "source": member,
            }
        )
    ctx.quirks.source_rows(member, len(lines) - len(blank))
    ctx.quirks.add(
        "blank-label-line",
        len(blank),
        file=member,
        reason="blank line: the track with that number has no label in this file",
        effect="excluded",
        examples=blank,
    )
    return pd.DataFrame(rows, columns=["track_id", "dimension", "statistic", "label", "source"])


def _info(ctx: LoaderContext) -> Any:
    name = "info"
    member = ctx.member_path(name)
    raw = ctx.file(name).read_bytes()
    if not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ctx.parse_error(member, "expected UTF-16 text with a byte-order mark", line=1)
    lines = _read_lines(ctx, name, "utf-16")
    header = _info_header(ctx, member, lines[0])
    title_at = header.index("Title")
    rows = []
    repaired: list[str] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = _info_fields(ctx, member, header, title_at, number, line, repaired)
        rows.append(_info_record(ctx, member, number, dict(zip(header, fields))))
    ctx.quirks.source_rows(member, len(rows))
    ctx.quirks.add(
        "unquoted-separator-in-title",
        len(repaired),
        file=member,
        reason="title containing an unquoted ';' (more fields than the header); surplus fields joined back into Title",
        effect="repaired",
        examples=repaired,
    )
    return _info_frame(ctx, member, rows)


def _info_header(ctx: LoaderContext, member: str, line: str) -> list[str]:
    """The ';'-separated header (trailing ';' dropped); every column of INFO_COLUMNS required."""
    header = line.split(";")
    if header and header[-1] == "":
        header = header[:-1]
    header = [cell.strip() for cell in header]
    for column in INFO_COLUMNS:
        if column not in header:
            raise ctx.parse_error(
                member, f"required column {column!r} is missing", line=1, field=column
            )
    return header


def _info_fields(
    ctx: LoaderContext,
    member: str,
    header: list[str],
    title_at: int,
    number: int,
    line: str,
    repaired: list[str],
) -> list[str]:
    """A data line's fields; surplus fields come from ';' in the title and are joined back."""
    fields = line.split(";")
    if fields and fields[-1] == "":
        fields = fields[:-1]  # the trailing ';'
    surplus = len(fields) - len(header)
    if surplus < 0:
        raise ctx.parse_error(
            member,
            f"expected {len(header)} ';'-separated fields, found {len(fields)}",
            line=number,
        )
    if surplus > 0:
        title = ";".join(fields[title_at : title_at + surplus + 1])
        fields = fields[:title_at] + [title] + fields[title_at + surplus + 1 :]
        repaired.append(f"line {number}: {title!r}")
    return fields


def _info_frame(ctx: LoaderContext, member: str, rows: list[dict[str, Any]]) -> Any:
    """The records as a frame: typed, file names unique, empty fields counted."""
    import pandas as pd

    columns = ["track_id", *INFO_TARGETS.values()]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("track_number", "year"):
        frame[column] = frame[column].astype("Int64")
    frame["duration_s"] = frame["duration_s"].astype("Float64")
    duplicated = frame["track_id"].duplicated()
    if duplicated.any():
        raise ctx.parse_error(
            member,
            f"file {frame.loc[duplicated, 'file_name'].iloc[0]} listed twice",
            field="Filename",
        )
    for target in ("title", "artist", "album", "year"):
        where = frame.loc[frame[target].isna(), "file_name"].tolist()
        ctx.quirks.add(
            f"empty-{target}",
            len(where),
            file=member,
            reason=f"empty {target} field: left missing",
            effect="kept",
            examples=where,
        )
    return frame


def _info_record(
    ctx: LoaderContext, member: str, line: int, fields: dict[str, str]
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, target in INFO_TARGETS.items():
        text = fields[column].strip()
        record[target] = text or None
    match = _FILE_NAME.match(record["file_name"] or "")
    if not match:
        raise ctx.parse_error(
            member,
            f"expected a file name like '001.mp3', found {record['file_name']!r}",
            line=line,
            field="Filename",
        )
    record["track_id"] = match.group(1)
    for target, column in (("track_number", "Track"), ("year", "Year")):
        if record[target] is not None:
            if not record[target].isdigit():
                raise ctx.parse_error(
                    member,
                    f"expected an integer, found {record[target]!r}",
                    line=line,
                    field=column,
                )
            record[target] = int(record[target])
    record["duration_s"] = _length_seconds(ctx, member, line, record["duration_s"])
    return record


def _length_seconds(ctx: LoaderContext, member: str, line: int, text: str | None) -> float | None:
    """``Length`` as written by the authors' tool: seconds (``30``), or ``m:ss`` if ever present."""
    if text is None:
        return None
    match = re.fullmatch(r"(?:(\d+):)?(\d+)", text)
    if not match:
        raise ctx.parse_error(
            member, f"expected a length in seconds, found {text!r}", line=line, field="Length"
        )
    return int(match.group(1) or 0) * 60.0 + int(match.group(2))
