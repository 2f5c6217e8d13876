"""Per-track audio: its verified local path, decoded samples, and a stream over many tracks.

Why soundfile: its wheels bundle libsndfile >= 1.1, which decodes WAV, FLAC, OGG and MP3 with no
system library or ffmpeg. It is an optional extra (``pip install 'mer-datasets[audio]'``) and is
imported only when audio is decoded. Resampling happens only when ``sr`` is given and differs
from the file's rate (polyphase filter, :func:`scipy.signal.resample_poly`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import AssetError, AudioDecodeError
from ._resolve import files_kwargs, resolve

AUDIO_GROUP = "audio"


def audio_path(
    ds_or_id: Any,
    track_id: str,
    *,
    group: str = AUDIO_GROUP,
    version: str | None = None,
    data_home: Any = None,
    mirror: Any = None,
    offline: bool | None = None,
    progress: bool | None = None,
    fetch_options: Any = None,
) -> Path:
    """The verified local file of one track's audio, fetched first if needed (unless offline).

    Only the remote (file or archive) holding this track is fetched. Offline, a file verified
    earlier is returned without network; a missing one raises :class:`OfflineError`. ``group``
    picks an audio variant the catalog lists (MTG-Jamendo's ``audio-low``)."""
    return asset_path(
        ds_or_id,
        group,
        track_id,
        version=version,
        data_home=data_home,
        mirror=mirror,
        offline=offline,
        progress=progress,
        fetch_options=fetch_options,
    )


def asset_path(
    ds_or_id: Any,
    name: str,
    track_id: str,
    *,
    version: str | None = None,
    data_home: Any = None,
    mirror: Any = None,
    offline: bool | None = None,
    progress: bool | None = None,
    fetch_options: Any = None,
) -> Path:
    """The verified local file of one track in any asset group (audio, or a per-track feature
    file such as MTG-Jamendo's ``melspecs`` NPY arrays), fetched first if needed."""
    from ..download.assets import ensure_asset_files

    info, ver = resolve(ds_or_id, version)
    group = info.version(ver).asset(name, dataset_id=info.id)
    files = ensure_asset_files(
        info,
        ver,
        name,
        [track_id],
        **files_kwargs(data_home, mirror, offline, progress, fetch_options),
    )
    member = group.member_for(track_id)
    try:
        return files.members[member]
    except KeyError:
        raise AssetError(
            f"dataset {info.id!r}, track {track_id!r}: the {name} file {member} is not available "
            "(its archive lacked it; see the warnings above)"
        ) from None


def load_audio(
    ds_or_id: Any,
    track_id: str,
    *,
    sr: int | None = None,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
    dtype: str = "float32",
    group: str = AUDIO_GROUP,
    version: str | None = None,
    data_home: Any = None,
    mirror: Any = None,
    offline: bool | None = None,
    progress: bool | None = None,
    fetch_options: Any = None,
) -> tuple[np.ndarray, int]:
    """``(samples, sample_rate)`` of one track: 1-D when ``mono``, else (channels, samples).

    ``offset`` and ``duration`` are seconds; ``sr`` resamples only when it differs from the
    file's rate. A truncated, empty or non-audio file raises :class:`AudioDecodeError` naming the
    dataset, the track and the file. ``data_home`` ... ``fetch_options`` are :func:`audio_path`'s."""
    info, ver = resolve(ds_or_id, version)
    path = audio_path(
        info.id if isinstance(ds_or_id, str) else ds_or_id,
        track_id,
        group=group,
        version=ver,
        data_home=data_home,
        mirror=mirror,
        offline=offline,
        progress=progress,
        fetch_options=fetch_options,
    )
    return decode(
        path,
        dataset_id=info.id,
        track_id=track_id,
        sr=sr,
        mono=mono,
        offset=offset,
        duration=duration,
        dtype=dtype,
    )


def decode(
    path: Path,
    *,
    dataset_id: str,
    track_id: str,
    sr: int | None = None,
    mono: bool = True,
    offset: float = 0.0,
    duration: float | None = None,
    dtype: str = "float32",
) -> tuple[np.ndarray, int]:
    """Decode one audio file (see :func:`load_audio`); errors name dataset, track and file."""
    soundfile = _soundfile()
    where = f"dataset {dataset_id!r}, track {track_id!r}, file {path}"

    def fail(why: str) -> AudioDecodeError:
        return AudioDecodeError(
            f"{where}: {why}", dataset_id=dataset_id, track_id=track_id, path=path
        )

    if offset < 0 or (duration is not None and duration < 0) or (sr is not None and sr <= 0):
        raise AssetError(f"{where}: offset and duration must be >= 0 and sr > 0")
    try:
        with soundfile.SoundFile(str(path)) as handle:
            native = handle.samplerate
            total = handle.frames
            start = int(round(offset * native))
            wanted = total - start if duration is None else int(round(duration * native))
            wanted = max(0, min(wanted, total - start))
            if start > total:
                raise fail(f"offset {offset} s is past the end ({total / native:.3f} s)")
            if start:
                handle.seek(start)
            data = handle.read(wanted, dtype=dtype, always_2d=True)
    except AudioDecodeError:
        raise
    except (RuntimeError, soundfile.LibsndfileError, ValueError) as exc:
        raise fail(f"cannot be decoded as audio ({exc})") from exc
    if total == 0:
        raise fail("holds no audio frames (empty or not audio)")
    shortfall = _riff_shortfall(path)
    if shortfall:
        raise fail(
            f"truncated: the WAV header announces {shortfall} more bytes than the file holds; "
            "delete it (or run `mer-datasets verify`) to fetch it again"
        )
    if len(data) < wanted:
        raise fail(
            f"truncated: the header announces {total} frames, only {start + len(data)} could be "
            "read; delete it (or run `mer-datasets verify`) to fetch it again"
        )
    samples = data.T  # (channels, samples)
    if mono:
        samples = samples.mean(axis=0, dtype=np.float64).astype(dtype)
    if sr is not None and sr != native:
        from scipy.signal import resample_poly

        common = math.gcd(int(sr), int(native))
        samples = resample_poly(samples, sr // common, native // common, axis=-1).astype(dtype)
        native = int(sr)
    return np.ascontiguousarray(samples), int(native)


def iter_audio(
    ds_or_id: Any,
    track_ids: Iterable[str] | None = None,
    *,
    sr: int | None = None,
    mono: bool = True,
    dtype: str = "float32",
    group: str = AUDIO_GROUP,
    version: str | None = None,
    data_home: Any = None,
    mirror: Any = None,
    offline: bool | None = None,
    progress: bool | None = None,
    fetch_options: Any = None,
) -> Iterator[tuple[str, np.ndarray, int]]:
    """Yield ``(track_id, samples, sample_rate)`` one track at a time (all tracks by default).

    Why a generator: a dataset's audio rarely fits in memory; each track is fetched (if needed)
    and decoded only when the loop reaches it. The options are :func:`load_audio`'s."""
    info, ver = resolve(ds_or_id, version)
    if track_ids is None:
        track_ids = audio_tracks(ds_or_id, group=group, version=ver)
    for track_id in track_ids:
        samples, rate = load_audio(
            ds_or_id, track_id, sr=sr, mono=mono, dtype=dtype, group=group, version=ver,
            data_home=data_home, mirror=mirror, offline=offline, progress=progress,
            fetch_options=fetch_options,
        )  # fmt: skip
        yield track_id, samples, rate


def audio_tracks(
    ds_or_id: Any, *, group: str = AUDIO_GROUP, version: str | None = None
) -> list[str]:
    """The track ids an audio group has a file for, in catalog order (or the tracks table's).

    A group that lists its files answers from the catalog (restricted to the loaded dataset's
    tracks when a dataset is given). Folder-only archives (MTG-Jamendo's tars, DEAM's
    ``MEMD_audio/``) list no files: then the loaded dataset's tracks whose file falls in a
    declared folder are taken (a dataset id alone gives none)."""
    from ..download.assets import in_declared_folder

    info, ver = resolve(ds_or_id, version)
    chosen = info.version(ver).asset(group, dataset_id=info.id)
    tracks = getattr(ds_or_id, "tracks", None)
    has_ids = tracks is not None and "track_id" in getattr(tracks, "columns", ())
    listed = list(chosen.track_ids())
    if not listed and has_ids:
        return [str(t) for t in tracks["track_id"] if in_declared_folder(chosen, str(t))]
    if has_ids:
        present = set(tracks["track_id"].astype(str))
        return [t for t in listed if t in present]
    return listed


def has_audio(group: Any, track_id: str) -> bool:
    """Whether the group has (or, for folder-only archives, would have) a file for the track."""
    from ..download.assets import in_declared_folder

    return track_id in group.track_index or in_declared_folder(group, track_id)


def _riff_shortfall(path: Path) -> int:
    """Bytes a RIFF/WAVE file lacks compared with its header (0 when complete or not RIFF).

    Why: libsndfile counts a cut WAV's frames from the bytes present, so a truncated download
    would decode "fine" as a shorter clip; the RIFF size field says what was written."""
    try:
        with path.open("rb") as handle:
            head = handle.read(12)
        size = path.stat().st_size
    except OSError:
        return 0
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return 0
    declared = int.from_bytes(head[4:8], "little") + 8
    return max(0, declared - size)


def _soundfile() -> Any:
    try:
        import soundfile
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise AssetError(
            "decoding audio needs the soundfile package: pip install 'mer-datasets[audio]'"
        ) from exc
    return soundfile
