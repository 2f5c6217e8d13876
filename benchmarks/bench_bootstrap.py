"""Speed of the bootstrap intervals of alpha: large-n item bootstrap and Krippendorff's bootstrap.

Usage: python benchmarks/bench_bootstrap.py [--items 1000000] [--raters 10] [--resamples 1000]
       [--out benchmarks/results/bootstrap.md]

Cases (interval level, values x = t_item + e, seed 0):

* ``items``, ``--items`` items x ``--raters`` judgments (default 10^6 x 10 = 10^7 judgments),
  with 1 thread and with the default threads: the same seed must give the same samples (chunks
  draw from ``rng.spawn``'d generators, so the thread count does not matter);
* ``two-way`` on 10^4 items x 10 raters (crossed);
* ``krippendorff`` on 500 judgments of sliders rounded to 0.1 (~70 distinct values, ~900
  distinct value pairs: issue 13 measured 0.8 s per 1000 resamples there), and ``items`` on it.

Time excludes building the table; statistics and resamples included (best of ``--repeat``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import mer_datasets.agreement.bootstrap as bootstrap  # noqa: E402
from mer_datasets.agreement.alpha import LongValues  # noqa: E402


def table(n_items: int, k: int, decimals: int | None = None, seed: int = 0):
    rng = np.random.default_rng(seed)
    items = np.repeat(np.arange(n_items, dtype=np.intp), k)
    x = rng.normal(size=n_items)[items] + rng.normal(size=items.size)
    if decimals is not None:
        x = np.round(x, decimals)
    raters = np.tile(np.arange(k), n_items)
    return LongValues(items, n_items, x=x), raters


def timed(repeat: int, function):
    """(best wall seconds, CPU seconds of that run (all threads), output)."""
    best, cpu, out = float("inf"), float("nan"), None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        out = function()
        wall = time.perf_counter() - start
        if wall < best:
            best, cpu = wall, time.process_time() - start_cpu
    return (best, cpu), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--raters", type=int, default=10)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "bootstrap.md"))
    args = parser.parse_args()
    rows = []
    data, _ = table(args.items, args.raters)
    results = {}
    for threads in (1, bootstrap._THREADS):
        bootstrap._THREADS = threads
        seconds, result = timed(
            args.repeat,
            lambda: bootstrap.bootstrap_alpha_of(
                data, level="interval", n_resamples=args.resamples
            ),
        )
        results[threads] = result
        rows.append(
            (f"items, {args.items:,} items x {args.raters}, {threads} thread(s)", seconds, result)
        )
    first, *others = results.values()
    same = all(np.array_equal(first.samples, other.samples) for other in others)
    crossed, raters = table(10_000, 10)
    seconds, result = timed(
        args.repeat,
        lambda: bootstrap.bootstrap_alpha_of(
            crossed, level="interval", method="two-way", raters=raters,
            n_resamples=args.resamples,
        ),
    )  # fmt: skip
    rows.append(("two-way, 10,000 items x 10 raters (crossed)", seconds, result))
    small, _ = table(50, 10, decimals=1)
    for method in ("krippendorff", "items"):
        seconds, result = timed(
            args.repeat,
            lambda method=method: bootstrap.bootstrap_alpha_of(
                small, level="interval", method=method, n_resamples=args.resamples
            ),
        )
        rows.append((f"{method}, 500 judgments rounded to 0.1", seconds, result))
    lines = [
        "# Bootstrap speed",
        "",
        f"Command: `python benchmarks/bench_bootstrap.py --items {args.items} --raters "
        f"{args.raters} --resamples {args.resamples} --repeat {args.repeat}`",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}, numpy {np.__version__}; load average at the end "
        f"{os.getloadavg()[0]:.1f} (shared machine: figures are upper bounds).",
        "",
        f"Same seed, same samples with 1 and {max(results)} threads: {same}.",
        "",
        f"| case | wall s ({args.resamples} resamples) | CPU s | alpha | 95% interval |",
        "|---|---|---|---|---|",
    ]
    for name, seconds, result in rows:
        lines.append(
            f"| {name} | {seconds[0]:.3f} | {seconds[1]:.3f} | {result.estimate:.4f} | "
            f"[{result.ci_low:.4f}, {result.ci_high:.4f}] |"
        )
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
