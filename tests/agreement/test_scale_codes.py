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


def _first_appearance_reference(codes: np.ndarray) -> bool:
    seen: set[int] = set()
    for code in codes.tolist():
        if code not in seen:
            if code != len(seen):
                return False
            seen.add(code)
    return True


@pytest.mark.parametrize("block", [1, 3, 7, 1 << 16])
@pytest.mark.parametrize("seed", range(12))
def test_first_appearance_ordered_is_its_definition(monkeypatch, block, seed):
    from mer_datasets.agreement import judgments

    monkeypatch.setattr(judgments, "BLOCK", block)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 60))
    ordered = factorize(rng.integers(0, 9, size=n))[0]  # numbered by first appearance
    assert judgments.first_appearance_ordered(ordered)
    assert judgments.first_appearance_ordered(np.sort(ordered))
    shuffled = rng.permutation(ordered)
    assert judgments.first_appearance_ordered(shuffled) is _first_appearance_reference(shuffled)
    skipped = ordered.copy()
    skipped[skipped == skipped.max()] += 1  # a number left out
    assert not judgments.first_appearance_ordered(skipped)
    assert not judgments.first_appearance_ordered(ordered + 1)  # not from 0


@pytest.mark.parametrize("block", [2, 5, 1 << 16])
@pytest.mark.parametrize("seed", range(20))
def test_recode_in_order_and_shuffled_is_factorize(monkeypatch, block, seed):
    from mer_datasets.agreement import judgments

    monkeypatch.setattr(judgments, "BLOCK", block)
    rng = np.random.default_rng(seed)
    codes = np.repeat(np.arange(rng.integers(1, 20)), rng.integers(1, 4))  # in order
    for case in (codes, rng.permutation(codes), np.r_[codes, -1, codes[:3]]):
        ours, theirs = recode(case), factorize(case)
        assert np.array_equal(ours[0], theirs[0]) and np.array_equal(ours[1], theirs[1])
        assert ours[0].dtype == np.intp


def _pairs_reference(first: np.ndarray, second: np.ndarray) -> bool:
    pairs = list(zip(first.tolist(), second.tolist()))
    return len(set(pairs)) == len(pairs)


@pytest.mark.parametrize("block", [1, 4, 1 << 16])
@pytest.mark.parametrize("seed", range(30))
def test_distinct_pairs_is_its_definition(monkeypatch, block, seed):
    from mer_datasets.agreement import duplicates

    monkeypatch.setattr(duplicates, "BLOCK", block)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 40))
    first = rng.integers(-1, rng.integers(1, 12), size=n)
    second = rng.integers(-1, rng.integers(1, 12), size=n)
    assert duplicates.distinct_pairs(first, second) is _pairs_reference(first, second)
    unique = np.unique(np.c_[first, second], axis=0) if n else np.empty((0, 2), dtype=int)
    assert duplicates.distinct_pairs(unique[:, 0], unique[:, 1]) is True


def test_distinct_pairs_cannot_tell_sparse_codes():
    from mer_datasets.agreement.duplicates import distinct_pairs

    assert distinct_pairs(np.array([0, 10**12]), np.array([0, 0])) is None
    assert distinct_pairs(np.array([0, -5]), np.array([0, 0])) is None
    assert distinct_pairs(np.array([0.0, 1.0]), np.array([0, 0])) is None
    assert distinct_pairs(np.array([0, 1], dtype=np.uint64), np.array([0, 0])) is None
    assert distinct_pairs(np.array([0, 1], dtype=np.uint8), np.array([0, 0])) is True


