"""Benchmark of Krippendorff's alpha and its bootstrap against the `krippendorff` package.

A script, not a test: ``python benchmarks/bench_agreement.py [--out FILE] [--quick]``.

Synthetic long tables with ``--raters-per-item`` judgments per item (default 50, ~10% missing):
Likert 1-5 and continuous values (6 decimals, so ~every value distinct). Ours and the package are
timed in alternation in one run (best of ``--repeats``; the machine may be shared) and their
ratio is reported. The package is timed *including* building its raters x items reliability
matrix from the same long table, since that is what a user of the package must do; it is skipped
(not crashed) when its items x values x values coincidence array
would exceed ``--package-limit-gib``. Memory = tracemalloc peak of one extra run (allocations
beyond the input table).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import pandas as pd

from mer_datasets.agreement.alpha import LEVELS, krippendorff_alpha
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


def peak_mib(function: Callable[[], object]) -> float:
    """Peak MiB allocated (tracemalloc) during one run of ``function``."""
    gc.collect()
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def best_times(functions: list[Callable[[], object]], repeats: int) -> list[float]:
    """Best seconds of each function, timed in alternation (paired under the same machine load)."""
    best = [float("inf")] * len(functions)
    for _ in range(repeats):
        for index, function in enumerate(functions):
            gc.collect()
            start = time.perf_counter()
            function()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def package_call(table: pd.DataFrame, n_raters: int, level: str, limit_gib: float):
    """(callable building the reliability matrix and running the package, note) or (None, why)."""
    n_items = int(table["item"].max()) + 1
    n_values = table["value"].nunique()
    # krippendorff 0.9 builds items x values x values diagonals and a values x values distance.
    need = 8 * max(n_items * n_values * n_values, n_values * n_values * 3, n_raters * n_items)
    if need > limit_gib * 2**30:
        return None, f"package skipped: needs ~{need / 2**30:,.0f} GiB (items x values x values)"
    import krippendorff

    def call():
        matrix = np.full((n_raters, n_items), np.nan)
        matrix[table["rater"].to_numpy(), table["item"].to_numpy()] = table["value"].to_numpy()
        return krippendorff.alpha(reliability_data=matrix, level_of_measurement=level)

    return call, ""


HEADER = [
    "| judgments | raters/item | values | level | ours ms | ours MiB | package ms | package MiB "
    "| package / ours | alpha (ours) | note |",
    "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|",
]


def alpha_row(table, n_raters, kind, level, args, *, run_package=True) -> str:
    size = len(table)

    def ours():
        return krippendorff_alpha(table, level=level)

    value = ours()
    repeats = args.repeats if size < 10**7 else max(2, args.repeats // 2)
    call, note = package_call(table, n_raters, level, args.package_limit_gib)
    if call is None or not run_package:
        (ours_s,) = best_times([ours], repeats)
        package = "| | |"
    else:
        reference = call()
        agree = abs(reference - value) < 1e-9
        note = "same value (1e-9)" if agree else f"DIFFERENT: package {reference}"
        ours_s, package_s = best_times([ours, call], repeats if size < 10**7 else 1)
        package = f"{package_s * 1e3:.1f} | {peak_mib(call):.1f} | {package_s / ours_s:.1f}x |"
    return (
        f"| {size:,} | {n_raters} | {kind} | {level} | {ours_s * 1e3:.1f} | {peak_mib(ours):.1f} | "
        f"{package} {value:.4f} | {note} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="also write the markdown table here")
    parser.add_argument("--raters-per-item", type=int, default=50)
    parser.add_argument("--package-limit-gib", type=float, default=6.0)
    parser.add_argument("--repeats", type=int, default=7, help="best of this many runs")
    parser.add_argument("--quick", action="store_true", help="sizes up to 10^5 only")
    args = parser.parse_args()
    sizes = [10**4, 10**5] if args.quick else [10**4, 10**5, 10**6, 10**7]
    lines = [
        "# Agreement benchmark",
        "",
        f"`python benchmarks/bench_agreement.py` on {platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}, pandas {pd.__version__}; best of {args.repeats} (machine shared "
        "with other processes, so absolute figures are noisy; ours and the package are timed in "
        "alternation). The package's time includes building its reliability matrix from the same "
        "long table. MiB = tracemalloc peak beyond the input.",
        "",
        *HEADER,
    ]

    def emit(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    # The package on continuous values, at the size where its items x values x values array fits.
    table, n_raters = synthetic(1000, 10, "continuous")
    for level in ("ordinal", "interval", "ratio"):
        emit(alpha_row(table, n_raters, "continuous", level, args))
    for size in sizes:
        for kind in ("likert", "continuous"):
            table, n_raters = synthetic(size, args.raters_per_item, kind)
            if size >= 10**7:
                levels = ("nominal", "ordinal", "interval") if kind == "likert" else ("interval",)
            else:
                levels = ("ordinal", "interval") if kind == "continuous" else LEVELS
            for level in levels:
                emit(alpha_row(table, n_raters, kind, level, args))
            if kind == "continuous" and size < 10**7:
                emit(
                    f"| {size:,} | {n_raters} | {kind} | ratio | | | | | | | ratio refuses > 20,000 "
                    "distinct values (quadratic) |"
                )
    if not args.quick:
        for raters in (2, 5, 500, 5000):
            table, n_raters = synthetic(10**6, raters, "likert")
            for level in ("nominal", "ordinal"):
                emit(alpha_row(table, n_raters, "likert", level, args))
    emit("")
    emit("| bootstrap (1000 resamples) | level | ms | MiB |")
    emit("|---|---|---:|---:|")
    boot_size = 10**5 if args.quick else 10**6
    cases = [
        ("likert", "ordinal", "items"),
        ("likert", "nominal", "items"),
        ("likert", "interval", "items"),
        ("likert", "ratio", "items"),
        ("continuous", "interval", "items"),
        ("continuous", "ordinal", "items"),
        ("likert", "ordinal", "krippendorff"),
        ("continuous", "interval", "krippendorff"),
    ]
    for kind, level, method in cases:
        table, _ = synthetic(boot_size, args.raters_per_item, kind)

        def run(table=table, level=level, method=method):
            return bootstrap_alpha(table, level=level, n_resamples=1000, seed=0, method=method)

        slow = method != "items" or (kind, level) == ("continuous", "ordinal")
        (seconds,) = best_times([run], 1 if slow else 3)
        emit(
            f"| {boot_size:,} {kind} ({table['item'].nunique():,} items), method {method} "
            f"| {level} | {seconds * 1e3:.0f} | {peak_mib(run):.0f} |"
        )
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
