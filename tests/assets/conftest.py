"""Small generated audio and feature files in a release layout (tars of tracks, a feature zip)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from tests.download.conftest import (  # noqa: F401
    dataset_entry,
    home,
    info_from,
    options,
    server,
    sha,
    sleeps,
)

soundfile = pytest.importorskip(
    "soundfile", reason="the 'audio' extra (soundfile) is not installed"
)

RATE = 8000
#: track -> (tar it ships in, format, frequency of its sine)
TRACKS = {
    "t01": ("audio_00.tar", "WAV", 440.0),
    "t02": ("audio_00.tar", "FLAC", 660.0),
    "t03": ("audio_01.tar", "WAV", 1000.0),
}


def tone(frequency: float, seconds: float = 1.0, channels: int = 2) -> np.ndarray:
    """(samples, channels) int16 sine: exactly representable in 16-bit WAV and FLAC."""
    t = np.arange(int(RATE * seconds)) / RATE
    wave = np.round(0.5 * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)
    return np.stack([wave, (wave // 2).astype(np.int16)][:channels], axis=1)


def encode(samples: np.ndarray, fmt: str) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, RATE, format=fmt, subtype="PCM_16")
    return buffer.getvalue()


def tar_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def feature_csv(track: str) -> bytes:
    """Three frames of two features; values derived from the track number (known in tests)."""
    k = int(track[1:])
    lines = ["frameTime;energy;zcr"]
    lines += [f"{i}.0;{k + i * 0.5};{k * 10 - i}" for i in range(3)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def release(server):  # noqa: F811
    """Serve the toy release; return (dataset object, audio bytes per track, sample arrays)."""
    audio: dict[str, bytes] = {}
    samples: dict[str, np.ndarray] = {}
    tars: dict[str, dict[str, bytes]] = {}
    for track, (tar, fmt, freq) in TRACKS.items():
        samples[track] = tone(freq)
        ext = "wav" if fmt == "WAV" else "flac"
        audio[track] = encode(samples[track], fmt)
        tars.setdefault(tar, {})[f"audio/{track}.{ext}"] = audio[track]
    audio_remotes: list[dict[str, Any]] = []
    for tar, members in tars.items():
        data = tar_of(members)
        url = server.add_file(f"/rel/{tar}", data)
        audio_remotes.append(
            {
                "url": url,
                "filename": tar,
                "kind": "tar",
                "size": len(data),
                "sha256": sha(data),
                "checksum_source": "official",
                "members": [
                    {
                        "path": path,
                        "size": len(body),
                        "sha256": sha(body),
                        "checksum_source": "official",
                    }
                    for path, body in members.items()
                ],
            }
        )
    features_zip = io.BytesIO()
    with zipfile.ZipFile(features_zip, "w") as archive:
        for track in TRACKS:
            archive.writestr(f"features/{track}.csv", feature_csv(track))
    zip_bytes = features_zip.getvalue()
    feature_remote = {
        "url": server.add_file("/rel/features.zip", zip_bytes),
        "filename": "features.zip",
        "kind": "zip",
        "size": len(zip_bytes),
        "sha256": None,
        "checksum_source": "unknown",
        "members": [
            {"path": f"features/{t}.csv", "sha256": None, "checksum_source": "unknown"}
            for t in TRACKS
        ],
    }
    labels = b"track_id,label\nt01,happy\nt02,sad\nt03,calm\n"
    entry = dataset_entry(
        [
            {
                "url": server.add_file("/rel/labels.csv", labels),
                "filename": "labels.csv",
                "kind": "file",
                "path": "labels.csv",
                "size": len(labels),
                "sha256": sha(labels),
                "checksum_source": "official",
            }
        ]
    )
    entry["versions"][0]["assets"] = {
        "audio": {
            "kind": "audio",
            "track_member": "audio/{track_id}.{ext}",
            "remotes": audio_remotes,
        },
        "toyfeats": {
            "kind": "features",
            "track_member": "features/{track_id}.csv",
            "format": {"type": "csv", "delimiter": ";", "time_column": "frameTime"},
            "remotes": [feature_remote],
        },
    }
    info = info_from(entry)
    return SimpleNamespace(
        ds=SimpleNamespace(info=info, version="1.0"),
        info=info,
        entry=entry,
        audio=audio,
        samples=samples,
        server=server,
    )
