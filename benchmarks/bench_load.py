"""Cold (parse + validate) and warm (Parquet cache) load times for every dataset with data present.

Usage: python benchmarks/bench_load.py [--mirror-dir ../shared/mirror] [--repeat 5] [--out FILE]

Each dataset is ingested from the mirror directory into a temporary data home, then loaded
cold (cache disabled) and warm (cache filled) in this process; best of ``--repeat`` runs.
Datasets whose files are absent are listed as skipped. Goal (issue 3): warm
``load_dataset('trompa-mer')`` <= 30 ms and >= 5x faster than cold.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from mer_datasets.catalog import default_catalog
from mer_datasets.dataset import load_dataset
from mer_datasets.download.store import ingest_dataset
from mer_datasets.errors import MERDatasetsError

REPO = Path(__file__).resolve().parents[1]


def best_of(repeat: int, func) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror-dir", default=str(REPO.parent / "shared" / "mirror"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out")
    args = parser.parse_args()
    mirror = Path(args.mirror_dir)
    rows = [
        "| dataset | version | judgments | labels | cold ms | warm ms | speed-up |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as home:
        for info in default_catalog():
            if not info.loadable:
                continue
            version = info.version()
            try:
                if info.access != "embedded":
                    ingest_dataset(info, mirror / info.id, version.version, data_home=home)
                ds = load_dataset(info.id, data_home=home, offline=True, cache=False)
            except (MERDatasetsError, FileNotFoundError) as exc:
                rows.append(
                    f"| {info.id} | {version.version} | skipped: {str(exc).splitlines()[0][:80]} | | | | |"
                )
                continue
            cold = best_of(
                args.repeat,
                lambda i=info.id: load_dataset(i, data_home=home, offline=True, cache=False),
            )
            load_dataset(info.id, data_home=home, offline=True)
            warm = best_of(
                args.repeat, lambda i=info.id: load_dataset(i, data_home=home, offline=True)
            )
            rows.append(
                f"| {info.id} | {version.version} | {len(ds.annotations)} | {len(ds.labels)} | "
                f"{cold * 1000:.1f} | {warm * 1000:.1f} | {cold / warm:.1f}x |"
            )
    text = (
        "# Loading times (cold parse + validate, warm Parquet cache)\n\n"
        f"`python benchmarks/bench_load.py --repeat {args.repeat}` on this 2-core machine; every "
        "dataset ingested from ../shared/mirror; best of "
        f"{args.repeat}, in-process.\n\n" + "\n".join(rows)
    )
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
