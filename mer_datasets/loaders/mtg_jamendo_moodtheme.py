"""MTG-Jamendo mood/theme subset (Bogdanov et al. 2019): uploader tags of Jamendo tracks.

Reads the official repository's metadata (https://github.com/MTG/mtg-jamendo-dataset):

- ``data/autotagging_moodtheme.tsv``: TAB-separated ``TRACK_ID ARTIST_ID ALBUM_ID PATH DURATION
  TAGS...`` with a ragged tail of tags ``mood/theme---<tag>`` (CRLF in the repository).
- ``data/tags/moodtheme.txt``: the 59 tags of the subset (tags outside it are kept and counted).
- ``data/splits/split-0/autotagging_moodtheme-{train,validation,test}.tsv``: the split-0 partition,
  which gives ``tracks.split``. The split files only use the 56 tags of ``moodtheme_split.txt``:
  tracks tagged only with the other three are in no split (``split`` missing, counted), and split
  rows list fewer tags than the main file for some tracks; labels always come from the main file.

Tags are labels (statistic ``tag``, dimension ``mood_theme``, the tag without its
``mood/theme---`` prefix). There are no raters: tags come from the uploaders, not from ratings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..tables import Tables
from .base import LoaderContext

LOADER_VERSION = "1"

ENCODING = "utf-8"  # a leading BOM stays in the text and is stripped from the header

HEADER = ("TRACK_ID", "ARTIST_ID", "ALBUM_ID", "PATH", "DURATION", "TAGS")
TAG_PREFIX = "mood/theme---"
DIMENSION = "mood_theme"
SPLITS = ("train", "validation", "test")


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    known_tags = _tag_list(ctx)
    member = ctx.member_path("tracks")
    rows = _read_tsv(ctx, "tracks")
    scan = _TrackScan(ctx, member, known_tags)
    for line, fields in rows:
        scan.row(line, fields)
    tracks = scan.tracks
    splits = _splits(ctx, tracks, scan.tags_by_track)
    for track_id, row in tracks.items():
        row["split"] = splits.get(track_id)
    _report_track_quirks(ctx, scan, [t for t in tracks if t not in splits])
    track_frame = pd.DataFrame(
        list(tracks.values()),
        columns=[
            "track_id",
            "duration_s",
            "split",
            "audio_path",
            "artist_id",
            "album_id",
            "jamendo_path",
        ],
    )
    label_frame = pd.DataFrame(
        scan.labels, columns=["track_id", "dimension", "statistic", "label", "source"]
    )
    return Tables.published_only(track_frame, label_frame)


@dataclass
class _TrackScan:
    """One pass over the main TSV: tracks, their tags as labels, and the quirk evidence."""

    ctx: LoaderContext
    member: str
    known_tags: set[str]
    tracks: dict[str, dict] = field(default_factory=dict)
    tags_by_track: dict[str, tuple[str, ...]] = field(default_factory=dict)
    labels: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    repeated_tags: list[str] = field(default_factory=list)
    untagged: list[str] = field(default_factory=list)
    unknown_tags: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        root = self.ctx.root
        self.root = Path(root) if root is not None else None
        # audio folders listed once: one stat per track (18k) when no audio is present took ~0.5 s
        self.audio_folders = (
            {p.name for p in self.root.iterdir() if p.is_dir()} if self.root is not None else set()
        )

    def row(self, line: int, fields: list[str]) -> None:
        """One track row: the first row of a TRACK_ID wins, later ones are counted."""
        track_id, artist_id, album_id, path, duration = fields[:5]
        if track_id in self.tracks:
            self.duplicates.append(f"line {line}: {track_id}")
            return
        self.tags_by_track[track_id] = self._tags(line, track_id, fields[5:])
        self.tracks[track_id] = {
            "track_id": track_id,
            "duration_s": _duration(self.ctx, self.member, line, duration),
            "audio_path": self._audio_path(path),
            "artist_id": artist_id or None,
            "album_id": album_id or None,
            "jamendo_path": path or None,
        }

    def _tags(self, line: int, track_id: str, cells: list[str]) -> tuple[str, ...]:
        """The row's distinct tags, each one a label."""
        tags = tuple(
            _tag(self.ctx, self.member, line, column, text) for column, text in enumerate(cells, 6)
        )
        unique_tags = tuple(dict.fromkeys(tags))
        if len(unique_tags) != len(tags):
            self.repeated_tags.append(f"line {line}: {track_id}")
        if not unique_tags:
            self.untagged.append(track_id)
        for tag in unique_tags:
            if tag not in self.known_tags:
                self.unknown_tags[tag] = self.unknown_tags.get(tag, 0) + 1
            self.labels.append((track_id, DIMENSION, "tag", tag, self.member))
        return unique_tags

    def _audio_path(self, path: str) -> str | None:
        audio = None
        if self.root is not None and path and path.split("/", 1)[0] in self.audio_folders:
            audio = self.root / path
        return str(audio) if audio is not None and audio.is_file() else None


