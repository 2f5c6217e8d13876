"""The item bootstrap's normal limit (agreement/normal_totals.py) against exact item resamples.

What would fail: a wrong covariance (e.g. missing the -11^T/n term, or a factor n off) moves the
interval ends by tenths of a standard error or more; a wrong skewness formula disagrees with the
skewness of exact resamples; ``auto`` using the limit below its threshold or past its skewness
check changes ``ci_method``. All seeded: the same draws on every run.
"""

import numpy as np
import pytest
from scipy import stats as scipy_stats

from mer_datasets.agreement import bootstrap, normal_totals
from mer_datasets.agreement.alpha import LongValues
from mer_datasets.agreement.bootstrap import bootstrap_alpha_of
from mer_datasets.errors import AgreementError


def of_matrix(features: np.ndarray, finish) -> normal_totals.NormalLimit:
    """The normal limit of a feature matrix held whole."""
    return normal_totals.normal_limit(
        lambda start, stop: features[start:stop], features.shape[0], finish
    )


def crowd(rng: np.random.Generator, n_items: int, level: str = "interval") -> LongValues:
    """Unbalanced crowd: 2-8 judgments per item, x = t_item + e (var 1 and 1.44)."""
    m = rng.integers(2, 9, n_items)
    items = np.repeat(np.arange(n_items), m)
    values = rng.normal(size=n_items)[items] + rng.normal(scale=1.2, size=items.size)
    if level in ("nominal", "ordinal"):
        codes = np.digitize(values, [-1.5, -0.5, 0.5, 1.5])
        labels = np.array(["1", "2", "3", "4", "5"], dtype=object)
        if level == "ordinal":
            return LongValues(items, n_items, x=codes.astype(float))
        return LongValues(items, n_items, labels=labels, label_codes=codes)
    return LongValues(items, n_items, x=values)


def test_moments_equal_the_multinomial_formula():
    """Mean 1^T F and covariance F^T (I - 11^T/n) F, computed densely and independently."""
    rng = np.random.default_rng(0)
    features = rng.gamma(2.0, size=(60, 4)) * [1, 5, 20, 0.1]
    limit = of_matrix(features, lambda totals: totals[:, 0])
    n = features.shape[0]
    centring = np.eye(n) - np.ones((n, n)) / n
    np.testing.assert_allclose(limit.center, features.T @ np.ones(n), rtol=1e-12)
    np.testing.assert_allclose(
        limit.factor @ limit.factor.T, features.T @ centring @ features, rtol=1e-9, atol=1e-9
    )


def test_skewness_matches_exact_resamples_of_a_linear_statistic():
    """gamma = mean(c^3) / mean(c^2)^1.5 / sqrt(n) against 20,000 exact multinomial resamples."""
    rng = np.random.default_rng(1)
    features = rng.exponential(size=(400, 1))
    limit = of_matrix(features, lambda totals: totals[:, 0])
    weights = rng.multinomial(400, np.full(400, 1 / 400), size=20_000)
    exact = scipy_stats.skew(weights @ features[:, 0])
    assert limit.skewness == pytest.approx(exact, abs=0.05)
    assert limit.skewness == pytest.approx(2.0 / np.sqrt(400), rel=0.3)  # exponential: skew 2


@pytest.mark.parametrize("level", ["interval", "nominal", "ordinal", "fixed"])
def test_interval_ends_agree_with_exact_resamples(level):
    """30,000 items, 2000 resamples each way: the ends differ by less than 0.3 standard errors
    (Monte Carlo error of the difference ~0.12; a variance off by 2x moves them by ~0.8)."""
    rng = np.random.default_rng(2)
    data = crowd(rng, 30_000, "interval" if level == "fixed" else level)
    reference = crowd(rng, 500) if level == "fixed" else None
    kind = "interval" if level == "fixed" else level
    results = {
        totals: bootstrap_alpha_of(
            data, level=kind, reference=reference, method="items", n_resamples=2000,
            seed=7, totals=totals,
        )
        for totals in ("exact", "normal")
    }  # fmt: skip
    exact, normal = results["exact"], results["normal"]
    assert exact.totals == "exact" and normal.totals == "normal"
    assert normal.ci_method == "bootstrap-items-normal-totals-percentile"
    assert normal.estimate == exact.estimate
    spread = np.std(exact.samples)
    assert abs(normal.ci_low - exact.ci_low) < 0.3 * spread
    assert abs(normal.ci_high - exact.ci_high) < 0.3 * spread
    assert np.std(normal.samples) == pytest.approx(spread, rel=0.08)
    assert any("normal limit" in caveat for caveat in normal.caveats)


