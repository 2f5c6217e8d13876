"""Crowd scale: the whole default agreement report on 10^6 and 10^7 judgments, stage by stage.

A script, not a test: ``python benchmarks/bench_crowd_scale.py [--sizes 1e6 1e7] [--huge]
[--out benchmarks/results/crowd_scale.md]``. Generates Parquet files of interval judgments
(items x 10 raters, continuous values, int64 ids; ``--huge`` adds 10^8, out of core only) in a
temporary directory (never committed), then runs every case in its own subprocess so that peak
memory (``ru_maxrss``) is the case's own:

* memory, stages: read (userfile.read_annotations), factorize (Judgments, codes), statistic
  (alpha_of), bootstrap (1000 item resamples), ICC (icc_of), render (render_records);
* memory, whole CLI: ``mer-datasets agreement FILE --item item --rater rater --engine memory``;
* duckdb, stages: statistic (duckdb_engine.duckdb_statistics: the GROUP BY item query), bootstrap
  (the same 1000 resamples on its per-item statistics), render; and the whole CLI with
  ``--engine duckdb`` (alpha only: no ICC);
* anchor: interval alpha as one plain DuckDB SQL query (GROUP BY item: count, sum, var_pop).

Times are wall seconds on this machine (2 cores); memory is the subprocess's peak RSS in MiB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RATERS = 10

STAGES_MEMORY = r"""
import json, resource, sys, time
from mer_datasets.agreement.userfile import Columns, ReadOptions, read_annotations
from mer_datasets.agreement.judgments import Judgments, select
from mer_datasets.agreement.alpha import alpha_of, factorize
from mer_datasets.agreement.bootstrap import bootstrap_alpha_of
from mer_datasets.agreement.icc import icc_of
from mer_datasets.agreement.render import render_records
from mer_datasets.agreement.records import RECORD_COLUMNS
times = {}
def timed(name, function):
    start = time.perf_counter(); out = function(); times[name] = time.perf_counter() - start
    return out
path = sys.argv[1]
table, levels = timed("read", lambda: read_annotations(path, Columns(item="item", rater="rater")))
def codes():
    judgments = Judgments.from_frame(table)
    selection = select(judgments, 0, levels, "latest")
    values = selection.long_values(judgments)
    return values, factorize(judgments.rater[selection.rows])[0]
values, raters = timed("factorize", codes)
alpha = timed("statistic", lambda: alpha_of(values, "interval"))
result = timed("bootstrap", lambda: bootstrap_alpha_of(values, level="interval", n_resamples=1000))
icc = timed("icc", lambda: icc_of(values.x, values.item_codes, raters))
record = {c: None for c in RECORD_COLUMNS}
record.update(dimension="value", metric="krippendorff_alpha", level="interval", value=alpha,
              ci_low=result.ci_low, ci_high=result.ci_high)