@pytest.mark.parametrize("layout", ["one dimension", "two dimensions", "missing values"])
def test_select_of_every_row_is_the_gathered_selection(layout):
    """The shortcuts taken when a selection keeps every row (no gather, the value array itself)
    give the selection the general route gives on the same judgments among other rows."""
    rng = np.random.default_rng(11)
    n = 120
    items, raters = rng.integers(0, 30, size=n), rng.integers(0, 6, size=n)
    value = np.round(rng.normal(size=n), 1)
    if layout == "missing values":
        value[rng.random(n) < 0.2] = np.nan
    dimension = np.zeros(n, dtype=np.intp)
    if layout == "two dimensions":
        dimension[rng.random(n) < 0.5] = 1

    def judgments_of(rows):
        return Judgments(
            item=items[rows].astype(np.intp), rater=raters[rows].astype(np.intp),
            dimension=Coded(dimension[rows], np.array(["a", "b"], dtype=object)),
            value=value[rows], label=None, order=None,
        )  # fmt: skip

    # the same judgments, then each followed by a judgment of a third dimension (general route)
    whole = judgments_of(np.arange(n))
    mixed_rows = np.repeat(np.arange(n), 2)
    mixed = judgments_of(mixed_rows)
    other = np.where(np.arange(2 * n) % 2, 2, mixed.dimension.codes)
    mixed = Judgments(
        item=mixed.item, rater=mixed.rater,
        dimension=Coded(other, np.array(["a", "b", "c"], dtype=object)),
        value=mixed.value, label=None, order=None,
    )  # fmt: skip
    for policy in ("latest", "first", "mean", "all"):
        ours = select(whole, 0, None, policy)
        theirs = select(mixed, 0, None, policy)
        assert np.array_equal(mixed_rows[theirs.rows], ours.rows)
        assert np.array_equal(ours.x, theirs.x) and ours.n_duplicates == theirs.n_duplicates
        assert ours.counts(whole) == theirs.counts(mixed)
        a, b = ours.long_values(whole), theirs.long_values(mixed)
        assert np.array_equal(a.item_codes, b.item_codes) and np.array_equal(a.x, b.x)
        assert a.n_slots == b.n_slots


@pytest.mark.parametrize(
    "design", ["complete", "complete, codes with gaps", "a cell twice", "missing", "unbalanced"]
)
def test_icc_shortcuts_give_the_general_route(monkeypatch, design):
    """icc_of without copies (nothing missing), with codes kept when already compact and the
    blockwise complete-design check gives what the masked copies, the renumbering and the
    bincount over the cells give."""
    from mer_datasets.agreement import icc

    rng = np.random.default_rng(12)
    n, k = 25, 4
    items, raters = np.repeat(np.arange(n), k), np.tile(np.arange(k), n)
    x = rng.normal(size=n)[items] + rng.normal(scale=0.7, size=items.size) + raters * 0.3
    if design == "complete, codes with gaps":
        items, raters = items * 3 + 5, raters * 2
    elif design == "a cell twice":
        raters = raters.copy()
        raters[1] = raters[0]
    elif design == "missing":
        x[[3, 17]] = np.nan
        items = items.copy()
        items[40] = -1
    elif design == "unbalanced":
        keep = rng.random(items.size) < 0.8
        items, raters, x = items[keep], raters[keep], x[keep]
    ours = icc.icc_of(x, items, raters)
    monkeypatch.setattr(icc, "distinct_pairs", lambda a, b: None)
    theirs = icc.icc_of(x.copy(), items.copy(), raters.copy())
    assert [row[9] for row in ours] == [row[9] for row in theirs]
    expected = "complete" if design.startswith("complete") else "unbalanced"
    assert {row[9] for row in ours} == {expected}
    for a, b in zip(ours, theirs):
        assert a[0] == b[0] and a[10] == b[10]
        np.testing.assert_allclose(
            np.array(a[1:9], dtype=float), np.array(b[1:9], dtype=float), rtol=1e-12, atol=0
        )


def test_icc_of_compact_codes_is_icc_of_the_same_codes_with_gaps():
    """Compact codes are used as they are, codes with gaps are renumbered (in the same order):
    the same ICC to the bit."""
    from mer_datasets.agreement.icc import icc_of

    rng = np.random.default_rng(13)
    items, raters = np.repeat(np.arange(30), 3), np.tile(np.arange(3), 30)
    x = rng.normal(size=30)[items] + rng.normal(size=items.size)
    for drop in (None, rng.random(items.size) < 0.85):  # complete, then unbalanced
        i, r, v = (items, raters, x) if drop is None else (items[drop], raters[drop], x[drop])
        compact = icc_of(v, i, r)
        gapped = icc_of(v, i * 5 + 2, r * 7 + 1)
        assert str(compact) == str(gapped)


