"""A map-style dataset of audio for PyTorch's ``DataLoader``, without depending on torch.

Why no torch import: ``DataLoader`` accepts any object with ``__len__`` and ``__getitem__``
(a map-style dataset), so this class works with torch when it is installed and costs nothing
when it is not. Items are numpy arrays (``default_collate`` turns them into tensors); each item
is fetched (if needed) and decoded when asked, so worker processes decode in parallel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..errors import UnknownTrackError
from ._resolve import resolve
from .audio import AUDIO_GROUP, audio_tracks, has_audio, load_audio


class AudioDataset:
    """``dataset[i]`` -> ``{"track_id", "audio", "sample_rate"[, "target"]}`` for track ``i``.

    ``targets`` maps a track id to what a model should predict (e.g. built from the annotations
    table); tracks without a target are refused at construction, never dropped silently.
    ``sr``/``mono``/``offset``/``duration`` are :func:`load_audio`'s; pass ``sr`` when batching,
    since tracks may differ in rate. ``transform`` is applied to the samples."""

    def __init__(
        self,
        ds_or_id: Any,
        track_ids: Iterable[str] | None = None,
        *,
        targets: Mapping[str, Any] | None = None,
        transform: Callable[[Any], Any] | None = None,
        sr: int | None = None,
        mono: bool = True,
        offset: float = 0.0,
        duration: float | None = None,
        version: str | None = None,
        **files: Any,
    ) -> None:
        info, self.version = resolve(ds_or_id, version)
        group = info.version(self.version).asset(AUDIO_GROUP, dataset_id=info.id)
        self.source = ds_or_id
        self.track_ids = (
            list(track_ids)
            if track_ids is not None
            else audio_tracks(ds_or_id, version=self.version)
        )
        unknown = [t for t in self.track_ids if not has_audio(group, t)]
        if unknown:
            raise UnknownTrackError(f"dataset {info.id!r}: no audio for track(s) {unknown[:10]}")
        if targets is not None:
            missing = [t for t in self.track_ids if t not in targets]
            if missing:
                raise UnknownTrackError(
                    f"dataset {info.id!r}: {len(missing)} track(s) have no target "
                    f"(first: {missing[:5]}); pass track_ids to choose the tracks"
                )
        self.targets = targets
        self.transform = transform
        self.options = {"sr": sr, "mono": mono, "offset": offset, "duration": duration, **files}

    def __len__(self) -> int:
        return len(self.track_ids)

    def __getitem__(self, index: int) -> dict[str, Any]:
        track_id = self.track_ids[index]
        samples, rate = load_audio(self.source, track_id, version=self.version, **self.options)
        if self.transform is not None:
            samples = self.transform(samples)
        item: dict[str, Any] = {"track_id": track_id, "audio": samples, "sample_rate": rate}
        if self.targets is not None:
            item["target"] = self.targets[track_id]
        return item
