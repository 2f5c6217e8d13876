"""Per-item spread of ratings under a stated convention: which SD, which quantiles.

Why a convention: the sample SD (N - 1 in the denominator) and the population SD (N) differ by
a factor sqrt(N / (N - 1)), 3.5 % with 15 raters; numpy alone has thirteen quantile methods
whose quartiles differ by up to a scale step on integer answers. A published per-item summary
can only be reproduced (or compared with) under the convention it was computed with, so the
convention is a parameter here, never implicit:

- ``sd_ddof``: 1 (the default: sample SD, pandas' default and what most papers call "SD") or
  0 (population SD, numpy's default).
- ``quantile_method``: a method of :func:`numpy.quantile` (default ``"linear"``, Hyndman & Fan
  type 7, the default of numpy, pandas and R).

Established conventions of published files (reproduced from the per-rater judgments in the tests;
the catalog's ``published_spreads:`` field records them): DEAP's ``video_list.csv`` STD and
quartiles of the online ratings use ``sd_ddof=0`` and ``quantile_method="median_unbiased"``
(Hyndman & Fan type 8), rounded to 4 decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import AgreementError

#: The methods :func:`numpy.quantile` accepts (numpy >= 1.22).
QUANTILE_METHODS: tuple[str, ...] = (
    "inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
    "hazen", "weibull", "linear", "median_unbiased", "normal_unbiased", "lower", "higher",
    "midpoint", "nearest",
)  # fmt: skip
#: Methods pandas' ``groupby().quantile`` computes itself (the others go through numpy per item).
_PANDAS_METHODS = frozenset({"linear", "lower", "higher", "midpoint", "nearest"})
SPREAD_COLUMNS: tuple[str, ...] = ("mean", "std", "q25", "median", "q75", "iqr", "min", "max")


@dataclass(frozen=True)
class SpreadConvention:
    """How per-item SD and quantiles are computed (see the module docstring for the defaults)."""

    sd_ddof: int = 1
    quantile_method: str = "linear"

    def __post_init__(self) -> None:
        if isinstance(self.sd_ddof, bool) or self.sd_ddof not in (0, 1):
            raise AgreementError(
                f"sd_ddof must be 0 (population SD) or 1 (sample SD), got {self.sd_ddof!r}"
            )
        if self.quantile_method not in QUANTILE_METHODS:
            raise AgreementError(
                f"unknown quantile_method {self.quantile_method!r}; expected one of "
                f"{', '.join(QUANTILE_METHODS)} (numpy.quantile)"
            )

    @classmethod
    def from_catalog(cls, entry: dict) -> SpreadConvention:
        """The convention of one ``published_spreads:`` entry of the catalog."""
        return cls(sd_ddof=int(entry["sd_ddof"]), quantile_method=str(entry["quantile_method"]))

    def describe(self) -> str:
        kind = "sample SD (N - 1)" if self.sd_ddof == 1 else "population SD (N)"
        return f"spread: {kind}; quartiles by numpy quantile method {self.quantile_method!r}"


def item_spread(
    data: pd.DataFrame,
    *,
    item: str = "item",
    value: str = "value",
    convention: SpreadConvention | None = None,
) -> pd.DataFrame:
    """Per item: ``n`` and :data:`SPREAD_COLUMNS` of the numeric ``value`` under ``convention``.

    Items sorted by id; missing values are left out. An item with one value has SD NaN under
    ``sd_ddof=1`` (undefined) and 0 under ``sd_ddof=0``.
    """
    convention = convention or SpreadConvention()
    frame = data[[item]].assign(_x=pd.to_numeric(data[value], errors="coerce")).dropna()
    grouped = frame.groupby(item, observed=True, sort=True)["_x"]
    result = pd.DataFrame(
        {
            "n": grouped.size(),
            "mean": grouped.mean(),
            "std": grouped.std(ddof=convention.sd_ddof),
        }
    )
    quartiles = _quartiles(frame, item, convention.quantile_method)
    result = result.join(quartiles)
    result["iqr"] = result["q75"] - result["q25"]
    result["min"], result["max"] = grouped.min(), grouped.max()
    result.index.name = item
    return result.reset_index()


def _quartiles(frame: pd.DataFrame, item: str, method: str) -> pd.DataFrame:
    grouped = frame.groupby(item, observed=True, sort=True)["_x"]
    if method in _PANDAS_METHODS:
        return pd.DataFrame(
            {
                f"q{int(q * 100)}" if q != 0.5 else "median": grouped.quantile(
                    q, interpolation=method
                )
                for q in (0.25, 0.5, 0.75)
            }
        )[["q25", "median", "q75"]]
    rows = {
        key: np.quantile(values.to_numpy(dtype=float), [0.25, 0.5, 0.75], method=method)
        for key, values in grouped
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=["q25", "median", "q75"])