def _report_track_quirks(ctx: LoaderContext, scan: _TrackScan, no_split: list[str]) -> None:
    member = scan.member
    ctx.quirks.add(
        "track-not-in-split",
        len(no_split),
        file=member,
        reason="track in no split-0 file (the splits only use the 56 tags of moodtheme_split.txt): "
        "kept with split missing",
        effect="kept",
        examples=no_split,
    )
    ctx.quirks.add(
        "duplicate-track",
        len(scan.duplicates),
        file=member,
        reason="TRACK_ID listed twice; the first row is kept",
        effect="excluded",
        examples=scan.duplicates,
    )
    ctx.quirks.add(
        "repeated-tag",
        len(scan.repeated_tags),
        file=member,
        reason="the same tag twice in one row: counted once",
        effect="repaired",
        examples=scan.repeated_tags,
    )
    ctx.quirks.add(
        "untagged-track",
        len(scan.untagged),
        file=member,
        reason="track row without any tag: kept in tracks, no labels",
        effect="kept",
        examples=scan.untagged,
    )
    ctx.quirks.add(
        "tag-not-in-tag-list",
        sum(scan.unknown_tags.values()),
        file=member,
        reason="tag not listed in data/tags/moodtheme.txt: kept as published",
        effect="kept",
        examples=sorted(scan.unknown_tags),
    )


def _read_tsv(ctx: LoaderContext, name: str) -> list[tuple[int, list[str]]]:
    """Data rows (line number, fields) of one TSV file after checking its header."""
    member = ctx.member_path(name)
    text = ctx.decode_text(member, ctx.file(name).read_bytes(), ENCODING)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not lines[0].strip():
        raise ctx.parse_error(member, "the file is empty (no header line)", line=1)
    header = lines[0].lstrip("\ufeff").rstrip("\t").split("\t")
    if tuple(header) != HEADER:
        missing = [c for c in HEADER if c not in header]
        raise ctx.parse_error(
            member,
            f"expected the TAB-separated header {' '.join(HEADER)}, found {header}",
            line=1,
            field=missing[0] if missing else None,
        )
    rows = []
    for number, text in enumerate(lines[1:], start=2):
        if not text.strip():
            continue
        fields = text.rstrip("\t").split("\t")
        if len(fields) < 5:
            raise ctx.parse_error(
                member,
                f"expected at least 5 TAB-separated fields ({' '.join(HEADER[:5])}), found {len(fields)}",
                line=number,
            )
        rows.append((number, fields))
    ctx.quirks.source_rows(member, len(rows))
    return rows


def _tag(ctx: LoaderContext, member: str, line: int, column: int, text: str) -> str:
    if not text.startswith(TAG_PREFIX) or len(text) == len(TAG_PREFIX):
        raise ctx.parse_error(
            member,
            f"column {column}: expected a tag 'mood/theme---<tag>', found {text!r}",
            line=line,
            field="TAGS",
        )
    return text[len(TAG_PREFIX) :]


def _duration(ctx: LoaderContext, member: str, line: int, text: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise ctx.parse_error(
            member, f"expected a duration in seconds, found {text!r}", line=line, field="DURATION"
        ) from None


def _tag_list(ctx: LoaderContext) -> set[str]:
    member = ctx.member_path("tag_list")
    text = ctx.decode_text(member, ctx.file("tag_list").read_bytes(), ENCODING)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    entries = [line.strip() for line in text.split("\n") if line.strip()]
    ctx.quirks.source_rows(member, len(entries))
    tags = set()
    for number, entry in enumerate(entries, start=1):
        tags.add(_tag(ctx, member, number, 1, entry))
    return tags


def _splits(
    ctx: LoaderContext, tracks: dict[str, dict], tags_by_track: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    """Track id -> split name from the split-0 files (every split row accounted for)."""
    assigned: dict[str, str] = {}
    unknown: list[str] = []
    twice: list[str] = []
    fewer_tags = 0
    for split in SPLITS:
        name = f"split_{split}"
        member = ctx.member_path(name)
        for line, fields in _read_tsv(ctx, name):
            track_id = fields[0]
            if track_id not in tracks:
                unknown.append(f"{member} line {line}: {track_id}")
                continue
            if track_id in assigned:
                twice.append(f"{member} line {line}: {track_id}")
                continue
            assigned[track_id] = split
            split_tags = {_tag(ctx, member, line, c, t) for c, t in enumerate(fields[5:], 6)}
            if split_tags != set(tags_by_track[track_id]):
                fewer_tags += 1
    ctx.quirks.add(
        "split-track-unknown",
        len(unknown),
        reason="split-0 row whose track is not in autotagging_moodtheme.tsv",
        effect="excluded",
        examples=unknown,
    )
    ctx.quirks.add(
        "track-in-two-splits",
        len(twice),
        reason="track listed in more than one split-0 file: the first split is kept",
        effect="excluded",
        examples=twice,
    )
    ctx.quirks.add(
        "split-tags-differ",
        fewer_tags,
        reason="split-0 row whose tags differ from the main file (the splits drop the tags not in "
        "moodtheme_split.txt): the split is used, the tags come from the main file",
        effect="kept",
    )
    return assigned
