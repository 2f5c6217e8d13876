"""Film soundtracks (Eerola & Vuoskoski 2011): mean ratings of film-music excerpts (OSF p6vkg).

Two stimulus sets, each a ratings file and a track list:

- ``mean_ratings_set1.csv``: ``number, valence, energy, tension, anger, fear, happy, sad, tender,
  TARGET`` (360 excerpts); ``mean_ratings_set2.csv``: the same names capitalized plus ``Beauty``,
  ``Liking``, ``soundtrack`` (album) and ``link`` (the excerpt's number in set 1) (110 excerpts).
  UTF-8 with BOM and CRLF; the loader also reads BOM-less LF copies. Headers are matched
  case-insensitively.
- ``set{1,2}_tracklist.csv``: ``Nro, Emotion, Album name, Track, Min:Sec`` (``02:02-02:17``).

Only means are published (1-9 scales, readme), so everything is in ``labels`` (statistic
``mean``, and ``TARGET``, the intended emotion, as statistic ``label``); ``raters`` and
``annotations`` are empty. Track ids are ``set1-001`` ... ``set2-110``. Known repeats named in
the readme (set 2: 010 = 095; 084 and 088 from one track) come from the catalog options
``same_excerpt`` and ``same_source_track`` and are kept, with a quirk and a track column.
"""

from __future__ import annotations

import re

from ..tables import Tables
from .base import LoaderContext
from .csvfile import read_csv

LOADER_VERSION = "1"

ENCODING = "utf-8-sig"  # UTF-8, optional BOM (the OSF files have one)

SETS = ("1", "2")
RATING_COLUMNS = {
    "1": ("valence", "energy", "tension", "anger", "fear", "happy", "sad", "tender"),
    "2": (
        "valence",
        "energy",
        "tension",
        "anger",
        "fear",
        "happy",
        "sad",
        "tender",
        "beauty",
        "liking",
    ),
}
TRACKLIST_COLUMNS = ("nro", "emotion", "album name", "track", "min:sec")
EXCERPT_TIMES = re.compile(r"(\d+):(\d{1,2})\s*-\s*(\d+):(\d{1,2})")


def load(ctx: LoaderContext) -> Tables:
    import pandas as pd

    tracks: dict[str, dict] = {}
    labels: list[dict] = []
    for set_id in SETS:
        listed = _tracklist(ctx, set_id)
        rated = _ratings(ctx, set_id, labels)
        for track_id, row in listed.items():
            tracks[track_id] = row
        unlisted = [t for t in rated if t not in listed]
        for track_id in unlisted:
            tracks[track_id] = {"track_id": track_id, "set": set_id, "number": track_id[-3:]}
        for track_id, extra in rated.items():
            tracks[track_id].update(extra)
        ctx.quirks.add(
            "rated-but-not-listed",
            len(unlisted),
            file=ctx.member_path(f"set{set_id}_ratings"),
            reason="rated excerpt missing from the track list: added without album/time",
            effect="added",
            examples=unlisted,
        )
        unrated = [t for t in listed if t not in rated]
        ctx.quirks.add(
            "listed-but-not-rated",
            len(unrated),
            file=ctx.member_path(f"set{set_id}_tracklist"),
            reason="excerpt in the track list without mean ratings: kept in tracks, no labels",
            effect="kept",
            examples=unrated,
        )
    frame = pd.DataFrame(list(tracks.values()))
    for column in ("soundtrack", "set1_track_id"):
        if column not in frame.columns:
            frame[column] = pd.NA
    _known_repeats(ctx, frame)
    label_frame = pd.DataFrame(
        labels, columns=["track_id", "dimension", "statistic", "value", "label", "source"]
    )
    return Tables.published_only(frame, label_frame)


def _read(ctx: LoaderContext, name: str) -> tuple[str, list[str], list[tuple[int, list[str]]]]:
    """Member path, lower-cased header and stripped data rows (with physical line) of one CSV."""
    member, header, rows = read_csv(ctx, name, encoding=ENCODING)
    return (
        member,
        [c.lower() for c in header],
        [(line, [c.strip() for c in row]) for line, row in rows],
    )


def _require(ctx: LoaderContext, member: str, header: list[str], columns) -> dict[str, int]:
    missing = [c for c in columns if c not in header]
    if missing:
        raise ctx.parse_error(
            member,
            f"missing required column(s) {', '.join(missing)} (matched case-insensitively); "
            f"header is {header}",
            line=1,
            field=missing[0],
        )
    return {name: i for i, name in enumerate(header)}


def _track_id(
    ctx: LoaderContext, member: str, set_id: str, line: int, field: str, text: str
) -> str:
    if not text.isdigit():
        raise ctx.parse_error(
            member,
            f"expected an excerpt number such as 001, found {text!r}",
            line=line,
            field=field,
        )
    return f"set{set_id}-{int(text):03d}"


