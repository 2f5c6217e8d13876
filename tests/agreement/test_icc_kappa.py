import numpy as np
import pandas as pd
import pingouin
import pytest
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from mer_datasets.agreement.icc import icc
from mer_datasets.agreement.kappa import FleissDesignError, fleiss_kappa

PINGOUIN_FORMS = {
    "ICC(1,1)": "icc1_1",
    "ICC(A,1)": "icc2_1",
    "ICC(C,1)": "icc3_1",
    "ICC(1,k)": "icc1_k",
    "ICC(A,k)": "icc2_k",
    "ICC(C,k)": "icc3_k",
}


@pytest.mark.parametrize("seed", range(4))
def test_all_six_icc_forms_and_their_intervals_match_pingouin_on_complete_data(seed):
    rng = np.random.default_rng(seed)
    n, k = rng.integers(5, 30), rng.integers(2, 7)
    values = rng.normal(size=(n, 1)) + 0.5 * rng.normal(size=(1, k)) + rng.normal(size=(n, k))
    items, raters = np.meshgrid(np.arange(n), np.arange(k), indexing="ij")
    table = pd.DataFrame({"item": items.ravel(), "rater": raters.ravel(), "value": values.ravel()})
    ours = icc(table).set_index("form")
    reference = pingouin.intraclass_corr(
        table, targets="item", raters="rater", ratings="value"
    ).set_index("Type")
    for name, form in PINGOUIN_FORMS.items():
        assert ours.loc[form, "value"] == pytest.approx(reference.loc[name, "ICC"], abs=1e-9)
        # pingouin rounds its CI95 to 2 decimals
        assert ours.loc[form, "ci_low"] == pytest.approx(reference.loc[name, "CI95"][0], abs=0.0051)
        assert ours.loc[form, "ci_high"] == pytest.approx(
            reference.loc[name, "CI95"][1], abs=0.0051
        )


def test_unbalanced_designs_give_one_way_icc_and_nan_two_way_forms_with_a_reason():
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            "item": rng.integers(0, 10, 60),
            "rater": rng.integers(0, 8, 60),
            "value": rng.normal(size=60),
        }
    )
    table = table.drop_duplicates(["item", "rater"])
    result = icc(table).set_index("form")
    assert np.isfinite(result.loc["icc1_1", "value"])
    assert np.isnan(result.loc["icc2_1", "value"])
    assert "complete design" in result.loc["icc2_1", "note"]


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_kappa_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, rng.integers(2, 6), size=(30, 4))
    labels[:10, :] = labels[:10, :1]  # some agreement
    items, raters = np.meshgrid(np.arange(30), np.arange(4), indexing="ij")
    table = pd.DataFrame({"item": items.ravel(), "rater": raters.ravel(), "value": labels.ravel()})
    expected = statsmodels_fleiss(aggregate_raters(labels)[0], method="fleiss")
    assert fleiss_kappa(table) == pytest.approx(expected, abs=1e-12)


def test_fleiss_kappa_rejects_unequal_raters_per_item():
    table = pd.DataFrame(
        {"item": [1, 1, 2, 2, 2], "rater": [1, 2, 1, 2, 3], "value": ["a", "b", "a", "a", "b"]}
    )
    with pytest.raises(FleissDesignError, match="same number of raters"):
        fleiss_kappa(table)


def _long(matrix) -> pd.DataFrame:
    """A complete items x raters matrix as a long table."""
    rows = [(i, j, v) for i, row in enumerate(matrix) for j, v in enumerate(row)]
    return pd.DataFrame(rows, columns=["item", "rater", "value"])


DEGENERATE = {
    "identical-values": [[3, 3, 3]] * 4,
    "perfect-agreement": [[1, 1, 1], [2, 2, 2], [5, 5, 5], [3, 3, 3]],
    "perfect-agreement-decimals": [[0.1, 0.1, 0.1], [0.7, 0.7, 0.7], [0.3, 0.3, 0.3]],
    "equal-item-means": [[1, 2, 3], [3, 2, 1], [2, 3, 1], [1, 3, 2]],
    "raters-differ-by-a-constant-only": [[1, 2, 3]] * 4,
    "items-plus-rater-offsets-no-error": [[1, 2, 4], [2, 3, 5], [5, 6, 8], [3, 4, 6]],
}


@pytest.mark.parametrize("case", sorted(DEGENERATE))
def test_degenerate_designs_give_the_defined_value_or_nan_with_a_reason_and_no_warning(case):
    import warnings

    table = _long(DEGENERATE[case])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy (or any) warning, no exception
        ours = icc(table).set_index("form")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pingouin divides by zero here and says so
        reference = pingouin.intraclass_corr(
            table, targets="item", raters="rater", ratings="value"
        ).set_index("Type")
    for name, form in PINGOUIN_FORMS.items():
        theirs, value = reference.loc[name, "ICC"], ours.loc[form, "value"]
        if np.isfinite(theirs):  # pingouin defines a value: the same one
            assert value == pytest.approx(theirs, abs=1e-9), form
            low, high = reference.loc[name, "CI95"]
            if np.isfinite(low) and np.isfinite(high) and abs(theirs) < 1.5:
                assert ours.loc[form, "ci_low"] == pytest.approx(low, abs=0.0051), form
                assert ours.loc[form, "ci_high"] == pytest.approx(high, abs=0.0051), form
        else:  # NaN or an infinity there: NaN with the reason here
            assert np.isnan(value), form
            assert ours.loc[form, "note"].startswith("undefined"), form


def test_the_reasons_name_what_makes_each_degenerate_design_undefined():
    identical = icc(_long(DEGENERATE["identical-values"])).set_index("form")
    assert identical["value"].isna().all()
    assert identical["note"].str.contains("same value").all()
    perfect = icc(_long(DEGENERATE["perfect-agreement-decimals"])).set_index("form")
    assert (perfect["value"] == 1.0).all()  # exactly, despite 0.1 + 0.1 + 0.1 in floats
    assert (perfect["ci_low"] == 1.0).all() and (perfect["ci_high"] == 1.0).all()
    assert perfect["note"].str.contains("perfect agreement").all()
    equal_means = icc(_long(DEGENERATE["equal-item-means"])).set_index("form")
    assert equal_means.loc["icc1_1", "value"] == pytest.approx(-0.5)  # -1 / (k - 1)
    assert "item means are equal" in equal_means.loc["icc1_k", "note"]


def test_degenerate_unbalanced_designs_do_not_divide_by_zero():
    import warnings

    same = pd.DataFrame({"item": [0, 0, 1, 1, 1], "rater": [0, 1, 0, 1, 2], "value": [2.0] * 5})
    perfect = same.assign(value=[1.0, 1.0, 4.0, 4.0, 4.0])
    equal_means = same.assign(value=[1.0, 3.0, 1.0, 2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same_icc = icc(same).set_index("form")
        perfect_icc = icc(perfect).set_index("form")
        equal_icc = icc(equal_means).set_index("form")
    assert np.isnan(same_icc.loc["icc1_1", "value"])
    assert "same value" in same_icc.loc["icc1_1", "note"]
    assert perfect_icc.loc["icc1_1", "value"] == 1.0 == perfect_icc.loc["icc1_k", "value"]
    k0 = (5 - (2**2 + 3**2) / 5) / (2 - 1)
    assert equal_icc.loc["icc1_1", "value"] == pytest.approx(-1 / (k0 - 1))
    assert np.isnan(equal_icc.loc["icc1_k", "value"])
    assert "item means are equal" in equal_icc.loc["icc1_k", "note"]
