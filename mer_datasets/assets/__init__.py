"""Audio and published features of a dataset: fetched on demand, verified, decoded lazily.

Why a subpackage of its own: ``import mer_datasets`` and loading annotations must stay as light
as they are; nothing here (soundfile, the download machinery) is imported until a function below
is called. Each function takes a loaded dataset (anything with ``.info`` and ``.version``) or a
dataset id.
"""

from __future__ import annotations

from .audio import asset_path, audio_path, iter_audio, load_audio
from .features import features

__all__ = ["asset_path", "audio_path", "features", "iter_audio", "load_audio"]
