"""mer-datasets: Music Emotion Recognition datasets, honestly.

One catalog, verified downloads, one tidy per-rater data model, a unified label space,
agreement reports and datasheets. Heavy modules load lazily so ``import mer_datasets`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "dataset_info",
    "list_datasets",
    "load_dataset",
]

if TYPE_CHECKING:  # pragma: no cover
    from .catalog import DatasetInfo
    from .model import MERDataset


def list_datasets() -> list[str]:
    """Ids of every dataset in the catalog."""
    from .catalog import default_catalog

    return default_catalog().ids()


def dataset_info(dataset_id: str) -> DatasetInfo:
    """What the catalog knows about one dataset."""
    from .catalog import default_catalog

    return default_catalog().get(dataset_id)


def load_dataset(dataset_id: str, **kwargs: Any) -> MERDataset:
    """Download if needed (verified), parse, validate and cache a dataset; see :func:`mer_datasets.model.load_dataset`."""
    from .model import load_dataset as _load

    return _load(dataset_id, **kwargs)
