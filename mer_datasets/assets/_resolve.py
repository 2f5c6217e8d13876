"""Which dataset and version a function was called for: a loaded dataset or an id."""

from __future__ import annotations

from typing import Any

from ..catalog import Catalog, DatasetInfo, default_catalog


def resolve(
    ds_or_id: Any, version: str | None = None, catalog: Catalog | None = None
) -> tuple[DatasetInfo, str]:
    """(catalog entry, version id) of a dataset object (``.info``, ``.version``) or an id.

    Why duck typing: the dataset class is being moved; any object with the catalog entry and the
    version it was loaded at will do, and a plain id means the (given or default) version."""
    if isinstance(ds_or_id, str):
        info = (catalog or default_catalog()).get(ds_or_id)
        return info, info.version(version).version
    info = getattr(ds_or_id, "info", None)
    if not isinstance(info, DatasetInfo):
        raise TypeError(
            f"expected a dataset id or a loaded dataset (with .info and .version), got "
            f"{type(ds_or_id).__name__}"
        )
    loaded = getattr(ds_or_id, "version", None)
    return info, info.version(version or loaded).version


def files_kwargs(
    data_home: Any = None,
    mirror: Any = None,
    offline: bool | None = None,
    progress: bool | None = None,
    fetch_options: Any = None,
) -> dict[str, Any]:
    """The store's keyword arguments, as the public functions take them."""
    return {
        "data_home": data_home,
        "mirror": mirror,
        "offline": offline,
        "progress": progress,
        "fetch_options": fetch_options,
    }