@pytest.mark.parametrize("policy", ["latest", "first", "mean", "all"])
@pytest.mark.parametrize("ordering", [None, "int", "float"])
@pytest.mark.parametrize("seed", range(15))
@pytest.mark.parametrize("codes", ["compact", "sparse", "sparse, 4 bins"])
def test_plan_pairs_is_the_sorted_plan(policy, ordering, seed, codes, monkeypatch):
    """The O(n) plan of code pairs is plan_duplicates of the combined keys, to the bit: the rows
    kept, the means (sums in row order, -0.0 of a group of one as the bincount gives it) and the
    counts. Compact codes count pairs exactly; sparse codes (10^8 apart) go through the hashed
    candidates, also with only 4 bins (every row a candidate, collisions everywhere)."""
    from mer_datasets.agreement import duplicates
    from mer_datasets.agreement.duplicates import combine_codes, plan_duplicates, plan_pairs

    if codes == "sparse, 4 bins":
        monkeypatch.setattr(duplicates, "_MAX_HASH_BITS", 2)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 70))
    first = rng.integers(-1, rng.integers(1, 9), size=n)
    second = rng.integers(-1, rng.integers(1, 9), size=n)
    if codes != "compact":
        first = np.where(first >= 0, (first + 1) * 10**8, -1)
        if first.max() >= 0:
            assert duplicates._pair_width(first, second) is None  # the hashed route
    values = rng.choice(np.array([-0.0, 0.0, 0.1, 0.7, -2.5, 1e-300]), size=n)
    order = None
    if ordering == "int":
        order = rng.integers(0, 4, size=n).astype(np.int64)
        order[rng.random(n) < 0.2] = np.iinfo(np.int64).min  # missing: sorts first
    elif ordering == "float":
        order = rng.integers(0, 4, size=n).astype(np.float64)
        order[rng.random(n) < 0.2] = np.nan
    ours = plan_pairs(first, second, policy=policy, order=order, values=values)
    theirs = plan_duplicates(
        combine_codes(first, second), policy=policy, order=order, values=values
    )
    assert np.array_equal(ours.rows, theirs.rows) and ours.rows.dtype == theirs.rows.dtype
    assert (ours.n_groups, ours.n_rows) == (theirs.n_groups, theirs.n_rows)
    assert (ours.means is None) is (theirs.means is None)
    if ours.means is not None:
        assert ours.means.tobytes() == theirs.means.tobytes()  # signs of zeros included


def test_plan_pairs_leaves_overflowing_codes_and_refuses_mean_without_values():
    from mer_datasets.agreement.duplicates import plan_pairs
    from mer_datasets.errors import AgreementError

    assert plan_pairs(np.array([0, 2**40]), np.array([0, 2**30])) is None  # keys overflow
    assert plan_pairs(np.array([0.5, 1.0]), np.array([0, 0])) is None
    with pytest.raises(AgreementError, match="mean"):
        plan_pairs(np.array([0, 0]), np.array([1, 1]), policy="mean")


@pytest.mark.parametrize("policy", ["latest", "first", "mean", "all"])
@pytest.mark.parametrize("labels", [False, True])
def test_select_with_repeats_is_the_sorted_route(monkeypatch, policy, labels):
    """select through the O(n) plan gives the Selection of the sorted plan (codes too sparse)."""
    from mer_datasets.agreement import judgments as module

    rng = np.random.default_rng(21)
    n = 300
    items, raters = rng.integers(0, 60, size=n), rng.integers(0, 5, size=n)
    value = np.round(rng.normal(size=n), 1)
    label = None
    if labels:  # numbers as labels at the interval level: the mean of labels is defined
        names = np.array(["1", "2", "3", "x"], dtype=object)
        label = Coded(rng.integers(0, 3 if policy == "mean" else 4, size=n), names)
    judgments = Judgments(
        item=items.astype(np.intp), rater=raters.astype(np.intp),
        dimension=Coded(np.zeros(n, dtype=np.intp), np.array(["v"], dtype=object)),
        value=None if labels else value, label=label,
        order=rng.integers(0, 3, size=n).astype(np.int64),
    )  # fmt: skip
    levels = {"v": "nominal"} if labels and policy != "mean" else None
    ours = select(judgments, 0, levels, policy)
    monkeypatch.setattr(module, "plan_pairs", lambda *a, **k: None)
    theirs = select(judgments, 0, levels, policy)
    assert ours.n_duplicates == theirs.n_duplicates > 0 and ours.policy == theirs.policy
    assert np.array_equal(ours.rows, theirs.rows)
    for field in ("x", "labels"):
        a, b = getattr(ours, field), getattr(theirs, field)
        assert (a is None and b is None) or a.tobytes() == b.tobytes()
