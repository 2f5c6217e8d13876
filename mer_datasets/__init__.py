"""mer-datasets: Music Emotion Recognition datasets, honestly.

One catalog, verified downloads, one tidy per-rater data model, a unified label space,
agreement reports and datasheets. Heavy modules load lazily so ``import mer_datasets`` stays fast
(:mod:`mer_datasets.dataset` and :mod:`mer_datasets.pipeline` import pandas only when called).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dataset import MERDataset, default_levels, load_dataset
from .errors import MERDatasetsError
from .pipeline import load_from_directory
from .tables import QuirksReport, Tables

__version__ = "0.1.0"

__all__ = [
    "MERDataset",
    "MERDatasetsError",
    "QuirksReport",
    "Tables",
    "__version__",
    "dataset_info",
    "default_levels",
    "list_datasets",
    "load_dataset",
    "load_from_directory",
]

if TYPE_CHECKING:  # pragma: no cover
    from .catalog import DatasetInfo


def list_datasets() -> list[str]:
    """Ids of every dataset in the catalog."""
    from .catalog import default_catalog

    return default_catalog().ids()


def dataset_info(dataset_id: str) -> DatasetInfo:
    """What the catalog knows about one dataset."""
    from .catalog import default_catalog

    return default_catalog().get(dataset_id)
