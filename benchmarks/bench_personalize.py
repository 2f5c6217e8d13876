"""How long the consensus-entropy simulation takes on TROMPA-MER (target: minutes, not hours).

Usage: python benchmarks/bench_personalize.py [--mirror-dir ../shared/mirror] [--out FILE]
       [--epochs 5] [--queries 5] [--min-judgments 80] [--count records]

The 2022-03-07 export (the personalization study's snapshot) is ingested from the mirror into a
temporary data home; raters with at least ``--min-judgments`` annotations (counted as records or
distinct tracks) are selected; personal quadrants use ``repeats="last"``; features are the
per-track Spotify audio features of ``summary.csv``; the default committee (logistic regression,
Gaussian naive Bayes, extra trees) runs all four strategies. Writes the report, the wall time
and the machine to ``--out`` (markdown) and the tidy results beside it (CSV).
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import mer_datasets
from mer_datasets.catalog import default_catalog
from mer_datasets.download.store import ingest_dataset
from mer_datasets.personal.activity import select_raters
from mer_datasets.personal.labels import personal_labels
from mer_datasets.personal.simulate import report_text, simulate, track_features

REPO = Path(__file__).resolve().parents[1]
VERSION = "2022-03-07"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror-dir", default=str(REPO.parent / "shared" / "mirror"))
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "results" / "personalize.md"))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--queries", type=int, default=5)
    parser.add_argument("--min-judgments", type=int, default=80)
    parser.add_argument("--count", choices=["records", "tracks"], default="records")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    info = default_catalog().get("trompa-mer")
    with tempfile.TemporaryDirectory() as home:
        ingest_dataset(info, Path(args.mirror_dir) / info.id, VERSION, data_home=home)
        dataset = mer_datasets.load_dataset(
            "trompa-mer", version=VERSION, data_home=home, offline=True
        )
    raters = select_raters(dataset.annotations, min_judgments=args.min_judgments, count=args.count)
    labels = personal_labels(dataset.annotations, repeats="last", raters=raters)
    features, lacking = track_features(dataset.tracks, "spotify")
    load_before = os.getloadavg()
    start = time.perf_counter()
    simulation = simulate(
        labels, features, raters=raters, epochs=args.epochs, queries=args.queries, seed=args.seed
    )
    seconds = time.perf_counter() - start
    load_after = os.getloadavg()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    simulation.results.to_csv(out.with_suffix(".csv"), index=False)
    text = (
        "# Personalization simulation on TROMPA-MER 2022-03-07\n\n"
        f"- raters: {len(raters)} (>= {args.min_judgments} judgments counted as {args.count})\n"
        f"- tracks with Spotify features: {len(features)} ({lacking} without)\n"
        f"- epochs x queries: {args.epochs} x {args.queries}; seed {args.seed}\n"
        f"- models: {', '.join(simulation.parameters['models'])}; strategies: hc, mc, mix, rand\n"
        f"- wall time of the simulation: {seconds:.1f} s\n"
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}\n"
        f"- load average (1/5/15 min) before: {_load(load_before)}; after: {_load(load_after)} "
        "(other jobs share the CPUs: wall time is an upper bound for an idle machine)\n"
        f"\n```text\n{report_text(simulation)}```\n"
    )
    out.write_text(text)
    print(text)


def _load(values: tuple[float, float, float]) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    main()
