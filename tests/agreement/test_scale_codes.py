"""The O(n) routes for crowd-scale code arrays give what the general routes give: ``recode`` is
``factorize`` of integer codes, and the no-repeats shortcut of ``select`` is the duplicates plan
with nothing to resolve."""

import numpy as np
import pytest

from mer_datasets.agreement.alpha import factorize
from mer_datasets.agreement.judgments import Coded, Judgments, _distinct_cells, recode, select


@pytest.mark.parametrize("seed", range(30))
def test_recode_is_factorize(seed):
    rng = np.random.default_rng(seed)
    codes = rng.integers(-1, rng.integers(1, 40), size=rng.integers(0, 80)).astype(np.intp)
    ours, theirs = recode(codes), factorize(codes)
    assert np.array_equal(ours[0], theirs[0]) and np.array_equal(ours[1], theirs[1])


def test_recode_of_sparse_codes_falls_back():
    codes = np.array([10**12, 5, 10**12, -1], dtype=np.int64)
    assert [c.tolist() for c in recode(codes)] == [c.tolist() for c in factorize(codes)]


@pytest.mark.parametrize("repeat", [False, True])
def test_select_with_and_without_repeats(repeat):
    rng = np.random.default_rng(4)
    items = np.repeat(np.arange(50), 4)
    raters = np.tile(np.arange(4), 50)
    if repeat:
        raters[7] = raters[6]  # one rater judged item 1 twice
    value = rng.normal(size=items.size)
    judgments = Judgments(
        item=items.astype(np.intp), rater=raters.astype(np.intp),
        dimension=Coded(np.zeros(items.size, dtype=np.intp), np.array(["v"], dtype=object)),
        value=value, label=None, order=None,
    )  # fmt: skip
    assert _distinct_cells(judgments.rater, judgments.item) is not repeat
    for policy in ("latest", "first", "mean", "all"):
        selection = select(judgments, 0, None, policy)
        assert selection.n_duplicates == int(repeat)
        expected_rows = items.size - (repeat and policy != "all")
        assert selection.rows.size == expected_rows
