"""Reading the loaders' raw NumPy ``.npy`` files: numeric arrays only, never pickled objects.

Why a module of its own: ``numpy.load`` unpickles object arrays when ``allow_pickle=True``, which
runs code from the file. Raw files come from the internet, so they are opened with
``allow_pickle=False`` and only boolean, integer and floating-point arrays of the expected shape
are accepted; anything else (an object array, a structured dtype, a damaged header) is a
:class:`~mer_datasets.errors.ParseError` naming the file, never a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from .base import LoaderContext


def read_numeric_npy(
    ctx: LoaderContext, name: str, *, ndim: int | None = None, tail: tuple[int, ...] = ()
) -> np.ndarray:
    """The numeric array of the logical file ``name`` as float64.

    ``ndim`` is the required number of dimensions and ``tail`` the required trailing shape
    (e.g. ``(30, 4)`` for one 30 x 4 matrix per record).
    """
    import numpy as np

    member = ctx.member_path(name)
    path = ctx.file(name)
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as exc:  # object arrays refused, bad header
        raise ctx.parse_error(member, f"not a numeric .npy array: {exc}") from None
    except (OSError, EOFError) as exc:
        raise ctx.parse_error(member, f"not a readable .npy file: {exc}") from None
    if not isinstance(array, np.ndarray):
        raise ctx.parse_error(member, "expected one .npy array, found an archive")
    if array.dtype.kind not in "biuf":
        raise ctx.parse_error(member, f"expected a numeric array, found dtype {array.dtype}")
    if ndim is not None and array.ndim != ndim:
        raise ctx.parse_error(member, f"expected {ndim} dimensions, found shape {array.shape}")
    if tail and tuple(array.shape[-len(tail) :]) != tail:
        raise ctx.parse_error(member, f"expected trailing shape {tail}, found shape {array.shape}")
    return array.astype("float64", copy=False)
