"""Whole-process time of ``mer-datasets agreement ID``: the pandas-free path and the DataFrame path.

Usage: python benchmarks/bench_cli.py [--mirror-dir ../shared/mirror] [--repeat 15] [--out FILE]

Goal (issue 5): ``mer-datasets agreement ismir2020-agreement`` in at most 0.7 s as a whole
process, cache warm. Each command runs ``--repeat`` times as a fresh process (after one warm-up
run that also fills the cache); the table gives the median and the best. For comparison: the
same report through the DataFrame path (the fast path switched off in-process), and the cost of
starting Python and importing numpy, pyarrow.parquet and pandas, the floor under any CLI call.

Bytecode: pip writes ``.pyc`` files when it installs a package, so users never pay for compiling
the sources; an editable checkout with ``PYTHONDONTWRITEBYTECODE=1`` would. The child processes
run without that variable so that they measure what users run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mer_datasets.catalog import default_catalog
from mer_datasets.download.store import ingest_dataset
from mer_datasets.errors import MERDatasetsError

REPO = Path(__file__).resolve().parents[1]
GOAL_S = 0.7
#: The CLI with the fast path switched off: what ``agreement`` cost before it existed.
DATAFRAME_PATH = (
    "import sys, mer_datasets.cached_agreement as cached\n"
    "cached.cached_judgments = lambda *args, **kwargs: None\n"
    "from mer_datasets.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def timed(command: list[str], env: dict[str, str], repeat: int) -> list[float]:
    subprocess.run(command, env=env, check=True, capture_output=True)  # warm-up, fills caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("mer-datasets")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "mer_datasets"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror-dir", default=str(REPO.parent / "shared" / "mirror"))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--out")
    args = parser.parse_args()
    mirror = Path(args.mirror_dir)
    rows = [
        "| command | path | median s | best s | goal |",
        "|---|---|---:|---:|---|",
    ]
    home = tempfile.mkdtemp(prefix="mer-bench-cli-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["MER_DATASETS_HOME"] = home
    try:
        for label, code in (
            ("python -c pass", "pass"),
            ("import numpy", "import numpy"),
            ("import numpy, pyarrow.parquet", "import numpy, pyarrow.parquet"),
            ("import pandas", "import pandas"),
        ):
            times = timed([sys.executable, "-c", code], env, args.repeat)
            rows.append(
                f"| `{label}` | floor | {statistics.median(times):.3f} | {min(times):.3f} | |"
            )
        catalog = default_catalog()
        for dataset in ("sample", "ismir2020-agreement", "trompa-mer", "emotify"):
            info = catalog.get(dataset)
            if info.access != "embedded":
                try:
                    ingest_dataset(info, mirror / dataset, None, data_home=home)
                except (MERDatasetsError, FileNotFoundError) as exc:
                    rows.append(f"| `agreement {dataset}` | skipped: {exc} | | | |")
                    continue
            goal = f"<= {GOAL_S} s" if dataset == "ismir2020-agreement" else ""
            for path, command in (
                ("cache, no pandas", [*cli_command(), "agreement", dataset]),
                ("DataFrame", [sys.executable, "-c", DATAFRAME_PATH, "agreement", dataset]),
            ):
                times = timed(command, env, args.repeat)
                median = statistics.median(times)
                verdict = (
                    ("met" if median <= GOAL_S else "NOT met")
                    if goal and path != "DataFrame"
                    else ""
                )
                rows.append(
                    f"| `mer-datasets agreement {dataset}` | {path} | {median:.3f} | "
                    f"{min(times):.3f} | {goal} {verdict} |"
                )
    finally:
        shutil.rmtree(home, ignore_errors=True)
    text = (
        "# CLI agreement report, whole process\n\n"
        f"{args.repeat} fresh processes per command after one warm-up (cache filled); "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores. Default report: "
        "Krippendorff's alpha per dimension with a 1000-resample item bootstrap.\n\n"
        + "\n".join(rows)
        + "\n"
    )
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
