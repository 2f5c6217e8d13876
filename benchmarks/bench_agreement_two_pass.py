"""What the interval path's second pass over the judgments costs and buys (a script, not a test).

``python benchmarks/bench_agreement_two_pass.py``: times ``alpha._item_moments`` (sums per item,
then squared deviations from each item's mean: two passes) against the one-pass raw moments
(S1_u, S2_u, SS_u = S2_u - S1_u^2 / m_u) on 10^7 continuous judgments (best CPU time of 9, one
BLAS thread), and the error of both when a constant offset is added to 10^6 of the values (alpha
is invariant under a shift, so the unshifted two-pass alpha is the reference).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).parent))
from bench_agreement import synthetic  # noqa: E402

from mer_datasets.agreement import alpha as engine  # noqa: E402


def one_pass(items: np.ndarray, x: np.ndarray, m: np.ndarray):
    """The per-item statistics of ``_item_moments`` from raw moments (no second pass)."""
    mean = float(np.mean(x))
    first_raw = np.bincount(items, weights=x, minlength=m.size)
    second_raw = np.bincount(items, weights=x * x, minlength=m.size)
    squares = second_raw - first_raw * first_raw / m
    first = first_raw - m * mean
    return 2.0 * m * squares / (m - 1.0), np.column_stack([first, squares + first * first / m])


def alpha_with(moments, items: np.ndarray, x: np.ndarray, m: np.ndarray) -> float:
    within, centred = moments(items, x, m)
    n = float(m.sum())
    totals = np.array([[centred[:, 0].sum(), centred[:, 1].sum()]])
    expected = engine.expected_sums("interval", np.array([n]), totals, None)[0]
    return engine.alpha_from_sums(float(within.sum()), expected, int(n), int(n))


def best_cpu_ms(function, repeats: int = 9) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        function()
        best = min(best, time.process_time() - start)
    return best * 1e3


def main() -> None:
    threadpool_limits(1, user_api="blas")
    table, _ = synthetic(10**7, 50, "continuous")
    p = engine.pairable(engine.long_values(table, level="interval"), "interval", coded=False)
    items, x, m = p.item_codes, p.x, p.m
    two = best_cpu_ms(lambda: engine._item_moments(items, x, m))
    one = best_cpu_ms(lambda: one_pass(items, x, m))
    print(f"{len(x):,} judgments: two passes {two:.1f} ms, one pass {one:.1f} ms CPU")
    part = table.iloc[: 10**6]
    p = engine.pairable(engine.long_values(part, level="interval"), "interval", coded=False)
    items, x, m = p.item_codes, p.x, p.m
    reference = alpha_with(engine._item_moments, items, x, m)
    print("| offset | two passes: alpha error | one pass: alpha error |")
    print("|---:|---:|---:|")
    for offset in (1e4, 1e6, 1e8):
        shifted = x + offset
        errors = [
            abs(alpha_with(f, items, shifted, m) - reference)
            for f in (engine._item_moments, one_pass)
        ]
        print(f"| {offset:g} | {errors[0]:.1e} | {errors[1]:.1e} |")


if __name__ == "__main__":
    main()
