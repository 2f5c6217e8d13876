"""Locate the data files the package needs: ``catalog.yaml``, ``schemas/``, ``datasheets/``.

Why two places: in a source checkout (and an editable install) they live at the repository root,
where contributors edit them; a wheel carries copies under ``mer_datasets/_data/`` (see
``[tool.hatch.build.targets.wheel.force-include]`` in ``pyproject.toml``). The installed copy wins
when present, so an installed package never reads a stray checkout.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    """The folder that holds ``catalog.yaml``, ``schemas/`` and ``datasheets/``."""
    installed = _PACKAGE_DIR / "_data"
    if (installed / "catalog.yaml").is_file():
        return installed
    checkout = _PACKAGE_DIR.parent
    if (checkout / "catalog.yaml").is_file():
        return checkout
    raise FileNotFoundError(
        "mer-datasets cannot find catalog.yaml: neither the installed copy "
        f"({installed}) nor a source checkout ({checkout}) has it. Reinstall the package."
    )


def catalog_path() -> Path:
    return data_root() / "catalog.yaml"


def schema_path(name: str) -> Path:
    """Path of a JSON Schema by file name relative to ``schemas/`` (e.g. ``tables/tracks.schema.json``)."""
    return data_root() / "schemas" / name


def datasheets_dir() -> Path:
    return data_root() / "datasheets"


def sample_data_dir() -> Path:
    """The embedded synthetic ``sample`` dataset (always inside the package)."""
    return _PACKAGE_DIR / "sample_data"


@cache
def load_schema(name: str) -> dict:
    """Read a JSON Schema once per process."""
    import json

    with schema_path(name).open(encoding="utf-8") as handle:
        return json.load(handle)