def _tracklist(ctx: LoaderContext, set_id: str) -> dict[str, dict]:
    member, header, rows = _read(ctx, f"set{set_id}_tracklist")
    index = _require(ctx, member, header, TRACKLIST_COLUMNS)
    tracks: dict[str, dict] = {}
    bad_times: list[str] = []
    duplicates: list[str] = []
    for line, row in rows:
        track_id = _track_id(ctx, member, set_id, line, "Nro", row[index["nro"]])
        if track_id in tracks:
            duplicates.append(track_id)
            continue
        times = row[index["min:sec"]]
        match = EXCERPT_TIMES.fullmatch(times)
        start = end = None
        if match:
            m1, s1, m2, s2 = (int(g) for g in match.groups())
            start, end = 60.0 * m1 + s1, 60.0 * m2 + s2
        elif times:
            bad_times.append(f"line {line}: {times!r}")
        tracks[track_id] = {
            "track_id": track_id,
            "set": set_id,
            "number": f"{int(row[index['nro']]):03d}",
            "album": row[index["album name"]] or None,
            "album_track": row[index["track"]] or None,
            "excerpt_start_s": start,
            "excerpt_end_s": end,
            "tracklist_emotion": row[index["emotion"]] or None,
        }
    ctx.quirks.add(
        "unreadable-excerpt-time",
        len(bad_times),
        file=member,
        reason="Min:Sec is not 'MM:SS-MM:SS': excerpt start/end left missing",
        effect="kept",
        examples=bad_times,
    )
    ctx.quirks.add(
        "duplicate-number",
        len(duplicates),
        file=member,
        reason="excerpt number listed twice; the first row is kept",
        effect="excluded",
        examples=duplicates,
    )
    return tracks


def _ratings(ctx: LoaderContext, set_id: str, labels: list[dict]) -> dict[str, dict]:
    """Append the set's published labels; return per-track extras from the ratings file."""
    member, header, rows = _read(ctx, f"set{set_id}_ratings")
    dims = RATING_COLUMNS[set_id]
    extras = ("soundtrack", "link") if set_id == "2" else ()
    index = _require(ctx, member, header, ("number", *dims, "target", *extras))
    rated: dict[str, dict] = {}
    empty_cells: list[str] = []
    duplicates: list[str] = []
    for line, row in rows:
        track_id = _track_id(ctx, member, set_id, line, "number", row[index["number"]])
        if track_id in rated:
            duplicates.append(track_id)
            continue
        for dim in dims:
            value = _mean_rating(ctx, member, header, index[dim], line, row[index[dim]])
            if value is None:
                empty_cells.append(f"line {line}: {dim}")
                continue
            labels.append(_label(track_id, dim, "mean", value, None, member))
        target = row[index["target"]]
        if target:
            labels.append(_label(track_id, "target", "label", None, target, member))
        else:
            empty_cells.append(f"line {line}: TARGET")
        rated[track_id] = _set2_extra(ctx, member, index, line, row) if set_id == "2" else {}
    ctx.quirks.add(
        "empty-rating",
        len(empty_cells),
        file=member,
        reason="empty cell in the ratings file: no label for that dimension",
        effect="kept",
        examples=empty_cells,
    )
    ctx.quirks.add(
        "duplicate-number",
        len(duplicates),
        file=member,
        reason="excerpt number rated twice; the first row is kept",
        effect="excluded",
        examples=duplicates,
    )
    return rated


def _mean_rating(
    ctx: LoaderContext, member: str, header: list[str], position: int, line: int, text: str
) -> float | None:
    """A published mean rating; an empty cell is None (counted by the caller)."""
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise ctx.parse_error(
            member,
            f"expected a mean rating, found {text!r}",
            line=line,
            field=header[position],
        ) from None


def _set2_extra(
    ctx: LoaderContext, member: str, index: dict[str, int], line: int, row: list[str]
) -> dict:
    """Set 2's extra columns: the soundtrack and the link to the same excerpt in set 1."""
    link = row[index["link"]]
    return {
        "soundtrack": row[index["soundtrack"]] or None,
        "set1_track_id": _track_id(ctx, member, "1", line, "link", link) if link else None,
    }


def _label(track_id: str, dimension: str, statistic: str, value, label, source: str) -> dict:
    return {
        "track_id": track_id,
        "dimension": dimension,
        "statistic": statistic,
        "value": value,
        "label": label,
        "source": source,
    }


def _known_repeats(ctx: LoaderContext, frame) -> None:
    """Mark the repeats the readme names (catalog options): kept, but worth knowing."""
    import pandas as pd

    for option, column, reason in (
        (
            "same_excerpt",
            "same_excerpt_as",
            "the readme says these excerpts are the same audio (intentionally used twice)",
        ),
        (
            "same_source_track",
            "same_source_track_as",
            "the readme says these excerpts are different segments of one track",
        ),
    ):
        frame[column] = pd.Series([pd.NA] * len(frame), dtype="string")
        groups = ctx.option(option, [])
        present = set(frame["track_id"])
        for group in groups:
            members = [t for t in group if t in present]
            for track_id in members:
                others = ",".join(t for t in members if t != track_id)
                frame.loc[frame["track_id"] == track_id, column] = others or pd.NA
            if len(members) > 1:
                ctx.quirks.add(
                    option.replace("_", "-"),
                    len(members),
                    file=ctx.member_path("set2_tracklist"),
                    reason=reason + ": kept as separate tracks",
                    effect="kept",
                    examples=members,
                )
