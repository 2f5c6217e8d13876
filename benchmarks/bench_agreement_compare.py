"""Before/after benchmark of alpha and its bootstrap across two git revisions, paired.

A script, not a test: ``python benchmarks/bench_agreement_compare.py --before REV [--after REV]
[--what alpha|bootstrap] [--out FILE]``. The two revisions' ``agreement/alpha.py``,
``agreement/bootstrap.py``, ``agreement/resampling.py`` and ``errors.py`` (they import nothing else) are written to a temporary
directory as two packages and run in one process on the same tables (``bench_agreement.synthetic``),
in alternation, best CPU time (``time.process_time``) of ``--repeats``: on a machine shared with
other processes, CPU time is far steadier than wall time. "same" = same alpha (1e-12) or the same
resampled alphas (1e-9).

BLAS runs on one thread (``--blas-threads``, default 1): OpenBLAS's worker threads keep spinning
for a while after a product, and ``process_time`` counts that spin in whatever is timed next, so
with two or more threads one revision's spin was charged to the other (the order decided which
looked slower; benchmarks/results/agreement_engine.md). The bootstrap pins one thread itself.
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_agreement import peak_mib, synthetic  # noqa: E402

FILES = (
    "mer_datasets/errors.py",
    "mer_datasets/agreement/alpha.py",
    "mer_datasets/agreement/bootstrap.py",
    "mer_datasets/agreement/resampling.py",  # since the two-way bootstrap (absent before: skipped)
)


def package(root: Path, name: str, revision: str | None) -> None:
    """Write the revision's modules (None: the working tree) as package ``name``."""
    (root / name / "agreement").mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    (root / name / "agreement" / "__init__.py").write_text("")
    for path in FILES:
        if revision is None:
            if not Path(path).exists():
                continue
            text = Path(path).read_text(encoding="utf-8")
        else:
            shown = subprocess.run(
                ["git", "show", f"{revision}:{path}"], capture_output=True, text=True
            )
            if shown.returncode != 0:  # a module the older revision did not have yet
                continue
            text = shown.stdout
        (root / name / path.removeprefix("mer_datasets/")).write_text(text, encoding="utf-8")


def best_cpu(functions, repeats: int) -> list[float]:
    best = [float("inf")] * len(functions)
    for _ in range(repeats):
        for index, function in enumerate(functions):
            gc.collect()
            start = time.process_time()
            function()
            best[index] = min(best[index], time.process_time() - start)
    return best


def row(name: str, before, after, repeats: int) -> str:
    first, second = before(), after()
    if hasattr(first, "samples"):
        same = np.allclose(first.samples, second.samples, rtol=0, atol=1e-9, equal_nan=True)
    else:
        same = abs(first - second) < 1e-12 or (np.isnan(first) and np.isnan(second))
    t0, t1 = best_cpu([before, after], repeats)
    return (
        f"| {name} | {t0 * 1e3:.1f} | {t1 * 1e3:.1f} | {t1 / t0:.2f} | {peak_mib(before):.1f} "
        f"| {peak_mib(after):.1f} | {'yes' if same else 'NO'} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", required=True, help="git revision")
    parser.add_argument("--after", help="git revision (default: the working tree)")
    parser.add_argument("--what", choices=("alpha", "bootstrap"), default="alpha")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", help="also append the markdown table here")
    parser.add_argument(
        "--blas-threads", type=int, default=1, help="BLAS threads (0: the library's default)"
    )
    args = parser.parse_args()
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads, user_api="blas")
    root = Path(tempfile.mkdtemp(prefix="bench-agreement-"))
    package(root, "mer_before", args.before)
    package(root, "mer_after", args.after)
    sys.path.insert(0, str(root))
    import mer_after.agreement.alpha as alpha_after
    import mer_after.agreement.bootstrap as bootstrap_after
    import mer_before.agreement.alpha as alpha_before
    import mer_before.agreement.bootstrap as bootstrap_before

    lines = [
        "| case | before CPU ms | after CPU ms | after / before | before MiB | after MiB | same |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]

    def emit(line: str) -> None:
        lines.append(line)
        print(line, flush=True)

    for line in lines:
        print(line)
    if args.what == "alpha":
        for size in (10**5, 10**6, 10**7):
            for kind in ("likert", "continuous"):
                table, _ = synthetic(size, 50, kind)
                if size == 10**7:
                    levels = (
                        ("nominal", "ordinal", "interval") if kind == "likert" else ("interval",)
                    )
                elif kind == "likert":
                    levels = ("nominal", "ordinal", "interval", "ratio")
                else:
                    levels = ("ordinal", "interval")
                for level in levels:
                    emit(row(
                        f"alpha {len(table):,} {kind} {level}",
                        lambda t=table, lv=level: alpha_before.krippendorff_alpha(t, level=lv),
                        lambda t=table, lv=level: alpha_after.krippendorff_alpha(t, level=lv),
                        args.repeats if size < 10**7 else 3,
                    ))  # fmt: skip
        for raters in (2, 5, 500):
            table, _ = synthetic(10**6, raters, "likert")
            for level in ("nominal", "ordinal"):
                emit(row(
                    f"alpha {len(table):,} likert, {raters} raters/item, {level}",
                    lambda t=table, lv=level: alpha_before.krippendorff_alpha(t, level=lv),
                    lambda t=table, lv=level: alpha_after.krippendorff_alpha(t, level=lv),
                    args.repeats,
                ))  # fmt: skip
    else:
        cases = [
            ("likert", "ordinal", "items"), ("likert", "nominal", "items"),
            ("likert", "interval", "items"), ("likert", "ratio", "items"),
            ("continuous", "interval", "items"), ("continuous", "ordinal", "items"),
            ("likert", "ordinal", "krippendorff"), ("continuous", "interval", "krippendorff"),
        ]  # fmt: skip
        for kind, level, method in cases:
            table, _ = synthetic(10**6, 50, kind)
            count = 100 if (kind, level) == ("continuous", "ordinal") else 1000
            options = {"level": level, "n_resamples": count, "seed": 0, "method": method}
            emit(row(
                f"bootstrap {count} resamples, {len(table):,} {kind}, {level}, {method}",
                lambda t=table, o=options: bootstrap_before.bootstrap_alpha(t, **o),
                lambda t=table, o=options: bootstrap_after.bootstrap_alpha(t, **o),
                1 if count == 100 or method != "items" else 3,
            ))  # fmt: skip
    if args.out:
        with open(args.out, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main()