timed("render", lambda: render_records([record] * 4, "table", []))
print(json.dumps({"times": times, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

STAGES_DUCKDB = r"""
import json, resource, sys, time
import numpy as np
from mer_datasets.agreement.duckdb_engine import duckdb_statistics
from mer_datasets.agreement.alpha import alpha_from_sums, expected_of
from mer_datasets.agreement.bootstrap import _items_bootstrap
from mer_datasets.agreement.render import render_records
from mer_datasets.agreement.records import RECORD_COLUMNS
times = {}
def timed(name, function):
    start = time.perf_counter(); out = function(); times[name] = time.perf_counter() - start
    return out
def statistic():
    p, stats = duckdb_statistics(sys.argv[1], item="item", value="value", level="interval")
    expected, n_ref = expected_of(stats)
    return p, stats, alpha_from_sums(float(stats.within.sum()), expected, int(stats.m.sum()), n_ref)
p, stats, alpha = timed("statistic", statistic)
samples = timed("bootstrap", lambda: _items_bootstrap(p, stats, None, 1000, np.random.default_rng(0)))
record = {c: None for c in RECORD_COLUMNS}
record.update(dimension="value", metric="krippendorff_alpha", level="interval", value=alpha)
timed("render", lambda: render_records([record], "table", []))
print(json.dumps({"times": times, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

ANCHOR = r"""
import json, resource, sys, time
import duckdb
start = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
source = "read_parquet('" + sys.argv[1] + "')"
alpha = con.execute(f'''
WITH j AS (SELECT item AS i, value AS v FROM {source} WHERE value IS NOT NULL AND NOT isnan(value)),
pi AS (SELECT i FROM j GROUP BY i HAVING count(*) >= 2),
jp AS (SELECT j.* FROM j SEMI JOIN pi ON j.i = pi.i),
u AS (SELECT count(*) m, var_pop(v) * count(*) ss FROM jp GROUP BY i)
SELECT 1 - (sum(2 * m * ss / (m - 1)) / sum(m))
         / (2 * (SELECT var_pop(v) * count(*) FROM jp) / (sum(m) - 1)) FROM u
''').fetchone()[0]
times = {"statistic": time.perf_counter() - start}
print(json.dumps({"times": times, "alpha": alpha,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def generate(path: Path, n_judgments: int, seed: int = 0) -> None:
    """Interval judgments: n_judgments / 10 items x 10 raters, continuous values, row groups of
    10^6 rows written one by one (bounded memory even at 10^8)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    chunk = 1_000_000
    schema = pa.schema([("item", pa.int64()), ("rater", pa.int64()), ("value", pa.float64())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, n_judgments, chunk):
            rows = np.arange(start, min(n_judgments, start + chunk))
            items = rows // RATERS
            truth = np.sin(items * 0.7) * 2.0  # an item's own level, cheap and deterministic
            values = np.round(truth + rng.normal(size=rows.size), 3)
            writer.write_table(
                pa.table({"item": items, "rater": rows % RATERS, "value": values}, schema=schema)
            )


def run_script(script: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_cli(path: Path, engine: str) -> dict:
    """The whole CLI in a subprocess: wall time and peak RSS (RUSAGE_CHILDREN of a wrapper)."""
    wrapper = (
        "import resource, subprocess, sys, time, json; start = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "print(json.dumps({'wall': time.perf_counter() - start, "
        "'peak_mib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))"
    )
    command = [
        sys.executable, "-c", wrapper, sys.executable, "-m", "mer_datasets.cli", "agreement",
        str(path), "--item", "item", "--rater", "rater", "--engine", engine,
    ]  # fmt: skip
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7])
    parser.add_argument("--huge", action="store_true", help="also 10^8 (out of core only)")
    parser.add_argument("--out", default="benchmarks/results/crowd_scale.md")
    parser.add_argument(
        "--skip-memory-cli", action="store_true", help="not the whole in-memory CLI (slowest)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes] + ([10**8] if args.huge else [])
    lines = []
    with tempfile.TemporaryDirectory() as directory:
        for size in sizes:
            path = Path(directory) / f"judgments_{size}.parquet"
            start = time.perf_counter()
            generate(path, size)
            megabytes = path.stat().st_size / 2**20
            print(f"{size}: generated {megabytes:.0f} MiB in {time.perf_counter() - start:.1f} s")
            runs = {}
            if size <= 10**7:
                runs["memory stages"] = lambda path=path: run_script(STAGES_MEMORY, path)
                if not args.skip_memory_cli:
                    runs["memory CLI"] = lambda path=path: run_cli(path, "memory")
            runs["duckdb stages"] = lambda path=path: run_script(STAGES_DUCKDB, path)
            runs["duckdb CLI"] = lambda path=path: run_cli(path, "duckdb")
            runs["DuckDB SQL anchor"] = lambda path=path: run_script(ANCHOR, path)
            cases = {}
            for name, run in runs.items():
                cases[name] = run()
                print(f"  {name}: {json.dumps(cases[name])}", flush=True)
            lines += table(size, megabytes, cases)
    text = (
        "# Crowd scale: the whole default report, stage by stage\n\n"
        "`python benchmarks/bench_crowd_scale.py` (interval judgments, items x 10 raters, "
        "continuous values; wall seconds on a 2-core machine, peak RSS of each case's own "
        "process). Stages in memory: read (userfile reader), factorize (ids to codes), "
        "statistic (alpha), bootstrap (1000 item resamples), ICC, render. The DuckDB engine "
        "computes alpha and its bootstrap only (no ICC).\n\n" + "\n".join(lines) + "\n"
    )
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


def table(size: int, megabytes: float, cases: dict) -> list[str]:
    stages = ("read", "factorize", "statistic", "bootstrap", "icc", "render")
    out = [
        f"## {size:.0e} judgments ({megabytes:.0f} MiB of Parquet)\n",
        "| case | " + " | ".join(stages) + " | total s | peak MiB |",
        "|---|" + "---:|" * (len(stages) + 2),
    ]
    for name, case in cases.items():
        times = case.get("times", {})
        cells = [f"{times[s]:.2f}" if s in times else "" for s in stages]
        total = case.get("wall", sum(times.values()))
        out.append(
            f"| {name} | " + " | ".join(cells) + f" | {total:.2f} | {case['peak_mib']:.0f} |"
        )
    return out + [""]


if __name__ == "__main__":
    main()
