"""The item bootstrap's normal limit: resampled totals drawn from their exact mean and covariance.

Why: the item bootstrap costs O(items) per resample. A crowd of 10^6 excerpts makes 1000
resamples 10^9 item draws (6.6 s of a 12.8 s report, benchmarks/results/crowd_scale.md), although
with that many items the answer is already fixed by the central limit theorem.

What: a resample is a vector W ~ Multinomial(n; 1/n, ..., 1/n) of item multiplicities, and alpha
is a smooth function g(W^T F) of weighted per-item feature sums (bootstrap._items_route: m,
within, moments or value counts). Exactly, E[W^T F] = 1^T F (the column sums) and
Cov[W^T F] = F_c^T F_c with F_c = F - its column means (Cov W = I - 11^T / n). Drawing
T_b = 1^T F + L z_b with L L^T = F_c^T F_c and z_b standard normal, then applying the same finish
g, keeps the finish's nonlinearity (alpha is a ratio of sums) and drops only the higher
cumulants of the totals: O(items d^2) once instead of O(items) per resample.

When (``NormalLimit.applies``): the first neglected term is the skewness of the totals. Linearised,
g(W^T F) ~ const + sum_u W_u a_u with a_u = grad g . (F_u - mean F), the influence of item u, whose
bootstrap skewness is gamma = mean(a^3) / mean(a^2)^(3/2) / sqrt(n). By the Cornish-Fisher
expansion, normal draws move the 2.5% and 97.5% points by about (z^2 - 1) gamma / 6 = 0.47 gamma
standard errors; with |gamma| <= ``MAX_SKEWNESS`` (0.05) that is at most 0.024 standard errors,
a quarter of the Monte Carlo error of a percentile end from 1000 exact resamples
(sqrt(0.025 * 0.975 / 1000) / phi(1.96) = 0.085 standard errors). Tested against exact
resamples (tests/agreement/test_normal_totals.py) and for coverage on simulated crowds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: From this many items the item bootstrap draws its totals from the normal limit (``auto``) when
#: the skewness check passes: below it the exact draws cost under ~0.7 s per 1000 resamples.
NORMAL_TOTALS_ITEMS = 100_000
#: Most features per item (d) the limit takes: its covariance is d x d and its eigendecomposition
#: O(d^3) (1024: 8 MiB, well under a second). Ordinal data on up to 43 values fit (1 + V +
#: V (V + 1) / 2 features); sliders with hundreds of values keep the exact draws.
MAX_LIMIT_FEATURES = 1024
#: Largest |skewness| of the linearised resampled alpha for which the limit is used (see above).
MAX_SKEWNESS = 0.05
#: Rows of the feature matrix centred at a time (bounded memory on 10^7 items).
_ROWS = 1 << 16
#: Step of the numerical gradient, in bootstrap standard deviations of each total.
_STEP = 1e-3


@dataclass(frozen=True)
class NormalLimit:
    """The normal limit of one item bootstrap: mean and covariance factor of its totals."""

    center: np.ndarray
    factor: np.ndarray
    finish: Callable[[np.ndarray], np.ndarray]
    skewness: float
    n_items: int

    @property
    def applies(self) -> bool:
        """True when the limit is within the Monte Carlo error of exact resamples (see above)."""
        return bool(abs(self.skewness) <= MAX_SKEWNESS)

    def draw(self, rng: np.random.Generator, n_resamples: int) -> np.ndarray:
        """``n_resamples`` alphas: the finish of totals drawn from the limit."""
        z = rng.standard_normal((n_resamples, self.factor.shape[1]))
        return self.finish(self.center + z @ self.factor.T)

    @property
    def note(self) -> str:
        """What every output of an interval drawn from the limit says about it."""
        return (
            f"item resamples drawn from the normal limit of their per-item totals "
            f"({self.n_items:,} items; skewness of the linearised alpha {self.skewness:.3f}, "
            f"at most {MAX_SKEWNESS} allowed): within the Monte Carlo error of exact resamples"
        )


def normal_limit(
    rows: Callable[[int, int], np.ndarray],
    n_items: int,
    finish: Callable[[np.ndarray], np.ndarray],
) -> NormalLimit:
    """The normal limit of the item bootstrap of ``finish(W^T F)`` and its skewness; ``rows(start,
    stop)`` gives F's rows of those items (read three times, ``_ROWS`` items at a time)."""
    center = sum(_chunks(rows, n_items, lambda part: part.sum(axis=0)))
    mean = center / n_items
    covariance = sum(_chunks(rows, n_items, lambda part: (part - mean).T @ (part - mean)))
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    keep = eigenvalues > eigenvalues.max(initial=0.0) * 1e-14
    factor = eigenvectors[:, keep] * np.sqrt(eigenvalues[keep])
    gradient = _gradient(center, np.sqrt(np.clip(np.diag(covariance), 0.0, None)), finish)
    skewness = _skewness(rows, n_items, mean, gradient)
    return NormalLimit(center, factor, finish, skewness, n_items)


def _chunks(rows: Callable[[int, int], np.ndarray], n_items: int, reduce) -> list:
    return [reduce(rows(start, min(start + _ROWS, n_items))) for start in range(0, n_items, _ROWS)]


def _gradient(
    center: np.ndarray, spread: np.ndarray, finish: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Central differences of ``finish`` at ``center``, steps of ``_STEP`` bootstrap SDs (0 for a
    total that does not vary, whose derivative never matters)."""
    steps = _STEP * spread
    size = center.size
    shifted = np.tile(center, (2 * size, 1))
    shifted[np.arange(size), np.arange(size)] += steps
    shifted[size + np.arange(size), np.arange(size)] -= steps
    values = finish(shifted)
    with np.errstate(divide="ignore", invalid="ignore"):
        gradient = (values[:size] - values[size:]) / (2.0 * steps)
    gradient[steps == 0.0] = 0.0
    return gradient


def _skewness(
    rows: Callable[[int, int], np.ndarray], n_items: int, mean: np.ndarray, gradient: np.ndarray
) -> float:
    """Bootstrap skewness of sum_u W_u a_u, a_u the influence of item u; NaN when the gradient is
    undefined (alpha undefined at the estimate), 0 when alpha does not move to first order."""
    if not np.all(np.isfinite(gradient)):
        return float("nan")

    def moments(part: np.ndarray) -> np.ndarray:
        influence = (part - mean) @ gradient
        squared = influence * influence
        return np.array([squared.sum(), np.dot(squared, influence)])

    second, third = sum(_chunks(rows, n_items, moments))
    if second == 0.0:
        return 0.0
    return float((third / n_items) / (second / n_items) ** 1.5 / np.sqrt(n_items))
