"""Where data lives and how it may be fetched: data home, mirror and offline mode.

Why one module: every entry point (Python API, CLI, loaders) must resolve these three settings the
same way, with the same precedence: an explicit argument wins over the environment, which wins
over the default. The data home holds files that may be under a EULA, so a new one is created
private (mode 0o700); an existing one keeps whatever permissions its owner chose.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "MER_DATASETS_HOME"
MIRROR_ENV = "MER_DATASETS_MIRROR"
OFFLINE_ENV = "MER_DATASETS_OFFLINE"
APP_NAME = "mer-datasets"
PRIVATE_DIR_MODE = 0o700
_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one operation."""

    data_home: Path
    mirror: str | None
    offline: bool


def data_home_path(data_home: str | os.PathLike[str] | None = None) -> Path:
    """The data home path (argument > ``$MER_DATASETS_HOME`` > per-user data dir), not created."""
    if data_home is not None and str(data_home) != "":
        return Path(data_home).expanduser()
    from_env = os.environ.get(HOME_ENV)
    if from_env:
        return Path(from_env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def resolve_data_home(data_home: str | os.PathLike[str] | None = None) -> Path:
    """The data home, created with mode 0o700 when new; an existing one is left as it is."""
    path = data_home_path(data_home)
    ensure_private_dir(path)
    return path


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing; only a directory created here is chmod-ed 0o700.

    ``mkdir(mode=...)`` is filtered by the umask, hence the explicit chmod; a directory that
    already exists (or that another process created in between) is never touched, so a
    group-shared data home set up by an administrator stays shared.
    """
    if path.is_dir():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE)
    except FileExistsError:
        return path
    os.chmod(path, PRIVATE_DIR_MODE)
    return path


def resolve_mirror(mirror: str | os.PathLike[str] | None = None) -> str | None:
    """The mirror (an http(s) URL or a local directory): argument > ``$MER_DATASETS_MIRROR``."""
    if mirror is not None and str(mirror) != "":
        return str(mirror)
    return os.environ.get(MIRROR_ENV) or None


def resolve_offline(offline: bool | None = None) -> bool:
    """Offline mode: argument > ``$MER_DATASETS_OFFLINE`` (1/true/yes/on, any case) > False."""
    if offline is not None:
        return bool(offline)
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in _TRUE_WORDS


def resolve_settings(
    data_home: str | os.PathLike[str] | None = None,
    mirror: str | os.PathLike[str] | None = None,
    offline: bool | None = None,
) -> Settings:
    """All three settings at once (creates the data home if it is new)."""
    return Settings(
        data_home=resolve_data_home(data_home),
        mirror=resolve_mirror(mirror),
        offline=resolve_offline(offline),
    )
