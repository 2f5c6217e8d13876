"""Helpers shared by the agreement tests: long tables from reliability matrices (raters x items)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def long_from_matrix(matrix: np.ndarray) -> pd.DataFrame:
    """The long table (rater, item, value) of a raters x items matrix with NaN for missing."""
    matrix = np.asarray(matrix, dtype=float)
    raters, items = np.nonzero(~np.isnan(matrix))
    return pd.DataFrame({"rater": raters, "item": items, "value": matrix[raters, items]})
