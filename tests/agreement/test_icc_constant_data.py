"""ICC of constant data (e.g. a GEMS term nobody chose) is undefined: nan rows, never a crash.

Found with the MuVi fixture: Python-float mean squares made 0 / 0 a ZeroDivisionError.
"""

from __future__ import annotations

import math

import numpy as np

from mer_datasets.agreement.icc import icc_of


def test_constant_values_give_nan_iccs_in_both_designs():
    unbalanced = icc_of(
        np.zeros(13),
        np.array([0] * 5 + [1] * 5 + [2] * 3),
        np.array([0, 1, 2, 3, 4] * 2 + [0, 1, 2]),
    )
    complete = icc_of(np.zeros(6), np.array([0, 0, 1, 1, 2, 2]), np.array([0, 1] * 3))
    for rows in (unbalanced, complete):
        assert len(rows) == 6
        assert all(math.isnan(row[1]) for row in rows)
