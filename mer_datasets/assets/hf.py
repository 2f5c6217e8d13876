"""A Hugging Face ``datasets.Dataset`` whose ``audio`` column is a ``datasets.Audio`` feature.

Why a separate table keyed by ``track_id``: the annotation export (``to_hf``) is one row per
judgment, the audio one per track; joining is the user's choice (or the lead's ``to_hf(audio=
True)``). Each file is fetched and verified first; the column holds verified local paths.
``decode=False`` by default because recent ``datasets`` releases decode audio through torchcodec,
which is not a dependency here; cast with ``Audio(decode=True)`` where it is installed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._resolve import resolve
from .audio import audio_path, audio_tracks


def audio_hf_dataset(
    ds_or_id: Any,
    track_ids: Iterable[str] | None = None,
    *,
    decode: bool = False,
    sampling_rate: int | None = None,
    version: str | None = None,
    **files: Any,
) -> Any:
    """``datasets.Dataset`` with ``track_id`` and ``audio`` (``datasets.Audio``), one row a track."""
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        from ..errors import MERDatasetsError

        raise MERDatasetsError(
            "the Hugging Face export needs the datasets package: pip install 'mer-datasets[hf]'"
        ) from exc
    info, ver = resolve(ds_or_id, version)
    tracks = list(track_ids) if track_ids is not None else audio_tracks(ds_or_id, version=ver)
    paths = [str(audio_path(ds_or_id, t, version=ver, **files)) for t in tracks]
    # built as strings, then cast: casting paths is pure Arrow, while from_dict with an Audio
    # feature encodes every example (torchcodec in datasets >= 4)
    table = datasets.Dataset.from_dict({"track_id": tracks, "audio": paths})
    return table.cast_column("audio", datasets.Audio(sampling_rate=sampling_rate, decode=decode))
