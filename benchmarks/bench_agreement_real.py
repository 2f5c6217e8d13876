"""Krippendorff's alpha on every real dataset with per-rater judgments, ours next to the package.

Usage: python benchmarks/bench_agreement_real.py [--mirror-dir ../shared/mirror] [--out FILE]

Each dataset is ingested from the mirror directory into a temporary data home and loaded; for
every dimension of its judgments, alpha is computed at each applicable level of measurement by
``mer_datasets.agreement.alpha.krippendorff_alpha`` and by the ``krippendorff`` package (whose
time includes building its raters x items reliability matrix from the same long table, as a
user must). Both values are printed, with their difference; timings are best of ``--repeat``.
Levels: nominal for categorical judgments; all four for numeric ones (ratio only when every
value is positive, where the ratio metric is defined).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from mer_datasets.agreement.alpha import krippendorff_alpha
from mer_datasets.catalog import default_catalog
from mer_datasets.dataset import load_dataset
from mer_datasets.download.store import ingest_dataset
from mer_datasets.errors import MERDatasetsError

REPO = Path(__file__).resolve().parents[1]
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def best_of(repeat: int, func):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def package_alpha(table, level: str) -> float:
    """The `krippendorff` package from the long table (pivot to raters x items first)."""
    import krippendorff

    matrix = table.pivot_table(
        index="rater", columns="item", values="value", aggfunc="last", observed=True
    )
    return float(
        krippendorff.alpha(
            reliability_data=matrix.to_numpy(dtype=float), level_of_measurement=level
        )
    )


def long_table(annotations, dimension: str):
    """item, rater, value (numeric codes for labels) with the latest judgment per rater and item."""
    import pandas as pd

    rows = annotations[annotations["dimension"] == dimension]
    numeric = rows["value"].notna().all()
    values = (
        rows["value"].astype("float64")
        if numeric
        else pd.Series(pd.factorize(rows["label"])[0], index=rows.index).astype("float64")
    )
    table = pd.DataFrame(
        {
            "item": rows["track_id"].astype(str).to_numpy(),
            "rater": rows["rater_id"].astype(str).to_numpy(),
            "value": values.to_numpy(),
        }
    )
    table = table.drop_duplicates(["item", "rater"], keep="last")
    return table, bool(numeric)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror-dir", default=str(REPO.parent / "shared" / "mirror"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out")
    args = parser.parse_args()
    mirror = Path(args.mirror_dir)
    lines = [
        "| dataset | dimension | judgments | items | raters | level | alpha (ours) | alpha (package) | |diff| | ours ms | package ms | package / ours |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as home:
        for info in default_catalog():
            if not info.loadable or not info.per_rater:
                continue
            try:
                if info.access != "embedded":
                    ingest_dataset(info, mirror / info.id, None, data_home=home)
                dataset = load_dataset(info.id, data_home=home, offline=True)
            except (MERDatasetsError, FileNotFoundError) as exc:
                lines.append(
                    f"| {info.id} | skipped: {str(exc).splitlines()[0][:90]} | | | | | | | | | | |"
                )
                continue
            if dataset.annotations.empty:
                continue
            for dimension in sorted(dataset.annotations["dimension"].astype(str).unique()):
                table, numeric = long_table(dataset.annotations, dimension)
                levels = LEVELS if numeric else ("nominal",)
                for level in levels:
                    if level == "ratio" and not (table["value"] > 0).all():
                        continue
                    ours_s, ours = best_of(
                        args.repeat, lambda t=table, lv=level: krippendorff_alpha(t, level=lv)
                    )
                    try:
                        pkg_s, pkg = best_of(
                            args.repeat, lambda t=table, lv=level: package_alpha(t, lv)
                        )
                    except (ValueError, MemoryError) as exc:
                        pkg_s, pkg = float("nan"), float("nan")
                        del exc
                    diff = (
                        abs(ours - pkg) if np.isfinite(ours) and np.isfinite(pkg) else float("nan")
                    )
                    lines.append(
                        f"| {info.id} | {dimension} | {len(table)} | {table['item'].nunique()} | {table['rater'].nunique()} | {level} | "
                        f"{ours:.4f} | {pkg:.4f} | {diff:.1e} | {ours_s * 1000:.2f} | {pkg_s * 1000:.1f} | {pkg_s / ours_s:.1f}x |"
                    )
    text = (
        "# Alpha on the real datasets\n\n"
        + __doc__.split("\n\n")[1]
        + "\n\n"
        + "\n".join(lines)
        + "\n"
    )
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
