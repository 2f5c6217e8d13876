"""Published feature sets (e.g. openSMILE per second) as one tidy table keyed by track id.

Why a table keyed by ``track_id`` (+ ``frame_time``): it joins to the annotations' ``tracks``
table without knowing the release's file naming, and frame-level features stay one row per
(track, frame). The parsed table is cached as Parquet in the version folder under a name that
holds the sha256 of every source file, so a changed file can never be served from a stale cache.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import AssetError, FeatureFileError
from ._resolve import files_kwargs, resolve

#: bump when the parsed table's shape changes (invalidates every features cache)
FEATURES_FORMAT = 1
SUMMARIES = ("mean", "std", "min", "max", "median")


def features(
    ds_or_id: Any,
    name: str,
    *,
    tracks: Iterable[str] | None = None,
    summary: str | None = None,
    version: str | None = None,
    cache: bool = True,
    data_home: Any = None,
    mirror: Any = None,
    offline: bool | None = None,
    progress: bool | None = None,
    fetch_options: Any = None,
) -> pd.DataFrame:
    """The feature set ``name`` as a DataFrame: ``track_id``, ``frame_time`` (frame-level sets)
    and one float column per feature, in catalog track order.

    ``summary='mean'`` (or std, min, max, median) gives one row per track instead, plus
    ``n_frames``. The files are fetched and verified first if needed (unless offline)."""
    from ..download.assets import ensure_asset_files
    from ..download.layout import VersionLayout

    info, ver = resolve(ds_or_id, version)
    group = info.version(ver).asset(name, dataset_id=info.id)
    if group.kind != "features":
        raise AssetError(f"dataset {info.id!r}: asset group {name!r} is {group.kind}, not features")
    if group.format.get("type") == "npy":
        raise AssetError(
            f"dataset {info.id!r}: feature set {name!r} is one NPY array per track (not a "
            f"table): read one with numpy.load(mer_datasets.assets.asset_path(ds, {name!r}, "
            "TRACK_ID))"
        )
    if summary is not None and summary not in SUMMARIES:
        raise AssetError(f"summary {summary!r}: expected one of {', '.join(SUMMARIES)}")
    wanted = list(dict.fromkeys(tracks)) if tracks is not None else None
    files = ensure_asset_files(
        info,
        ver,
        name,
        wanted,
        **files_kwargs(data_home, mirror, offline, progress, fetch_options),
    )
    listed = group.track_ids() or _tracks_of_files(group, files.members)
    order = [t for t in listed if wanted is None or t in wanted]
    sources = [(t, group.member_for(t)) for t in order if group.member_for(t) in files.members]
    digest = hashlib.sha256(
        "\n".join(
            [f"format={FEATURES_FORMAT}", repr(sorted(group.format.items()))]
            + [f"{t}\t{files.sha256[m]}" for t, m in sources]
        ).encode()
    ).hexdigest()[:24]
    from ..config import resolve_settings

    layout = VersionLayout(resolve_settings(data_home).data_home, info.id, ver)
    cached = layout.root / "cache" / "assets" / f"{name}-{digest}.parquet"
    table = _read_cache(cached) if cache else None
    if table is None:
        table = _parse_all(info.id, group, [(t, files.members[m]) for t, m in sources])
        if cache:
            _write_cache(cached, table)
    if summary is None:
        return table
    return summarise(table, summary)


def _tracks_of_files(group: Any, members: Iterable[str]) -> list[str]:
    """Track ids of the files found in a folder-only archive (DEAM's ``features/<id>.csv``),
    in natural order (2 before 10)."""
    import re

    found = {t for t in (group.track_for(m) for m in members) if t is not None}
    return sorted(
        found, key=lambda t: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", t)]
    )


def summarise(table: pd.DataFrame, how: str = "mean") -> pd.DataFrame:
    """One row per track: the ``how`` of each feature over its frames, and ``n_frames``."""
    values = table.drop(columns=["frame_time"], errors="ignore")
    grouped = values.groupby("track_id", sort=False)
    out = getattr(grouped, how)()
    out.insert(0, "n_frames", grouped.size().astype("int64"))
    return out.reset_index()


def _parse_all(dataset_id: str, group: Any, sources: list[tuple[str, Path]]) -> pd.DataFrame:
    frames = [_parse_one(dataset_id, group, track, path) for track, path in sources]
    if not frames:
        return pd.DataFrame({"track_id": pd.Series(dtype="string")})
    columns = list(frames[0].columns)
    for (track, path), frame in zip(sources, frames, strict=True):
        if list(frame.columns) != columns:
            missing = sorted(set(columns) - set(frame.columns))
            extra = sorted(set(frame.columns) - set(columns))
            raise FeatureFileError(
                f"dataset {dataset_id!r}, feature set {group.name!r}, track {track!r}, file {path}: "
                f"columns differ from the first file's (missing {missing[:5]}, extra {extra[:5]})"
            )
    table = pd.concat(frames, ignore_index=True)
    table["track_id"] = table["track_id"].astype("string")
    return table


def _parse_one(dataset_id: str, group: Any, track: str, path: Path) -> pd.DataFrame:
    fmt = group.format
    where = f"dataset {dataset_id!r}, feature set {group.name!r}, track {track!r}, file {path}"
    try:
        frame = pd.read_csv(path, sep=fmt.get("delimiter", ","), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise FeatureFileError(f"{where}: not a readable feature table ({exc})") from exc
    if frame.empty:
        raise FeatureFileError(f"{where}: no rows")
    time_column = fmt.get("time_column")
    if time_column is not None and time_column not in frame.columns:
        raise FeatureFileError(
            f"{where}: no time column {time_column!r} (header: {list(frame)[:5]})"
        )
    numeric = frame.apply(pd.to_numeric, errors="coerce")
    bad = numeric.isna() & (frame != "")
    if bad.to_numpy().any():
        row, col = next(zip(*bad.to_numpy().nonzero(), strict=True))
        raise FeatureFileError(
            f"{where}, line {row + 2}, column {frame.columns[col]!r}: {frame.iat[row, col]!r} "
            "is not a number"
        )
    numeric = numeric.astype("float64")
    if time_column is not None:
        numeric = numeric.rename(columns={time_column: "frame_time"})
        numeric = numeric[["frame_time"] + [c for c in numeric.columns if c != "frame_time"]]
    numeric.insert(0, "track_id", track)
    return numeric


def _read_cache(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path)
    except Exception:  # a damaged cache entry is rebuilt, never trusted
        return None


def _write_cache(path: Path, table: pd.DataFrame) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table.to_parquet(temporary, index=False)
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)  # a read-only data home only costs time