def test_auto_uses_the_limit_from_the_threshold(monkeypatch):
    rng = np.random.default_rng(3)
    data = crowd(rng, 3000)
    below = bootstrap_alpha_of(data, level="interval", method="items", n_resamples=200)
    assert below.totals == "exact" and below.ci_method == "bootstrap-items-percentile"
    monkeypatch.setattr(bootstrap, "NORMAL_TOTALS_ITEMS", 3000)
    above = bootstrap_alpha_of(data, level="interval", method="items", n_resamples=200)
    assert above.totals == "normal"
    assert "3,000 items" in next(c for c in above.caveats if "normal limit" in c)


def test_auto_keeps_exact_draws_when_the_totals_are_skewed(monkeypatch):
    """One item with 2000 judgments among 3000 pairs: its influence dominates, the totals are
    skewed, so ``auto`` draws items exactly; ``normal`` forces the limit anyway."""
    monkeypatch.setattr(bootstrap, "NORMAL_TOTALS_ITEMS", 100)
    rng = np.random.default_rng(4)
    items = np.concatenate([np.repeat(np.arange(3000), 2), np.full(2000, 3000)])
    values = rng.normal(size=3001)[items] + rng.normal(size=items.size)
    values[items == 3000] = rng.choice([-4.0, 4.0], size=2000)
    data = LongValues(items, 3001, x=values)
    route = bootstrap._items_route(*bootstrap.statistics_of(data, "interval", None)[:2], None)
    assert not normal_totals.normal_limit(route.rows, 3001, route.finish).applies
    auto = bootstrap_alpha_of(data, level="interval", method="items", n_resamples=100)
    forced = bootstrap_alpha_of(
        data, level="interval", method="items", n_resamples=100, totals="normal"
    )
    assert auto.totals == "exact" and forced.totals == "normal"


def test_unknown_totals_is_refused():
    data = crowd(np.random.default_rng(5), 50)
    with pytest.raises(AgreementError, match="unknown totals 'poisson'"):
        bootstrap_alpha_of(data, level="interval", method="items", totals="poisson")


def test_coverage_of_the_limit_on_crowds_with_known_truth():
    """400 simulated crowds of 20,000 items (2-8 judgments, no rater effects: the item bootstrap's
    own model), true alpha 1 / (1 + 1.44) = 0.4098: the 95% interval drawn from the limit covers
    0.95 +- 3 binomial SEs (0.033). Measured: 0.94; with the covariance factor scaled by 0.8 it
    covers 0.87, by 1.25 0.99, and both fail."""
    rng = np.random.default_rng(20261202)
    truth = 1.0 / (1.0 + 1.44)
    hits = 0
    for dataset in range(400):
        result = bootstrap_alpha_of(
            crowd(rng, 20_000), level="interval", method="items", n_resamples=1000,
            seed=dataset, totals="normal",
        )  # fmt: skip
        hits += result.ci_low <= truth <= result.ci_high
    assert abs(hits / 400 - 0.95) <= 0.033


def test_ordinal_limit_read_in_chunks_equals_the_whole_matrix(monkeypatch):
    """Past ``_MAX_FEATURE_CELLS`` the ordinal features are never held whole: exact draws go per
    judgment and the limit reads the rows in chunks, with the same mean, covariance and draws."""
    data = crowd(np.random.default_rng(6), 2000, "ordinal")
    whole = bootstrap_alpha_of(
        data, level="ordinal", method="items", n_resamples=300, seed=2, totals="normal"
    )
    monkeypatch.setattr(bootstrap, "_MAX_FEATURE_CELLS", 1000)
    monkeypatch.setattr(normal_totals, "_ROWS", 128)
    p, stats, _ = bootstrap.statistics_of(data, "ordinal", None)
    route = bootstrap._items_route(p, stats, None)
    assert route.rows is not None and route.width == 2 * 2000 + 3 * p.values.size  # per judgment
    chunked = bootstrap_alpha_of(
        data, level="ordinal", method="items", n_resamples=300, seed=2, totals="normal"
    )
    np.testing.assert_allclose(chunked.samples, whole.samples, rtol=1e-9)
    exact = bootstrap_alpha_of(
        data, level="ordinal", method="items", n_resamples=300, seed=2, totals="exact"
    )
    assert exact.totals == "exact" and np.isfinite(exact.samples).all()


def test_normal_on_too_many_features_says_so_and_draws_items():
    """Ordinal sliders (hundreds of distinct values) have 1 + V + V(V+1)/2 features per item,
    far over ``MAX_LIMIT_FEATURES``: "normal" cannot be honoured, the output says why."""
    rng = np.random.default_rng(8)
    items = np.repeat(np.arange(40), 5)
    data = LongValues(items, 40, x=np.round(rng.normal(size=items.size), 2))
    result = bootstrap_alpha_of(
        data, level="ordinal", method="items", n_resamples=50, totals="normal"
    )
    assert result.totals == "exact" and result.ci_method == "bootstrap-items-percentile"
    (note,) = [c for c in result.caveats if "normal limit" in c]
    assert "features per item, more than 1,024" in note and "items drawn exactly" in note
