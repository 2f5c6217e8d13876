"""The personalization modules' errors (defined in :mod:`mer_datasets.errors`) and the optional
import helper that raises them."""

from __future__ import annotations

from ..errors import OptionalDependencyError, PersonalizationError

__all__ = ["OptionalDependencyError", "PersonalizationError", "require"]


def require(module: str, extra: str):
    """Import ``module`` or say which extra installs it (instead of a bare ImportError)."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise OptionalDependencyError(
            f"{module} is not installed; install it with: pip install 'mer-datasets[{extra}]'"
        ) from exc
