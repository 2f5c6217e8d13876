"""Errors of the personalization modules (part of the :class:`~mer_datasets.errors.MERDatasetsError` tree)."""

from __future__ import annotations

from ..errors import MERDatasetsError


class PersonalizationError(MERDatasetsError, ValueError):
    """A bad argument or an input table that cannot support the request (says which and why)."""


class OptionalDependencyError(MERDatasetsError, ImportError):
    """An optional extra (``crowd`` or ``learn``) is needed and not installed."""


def require(module: str, extra: str):
    """Import ``module`` or say which extra installs it (instead of a bare ImportError)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise OptionalDependencyError(
            f"{module} is not installed; install it with: pip install 'mer-datasets[{extra}]'"
        ) from exc
