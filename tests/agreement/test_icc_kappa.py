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
