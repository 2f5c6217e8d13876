"""Shared test fixtures: where the real-data mirror is, isolated data homes, a catalog for fixtures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = REPO_ROOT / "tests" / "fixtures" / "data"


def shared_mirror_path() -> Path | None:
    """``../shared/mirror`` beside the checkout (or ``$MER_DATASETS_SHARED/mirror``), if present."""
    candidates = []
    if os.environ.get("MER_DATASETS_SHARED"):
        candidates.append(Path(os.environ["MER_DATASETS_SHARED"]) / "mirror")
    candidates.append(REPO_ROOT.parent / "shared" / "mirror")
    for candidate in candidates:
        if (candidate / "SHA256SUMS").is_file():
            return candidate.resolve()
    return None


SHARED_MIRROR = shared_mirror_path()
NO_MIRROR_REASON = (
    "real-data test skipped: ../shared/mirror (byte-original public dataset files) is not beside "
    "this checkout; set MER_DATASETS_SHARED to its parent folder to run it"
)


@pytest.fixture
def shared_mirror() -> Path:
    if SHARED_MIRROR is None:
        pytest.skip(NO_MIRROR_REASON)
    return SHARED_MIRROR


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads or writes the user's real data home, or inherits mirror/offline settings."""
    monkeypatch.setenv("MER_DATASETS_HOME", str(tmp_path_factory.mktemp("mer-home")))
    monkeypatch.delenv("MER_DATASETS_MIRROR", raising=False)
    monkeypatch.delenv("MER_DATASETS_OFFLINE", raising=False)
