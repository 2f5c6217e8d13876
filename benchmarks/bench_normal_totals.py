"""The item bootstrap's normal limit against exact item resamples: interval ends and time.

`python benchmarks/bench_normal_totals.py` (about a minute) writes
benchmarks/results/normal_totals.md. Data: simulated crowds, 2-8 judgments per item (the
always-on test's generator, tests/agreement/test_normal_totals.py), interval, nominal and
ordinal levels, 10^5 and 10^6 items. Each case runs 1000 resamples both ways with the same seed
and reports the ends, the spread of the resampled alphas and the difference of the ends in
standard errors (the Monte Carlo error of one percentile end of 1000 resamples is about 0.085
standard errors, so differences up to ~0.25 are noise).
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
sys.path.insert(0, str(REPO / "tests" / "agreement"))

from test_normal_totals import crowd  # noqa: E402

from mer_datasets.agreement.bootstrap import bootstrap_alpha_of  # noqa: E402

CASES = (("interval", 100_000), ("nominal", 100_000), ("ordinal", 100_000), ("interval", 1_000_000))


def run(level: str, n_items: int, resamples: int) -> str:
    data = crowd(np.random.default_rng(n_items), n_items, level)
    out = {}
    for totals in ("exact", "normal"):
        start = time.perf_counter()
        result = bootstrap_alpha_of(
            data, level=level, method="items", n_resamples=resamples, seed=1, totals=totals
        )
        out[totals] = (result, time.perf_counter() - start)
    exact, normal = out["exact"][0], out["normal"][0]
    spread = float(np.std(exact.samples))
    return (
        f"| {level} | {n_items:,} | {exact.estimate:.4f} "
        f"| [{exact.ci_low:.4f}, {exact.ci_high:.4f}] | [{normal.ci_low:.4f}, {normal.ci_high:.4f}] "
        f"| {np.std(normal.samples) / spread:.3f} "
        f"| {(normal.ci_low - exact.ci_low) / spread:+.2f} / {(normal.ci_high - exact.ci_high) / spread:+.2f} "
        f"| {out['exact'][1]:.2f} | {out['normal'][1]:.2f} |"
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks/results/normal_totals.md")
    args = parser.parse_args()
    rows = [run(level, n_items, args.resamples) for level, n_items in CASES]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    text = (
        "# The item bootstrap's normal limit against exact item resamples\n\n"
        f"`python benchmarks/bench_normal_totals.py` ({args.resamples} resamples each way, seed 1; "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, load average at "
        f"the end {load}). Ends difference: (normal - exact) / SD of the exact resampled alphas; "
        "the Monte Carlo error of one end is about 0.085 of it. Seconds: wall, the whole "
        "`bootstrap_alpha_of` call.\n\n"
        "| level | items | alpha | exact interval | normal-limit interval | SD ratio "
        "| ends difference (SE) | exact s | normal s |\n"
        "|---|---:|---:|---|---|---:|---|---:|---:|\n" + "\n".join(rows) + "\n"
    )
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
