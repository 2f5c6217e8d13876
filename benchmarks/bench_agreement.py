"""Benchmark of Krippendorff's alpha and its bootstrap against the `krippendorff` package.

A script, not a test: ``python benchmarks/bench_agreement.py [--out FILE] [--quick]``.

Synthetic long tables with ``--raters-per-item`` judgments per item (default 50, ~10% missing):
Likert 1-5 and continuous values (6 decimals, so ~every value distinct). Time = best of 3
(time.perf_counter); memory = tracemalloc peak of one extra run (allocations beyond the input).
The package gets a raters x items reliability matrix built outside the timing, and is skipped
(not crashed) when its dense value-counts (items x values) or distance (values x values) arrays
would exceed ``--package-limit-gib``.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd

from mer_datasets.agreement.alpha import krippendorff_alpha
from mer_datasets.agreement.bootstrap import bootstrap_alpha


def synthetic(
    n_judgments: int, raters_per_item: int, kind: str, seed: int = 0
) -> tuple[pd.DataFrame, int]:
    rng = np.random.default_rng(seed)
    n_items = max(1, n_judgments // raters_per_item)
    items = np.repeat(np.arange(n_items), raters_per_item)
    raters = np.tile(np.arange(raters_per_item), n_items)
    truth = rng.normal(size=n_items)[items]
    if kind == "likert":
        values = np.clip(np.round(3 + truth + rng.normal(scale=0.8, size=items.size)), 1, 5)
    else:
        values = np.round(truth + rng.normal(scale=0.8, size=items.size), 6)
    keep = rng.random(items.size) > 0.1
    return pd.DataFrame(
        {"item": items[keep], "rater": raters[keep], "value": values[keep]}
    ), raters_per_item


def measure(function: Callable[[], object], repeats: int = 3) -> tuple[float, float]:
    """(best seconds, peak MiB allocated during one run)."""
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / 2**20


def package_call(table: pd.DataFrame, n_raters: int, level: str, limit_gib: float):
    n_items = int(table["item"].max()) + 1
    n_values = table["value"].nunique()
    need = 8 * max(n_items * n_values * 3, n_values * n_values * 3, n_raters * n_items)
    if need > limit_gib * 2**30:
        return (
            None,
            f"skipped: needs ~{need / 2**30:.0f} GiB (items x values / values x values arrays)",
        )
    import krippendorff

    matrix = np.full((n_raters, n_items), np.nan)
    matrix[table["rater"].to_numpy(), table["item"].to_numpy()] = table["value"].to_numpy()

    def call():
        return krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)

    return call, ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="also write the markdown table here")
    parser.add_argument("--raters-per-item", type=int, default=50)
    parser.add_argument("--package-limit-gib", type=float, default=6.0)
    parser.add_argument("--quick", action="store_true", help="sizes up to 10^5 only")
    args = parser.parse_args()
    sizes = [10**4, 10**5] if args.quick else [10**4, 10**5, 10**6, 10**7]
    lines = [
        "| judgments | values | level | ours ms | ours MiB | package ms | package MiB | speed-up | alpha (ours) | note |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size in sizes:
        for kind in ("likert", "continuous"):
            table, n_raters = synthetic(size, args.raters_per_item, kind)
            levels = (
                ("nominal", "interval")
                if size >= 10**7
                else ("nominal", "ordinal", "interval", "ratio")
            )
            if size >= 10**7 and kind == "continuous":
                levels = ("interval",)
            for level in levels:
                if level == "nominal" and kind == "continuous":
                    continue
                if level == "ratio" and kind == "continuous":
                    lines.append(
                        f"| {size:,} | {kind} | ratio | | | | | | | ratio refuses > 20,000 distinct values (quadratic) |"
                    )
                    continue
                value = krippendorff_alpha(table, level=level)
                ours_s, ours_mib = measure(
                    lambda table=table, level=level: krippendorff_alpha(table, level=level)
                )
                call, note = package_call(table, n_raters, level, args.package_limit_gib)
                if call is not None and size <= 10**6:
                    try:
                        reference = call()
                        pkg_s, pkg_mib = measure(call, repeats=1 if size >= 10**6 else 3)
                        agree = abs(reference - value) < 1e-9
                        note = "same value" if agree else f"DIFFERENT: {reference}"
                        lines.append(
                            f"| {size:,} | {kind} | {level} | {ours_s * 1e3:.1f} | {ours_mib:.1f} | {pkg_s * 1e3:.1f} | "
                            f"{pkg_mib:.1f} | {pkg_s / ours_s:.2f}x | {value:.4f} | {note} |"
                        )
                        continue
                    except MemoryError:
                        note = "package: MemoryError"
                elif call is not None:
                    note = "package not run at this size"
                lines.append(
                    f"| {size:,} | {kind} | {level} | {ours_s * 1e3:.1f} | {ours_mib:.1f} | | | | {value:.4f} | {note} |"
                )
                print(lines[-1], flush=True)
    lines += ["", "| bootstrap (1000 resamples, items) | level | ms | MiB |", "|---|---|---:|---:|"]
    boot_size = 10**5 if args.quick else 10**6
    for kind, level in (
        ("likert", "ordinal"),
        ("likert", "nominal"),
        ("likert", "interval"),
        ("continuous", "interval"),
    ):
        table, _ = synthetic(boot_size, args.raters_per_item, kind)
        seconds, mib = measure(
            lambda table=table, level=level: bootstrap_alpha(
                table, level=level, n_resamples=1000, seed=0
            ),
            repeats=2,
        )
        lines.append(
            f"| {boot_size:,} {kind} ({table['item'].nunique():,} items) | {level} | {seconds * 1e3:.0f} | {mib:.0f} |"
        )
        print(lines[-1], flush=True)
    for kind, level in (("likert", "ordinal"), ("continuous", "interval")):
        table, _ = synthetic(boot_size, args.raters_per_item, kind)
        seconds, mib = measure(
            lambda table=table, level=level: bootstrap_alpha(
                table, level=level, n_resamples=1000, seed=0, method="krippendorff"
            ),
            repeats=1,
        )
        lines.append(
            f"| {boot_size:,} {kind}, method krippendorff | {level} | {seconds * 1e3:.0f} | {mib:.0f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
