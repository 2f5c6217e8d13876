"""A reduced, seeded coverage check of the default bootstrap interval (benchmarks/coverage_study.py
is the full study; docs/guide/agreement.md shows its table).

Crossed design, 50 items x 5 raters with random rater biases: x = t_item + b_rater + e with
var_t = var_e = 1, var_b = 0.5, so the true alpha is 1 / 2.5 = 0.4. Seeded: the same data sets and
resamples on every run, so the test is deterministic (never flaky); the tolerance is the binomial
one of the number of data sets, so a correct 95% interval passes with room.
"""

import numpy as np
import pytest

from mer_datasets.agreement.alpha import LongValues
from mer_datasets.agreement.bootstrap import bootstrap_alpha_of

DATASETS = 120
TRUE_ALPHA = 0.4


def simulated(rng: np.random.Generator, n_items: int = 50, k: int = 5):
    items = np.repeat(np.arange(n_items), k)
    raters = np.tile(np.arange(k), n_items)
    values = (
        rng.normal(size=n_items)[items]
        + rng.normal(scale=np.sqrt(0.5), size=k)[raters]
        + rng.normal(size=items.size)
    )
    return LongValues(items, n_items, x=values), raters


def coverage(method: str) -> float:
    rng = np.random.default_rng(20261202)
    hits = 0
    for dataset in range(DATASETS):
        data, raters = simulated(rng)
        result = bootstrap_alpha_of(
            data, level="interval", method=method, raters=raters, n_resamples=400, seed=dataset
        )
        hits += result.ci_low <= TRUE_ALPHA <= result.ci_high
    return hits / DATASETS


@pytest.mark.slow
def test_the_default_interval_holds_its_coverage_and_krippendorffs_does_not():
    tolerance = 3 * np.sqrt(0.95 * 0.05 / DATASETS)  # 3 binomial standard errors: 0.060
    default = coverage("auto")
    assert default >= 0.95 - tolerance
    assert coverage("krippendorff") < 0.8
