"""Coverage of the bootstrap intervals of Krippendorff's alpha on simulated data with known truth.

Usage: python benchmarks/coverage_study.py [--datasets 400] [--resamples 1000] [--designs all]
       [--methods items-percentile,items-bca,two-way-percentile,two-way-bca,krippendorff]
       [--jobs 2] [--seed 0] [--out benchmarks/results/coverage.md]

Generating model (interval level): judgment x_uj = mu + t_u + b_j + e_uj with independent
t_u ~ N(0, var_t) (the item's true score), b_j ~ N(0, var_b) (rater j's bias, a *random* rater
effect drawn afresh for every data set) and e_uj ~ N(0, var_e). var_t = var_e = 1; designs
"without rater effects" have var_b = 0, designs "with rater biases" var_b = ``RATER_VARIANCE``.
True alpha: two values drawn at random from the population disagree by E(x - x')^2 / 2 =
var_t + var_b + var_e, two values of one item (different raters) by var_b + var_e, so the
population alpha = 1 - D_o / D_e = var_t / (var_t + var_b + var_e) (0.5 and 0.4). The script
checks it on one huge sample (``--check-truth``: 200,000 items x 5 raters from a pool of 50,000).

Designs: ``I x K`` = I items each judged by K raters. ``crossed``: the same K raters judge every
item (the case the item bootstrap treats as fixed raters); ``pool``: each item's K raters drawn
without replacement from a pool of 4 K raters (a random-rater design). Design names:
``c50x5`` (crossed, no rater effects), ``c50x5b`` (crossed, rater biases), ``p50x5b`` (pool).

Per data set and method: the 95% interval (1000 resamples, the toolkit's default) and whether it
contains the true alpha. Coverage = share of data sets whose interval contains it (Monte-Carlo
standard error sqrt(0.95 * 0.05 / 400) = 0.011 at 400 data sets). Data set d of design i uses
seed SeedSequence([seed, i, d]), so any subset of designs or jobs gives the same figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mer_datasets.agreement.alpha import LongValues, alpha_of  # noqa: E402
from mer_datasets.agreement.bootstrap import bootstrap_alpha_of  # noqa: E402

VAR_T = 1.0
VAR_E = 1.0
RATER_VARIANCE = 0.5
ITEMS = (20, 50, 100, 200)
RATERS = (3, 5, 10)
METHODS = ("items-percentile", "items-bca", "two-way-percentile", "two-way-bca", "krippendorff")
#: Extra methods available by name (not in the default run).
EXTRA_METHODS = ("two-way-distinct-percentile", "two-way-distinct-bca")


def all_designs() -> list[str]:
    names = [f"c{i}x{k}{b}" for b in ("", "b") for i in ITEMS for k in RATERS]
    return names + [f"p{i}x{k}b" for i in ITEMS for k in RATERS]


def parse_design(name: str) -> tuple[str, int, int, bool]:
    kind, rest = name[0], name[1:]
    biased = rest.endswith("b")
    items, raters = rest.rstrip("b").split("x")
    if kind not in "cp":
        raise ValueError(f"design {name!r}: expected c (crossed) or p (pool)")
    return kind, int(items), int(raters), biased


def set_rater_variance(variance: float) -> None:
    """Set var_b of the biased designs (in every worker: the Pool's initializer)."""
    global RATER_VARIANCE
    RATER_VARIANCE = variance


def true_alpha(biased: bool) -> float:
    var_b = RATER_VARIANCE if biased else 0.0
    return VAR_T / (VAR_T + var_b + VAR_E)


def simulate(name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(item codes, rater codes, values) of one data set of design ``name``."""
    kind, n_items, k, biased = parse_design(name)
    pool = k if kind == "c" else 4 * k
    bias = rng.normal(0.0, np.sqrt(RATER_VARIANCE), pool) if biased else np.zeros(pool)
    truth = rng.normal(0.0, np.sqrt(VAR_T), n_items)
    items = np.repeat(np.arange(n_items), k)
    if kind == "c":
        raters = np.tile(np.arange(k), n_items)
    else:
        raters = np.argsort(rng.random((n_items, pool)), axis=1)[:, :k].ravel()
    values = 3.0 + truth[items] + bias[raters] + rng.normal(0.0, np.sqrt(VAR_E), items.size)
    return items, raters, values


def run_one(task: tuple[str, int, int, int, int, tuple[str, ...]]) -> list[tuple]:
    """Rows (design, data set, method, estimate, low, high) of one data set."""
    name, design_index, dataset, seed, resamples, methods = task
    rng = np.random.default_rng(np.random.SeedSequence([seed, design_index, dataset]))
    items, raters, values = simulate(name, rng)
    data = LongValues(items, int(items.max()) + 1, x=values)
    boot_seed = int(rng.integers(2**31))
    rows = []
    for method in methods:
        parts = method.split("-")
        interval = parts[-1] if parts[-1] in ("percentile", "bca") else "percentile"
        base = "-".join(p for p in parts if p not in ("percentile", "bca", "distinct"))
        copies = "distinct" if "distinct" in parts else "once"
        result = bootstrap_alpha_of(
            data, level="interval", n_resamples=resamples, method=base, seed=boot_seed,
            raters=raters if base == "two-way" else None, interval=interval, copies=copies,
        )  # fmt: skip
        rows.append((name, dataset, method, result.estimate, result.ci_low, result.ci_high))
    return rows


def check_truth(seed: int) -> list[str]:
    """Alpha of one huge pool-design sample per rater variance against the formula."""
    lines = []
    for biased in (False, True):
        rng = np.random.default_rng(seed)
        n_items, k, pool = 200_000, 5, 50_000
        bias = rng.normal(0.0, np.sqrt(RATER_VARIANCE), pool) if biased else np.zeros(pool)
        truth = rng.normal(0.0, 1.0, n_items)
        items = np.repeat(np.arange(n_items), k)
        raters = rng.integers(0, pool, items.size)
        values = truth[items] + bias[raters] + rng.normal(0.0, 1.0, items.size)
        alpha = alpha_of(LongValues(items, n_items, x=values), "interval")
        lines.append(
            f"| var_b = {RATER_VARIANCE if biased else 0.0} | {true_alpha(biased):.4f} | "
            f"{alpha:.4f} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=400)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--designs", default="all", help="comma-separated names, or all")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--rater-variance", type=float, default=RATER_VARIANCE, help="var_b of the biased designs"
    )
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "coverage.md"))
    parser.add_argument("--check-truth", action="store_true", help="also verify the true alpha")
    parser.add_argument(
        "--summarise", metavar="FILE", help="print the ranges per family of FILE's table and exit"
    )
    args = parser.parse_args()
    set_rater_variance(args.rater_variance)
    if args.summarise:
        print(summary(Path(args.summarise).read_text()))
        return
    designs = all_designs() if args.designs == "all" else args.designs.split(",")
    methods = tuple(args.methods.split(","))
    for method in methods:
        if method not in METHODS + EXTRA_METHODS:
            parser.error(f"unknown method {method!r}")
    index = {name: i for i, name in enumerate(all_designs())}
    tasks = [
        (name, index.get(name, 1000 + n), d, args.seed, args.resamples, methods)
        for n, name in enumerate(designs)
        for d in range(args.datasets)
    ]
    start = time.perf_counter()
    rows: list[tuple] = []
    with Pool(args.jobs, initializer=set_rater_variance, initargs=(args.rater_variance,)) as pool:
        for part in pool.imap_unordered(run_one, tasks, chunksize=4):
            rows.extend(part)
    seconds = time.perf_counter() - start
    text = report(rows, designs, methods, args, seconds)
    if args.check_truth:
        text += (
            "\n## The true alpha checked on one huge sample\n\n200,000 items x 5 raters drawn "
            "from a pool of 50,000 (seed 0):\n\n| rater variance | formula | huge sample |\n"
            "|---|---|---|\n" + "\n".join(check_truth(args.seed)) + "\n"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)


def coverage_table(rows, designs, methods) -> tuple[str, dict]:
    # header words break onto two lines (<br>): the docs site shows this 11-column table in its
    # content column, whose headers do not wrap (tests/docs/test_site_layout.py)
    lines = [
        "| design | items | raters | rater<br>biases | true<br>alpha | mean<br>estimate | "
        + " | ".join("-<br>".join(method.rsplit("-", 1)) for method in methods)
        + " |",
        "|---|---|---|---|---|---|" + "---|" * len(methods),
    ]
    figures: dict = {}
    for name in designs:
        kind, n_items, k, biased = parse_design(name)
        truth = true_alpha(biased)
        cells, estimates = [], []
        for method in methods:
            chosen = [r for r in rows if r[0] == name and r[2] == method]
            low = np.array([r[4] for r in chosen])
            high = np.array([r[5] for r in chosen])
            estimates = [r[3] for r in chosen]
            covered = float(np.mean((low <= truth) & (truth <= high))) if chosen else float("nan")
            width = float(np.nanmean(high - low)) if chosen else float("nan")
            figures[name, method] = (covered, width)
            cells.append(f"{covered:.3f} ({width:.2f})")
        design = "crossed" if kind == "c" else "pool of 4K"
        lines.append(
            f"| {name} | {n_items} | {k} ({design}) | {'yes' if biased else 'no'} | "
            f"{truth:.2f} | {np.mean(estimates):.3f} | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines) + "\n", figures


FAMILIES = (
    ("no rater effects, 20 items", lambda kind, i, k, b: kind == "c" and not b and i == 20),
    ("no rater effects, 50-200 items", lambda kind, i, k, b: kind == "c" and not b and i >= 50),
    ("crossed, rater biases, 20 items", lambda kind, i, k, b: kind == "c" and b and i == 20),
    ("crossed, rater biases, 50-200 items", lambda kind, i, k, b: kind == "c" and b and i >= 50),
    ("pool of raters, rater biases", lambda kind, i, k, b: kind == "p"),
)


def summary(text: str) -> str:
    """Min-max coverage per family of designs and method, from a results table (markdown)."""
    lines = text.splitlines()
    lines = [
        line for line in lines[lines.index(next(x for x in lines if x.startswith("| design |"))) :]
    ]
    lines = [line for line in lines if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    methods = [method.replace("<br>", "") for method in header[6:]]
    rows = []
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0][:1] not in "cp" or "x" not in cells[0]:
            continue
        rows.append((parse_design(cells[0]), [float(c.split()[0]) for c in cells[6:]]))
    out = ["| designs | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    for family, chosen in FAMILIES:
        picked = [values for design, values in rows if chosen(*design)]
        if not picked:
            continue
        cells = []
        for column in range(len(methods)):
            values = [row[column] for row in picked]
            cells.append(f"{min(values):.2f}-{max(values):.2f}")
        out.append(f"| {family} ({len(picked)}) | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def report(rows, designs, methods, args, seconds) -> str:
    table, _ = coverage_table(rows, designs, methods)
    command = (
        f"python benchmarks/coverage_study.py --datasets {args.datasets} --resamples "
        f"{args.resamples} --designs {args.designs} --methods {','.join(methods)} "
        f"--jobs {args.jobs} --seed {args.seed} --rater-variance {args.rater_variance}"
    )
    return (
        "# Coverage of bootstrap intervals of Krippendorff's alpha\n\n"
        "Generated by `benchmarks/coverage_study.py` (its docstring: generating model, true "
        "alpha, designs).\n\n"
        f"Command: `{command}`\n\n"
        f"Runtime: {seconds:.0f} s wall on {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}), "
        f"{args.datasets} data sets per design, {args.resamples} resamples, nominal 95%.\n\n"
        "Each cell: coverage (share of data sets whose 95% interval contains the true alpha) "
        "and, in parentheses, the mean interval width. Monte-Carlo standard error of a coverage "
        f"near 0.95: {np.sqrt(0.95 * 0.05 / max(args.datasets, 1)):.3f}.\n\n"
        "Summary (lowest-highest coverage over the designs of each family; number of designs in "
        "parentheses):\n\n" + summary(table) + "\nAll designs:\n\n" + table
    )


if __name__ == "__main__":
    main()
