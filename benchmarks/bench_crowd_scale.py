"""Crowd scale: the whole default agreement report on 10^6 and 10^7 judgments, stage by stage.

A script, not a test: ``python benchmarks/bench_crowd_scale.py [--sizes 1e6 1e7] [--huge]
[--out benchmarks/results/crowd_scale.md]``. Generates Parquet files of interval judgments
(items x 10 raters, continuous values, int64 ids; ``--huge`` adds 10^8, out of core only) and, at
each size but 10^8, a crowd design (text ids, 2-18 judgments per item from a pool of 10^5
raters drawn at random, so some (rater, item) cells repeat) in a temporary directory (never
committed), then runs every case in its own subprocess so that peak memory (``ru_maxrss``) is
the case's own:

* memory, stages: read (agreement/arrow_reader.py's read_columns: the needed columns),
  factorize (its table_judgments: ids to codes, the value checks, then the dimension's
  selection with the duplicates check, the item codes and the rater codes ICC gets, as the CLI
  does), statistic (alpha_of), bootstrap (1000 item resamples), ICC (icc_of), render
  (render_records);
* memory, whole CLI: ``mer-datasets agreement FILE --item item --rater rater --engine memory``;
* duckdb, stages: statistic (sql_report.plan + the GROUP BY item query), bootstrap (the same
  1000 resamples on its per-item statistics), ICC (sql_report.icc_rows), render; and the whole
  CLI with ``--engine duckdb`` (the default report: alpha, ICC);
* crowd design: the whole CLI with either engine;
* anchor: interval alpha as one plain DuckDB SQL query (GROUP BY item: count, sum, var_pop).

Times are wall seconds on this machine (2 cores); memory is the subprocess's peak RSS in MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RATERS = 10

STAGES_MEMORY = r"""
import json, resource, sys, time
from mer_datasets.agreement.arrow_reader import read_columns, table_judgments
from mer_datasets.agreement.judgments import select
from mer_datasets.agreement.alpha import alpha_of
from mer_datasets.agreement.judgments import recode
from mer_datasets.agreement.bootstrap import bootstrap_alpha_of
from mer_datasets.agreement.icc import icc_of
from mer_datasets.agreement.render import render_records
from mer_datasets.agreement.records import RECORD_COLUMNS
import numpy as np
times = {}
cpu = {}
def timed(name, function):
    start, used = time.perf_counter(), time.process_time(); out = function()
    times[name] = time.perf_counter() - start; cpu[name] = time.process_time() - used
    return out
path = sys.argv[1]
table = timed("read", lambda: read_columns(path, ["item", "rater", "value"]))
def codes():
    judgments, levels = table_judgments(table, {"item": "item", "rater": "rater", "value": "value"})
    selection = select(judgments, 0, levels, "latest")
    values = selection.long_values(judgments)
    return values, recode(judgments.rater[selection.rows])[0]
values, raters = timed("factorize", codes)
del table
alpha = timed("statistic", lambda: alpha_of(values, "interval"))
result = timed("bootstrap", lambda: bootstrap_alpha_of(values, level="interval", n_resamples=1000))
icc = timed("icc", lambda: icc_of(values.x, values.item_codes, raters))
record = {c: None for c in RECORD_COLUMNS}
record.update(dimension="value", metric="krippendorff_alpha", level="interval", value=alpha,
              ci_low=result.ci_low, ci_high=result.ci_high)
timed("render", lambda: render_records([record] * 4, "table", []))
print(json.dumps({"times": times, "cpu": sum(cpu.values()), "cpu_stages": cpu, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

STAGES_DUCKDB = r"""
import json, resource, sys, time
import numpy as np
from mer_datasets.agreement.duckdb_engine import duckdb_source
from mer_datasets.agreement.sql_report import alpha_result, icc_rows, plan
from mer_datasets.agreement.render import render_records
from mer_datasets.agreement.records import RECORD_COLUMNS
times = {}
cpu = {}
def timed(name, function):
    start, used = time.perf_counter(), time.process_time(); out = function()
    times[name] = time.perf_counter() - start; cpu[name] = time.process_time() - used
    return out
resamples = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
def statistic():
    source = duckdb_source(sys.argv[1])
    p = plan(source, {"item": "item", "rater": "rater", "value": "value"}, level="interval")
    return source, p, alpha_result(source, p, None, against_all=False, n_resamples=0, seed=0)
source, p, alpha = timed("statistic", statistic)
result = timed("bootstrap", lambda: alpha_result(source, p, None, against_all=False, n_resamples=resamples, seed=0))
icc = timed("icc", lambda: icc_rows(source, p))
record = {c: None for c in RECORD_COLUMNS}
record.update(dimension="value", metric="krippendorff_alpha", level="interval", value=alpha.estimate)
timed("render", lambda: render_records([record] * 4, "table", []))
print(json.dumps({"times": times, "cpu": sum(cpu.values()), "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
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
print(json.dumps({"times": times, "alpha": alpha, "cpu": time.process_time(),
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
    # plain, uncompressed columns: 24 bytes a judgment (2.4 GB at 10^8), so reading costs what a
    # large crowd export costs (sequential ids would otherwise compress to almost nothing)
    with pq.ParquetWriter(path, schema, use_dictionary=False, compression="none") as writer:
        for start in range(0, n_judgments, chunk):
            rows = np.arange(start, min(n_judgments, start + chunk))
            items = rows // RATERS
            truth = np.sin(items * 0.7) * 2.0  # an item's own level, cheap and deterministic
            values = np.round(truth + rng.normal(size=rows.size), 3)
            writer.write_table(
                pa.table({"item": items, "rater": rows % RATERS, "value": values}, schema=schema)
            )


CROWD_RATERS = 100_000


def generate_crowd(path: Path, n_judgments: int, seed: int = 1) -> None:
    """A crowd export: text ids ("track_0000123", "user_04567"), 2-18 judgments per item (10 on
    average) from raters drawn at random from a pool of ``CROWD_RATERS`` (so a few (rater, item)
    cells repeat, and the duplicates policy has work), 3-decimal values; row groups of 10^6."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, 19, size=n_judgments // 5)
    items = np.repeat(np.arange(sizes.size), sizes)[:n_judgments]
    chunk = 1_000_000
    schema = pa.schema([("item", pa.string()), ("rater", pa.string()), ("value", pa.float64())])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, n_judgments, chunk):
            part = items[start : start + chunk]
            raters = rng.integers(0, CROWD_RATERS, size=part.size)
            values = np.round(np.sin(part * 0.7) * 2.0 + rng.normal(size=part.size), 3)
            table = pa.table({
                "item": [f"track_{i:07d}" for i in part.tolist()],
                "rater": [f"user_{r:05d}" for r in raters.tolist()],
                "value": values,
            }, schema=schema)  # fmt: skip
            writer.write_table(table)


def run_script(script: str, path: Path, *extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", script, str(path), *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_cli(path: Path, engine: str, *extra: str) -> dict:
    """The whole CLI in a subprocess: wall time and peak RSS (RUSAGE_CHILDREN of a wrapper)."""
    wrapper = (
        "import resource, subprocess, sys, time, json; start = time.perf_counter(); "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(json.dumps({'wall': time.perf_counter() - start, "
        "'cpu': usage.ru_utime + usage.ru_stime, 'peak_mib': usage.ru_maxrss / 1024}))"
    )
    command = [
        sys.executable, "-c", wrapper, sys.executable, "-m", "mer_datasets.cli", "agreement",
        str(path), "--item", "item", "--rater", "rater", "--engine", engine, *extra,
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
    # a stopped run (SIGTERM) still deletes its multi-GB files: TemporaryDirectory cleans up
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    sizes = [int(s) for s in args.sizes] + ([10**8] if args.huge else [])
    lines = []
    with tempfile.TemporaryDirectory() as directory:
        free = shutil.disk_usage(directory).free
        if max(sizes) * 40 > free:  # 24 bytes a judgment, and room to spare
            raise SystemExit(f"not enough free disk in {directory}: {free / 2**30:.1f} GiB")
        for size in sizes:
            path = Path(directory) / f"judgments_{size}.parquet"
            start = time.perf_counter()
            generate(path, size)
            megabytes = path.stat().st_size / 2**20
            print(f"{size}: generated {megabytes:.0f} MiB in {time.perf_counter() - start:.1f} s")
            runs = {}
            huge = size > 10**7  # out of core only
            if not huge:
                runs["memory stages"] = lambda path=path: run_script(STAGES_MEMORY, path)
                if not args.skip_memory_cli:
                    runs["memory CLI"] = lambda path=path: run_cli(path, "memory")
            runs["duckdb stages"] = lambda path=path: run_script(STAGES_DUCKDB, path)
            runs["duckdb CLI"] = lambda path=path: run_cli(path, "duckdb")
            runs["DuckDB SQL anchor (alpha only)"] = lambda path=path: run_script(ANCHOR, path)
            if not huge:
                crowd = Path(directory) / f"crowd_{size}.parquet"
                generate_crowd(crowd, size)
                if not args.skip_memory_cli:
                    runs["crowd design, memory CLI"] = lambda crowd=crowd: run_cli(crowd, "memory")
                runs["crowd design, duckdb CLI"] = lambda crowd=crowd: run_cli(crowd, "duckdb")
            cases = {}
            for name, run in runs.items():
                cases[name] = run()
                print(f"  {name}: {json.dumps(cases[name])}", flush=True)
            lines += table(size, megabytes, cases)
            path.unlink()
            if not huge:
                crowd.unlink()
    load = os.getloadavg()
    text = (
        "# Crowd scale: the whole default report, stage by stage\n\n"
        f"`python benchmarks/bench_crowd_scale.py {' '.join(sys.argv[1:])}` (interval judgments: "
        "items x 10 raters, continuous values, int64 ids; and a crowd design: text ids, 2-18 "
        "judgments per item from a pool of 10^5 raters, a few repeated cells; wall seconds on a 2-core machine, peak RSS of each "
        "case's own process, and its CPU seconds (user + system: less sensitive to the other "
        "jobs than wall time); load average at the end of the run "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}: other jobs shared the 2 cores). "
        "Stages in memory: read (pyarrow, the three columns), factorize (ids to codes, "
        "the duplicates policy, item codes), statistic (alpha), bootstrap (1000 "
        "item resamples, drawn from the normal limit of their totals from 10^5 items), ICC, render. DuckDB stages: statistic (the GROUP BY item query and the "
        "duplicates check), bootstrap (on the per-item statistics), ICC (GROUP BY item / rater "
        "sums), render.\n\n" + "\n".join(lines) + "\n"
    )
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)


def table(size: int, megabytes: float, cases: dict) -> list[str]:
    stages = ("read", "factorize", "statistic", "bootstrap", "icc", "render")
    out = [
        f"## {size:.0e} judgments ({megabytes:.0f} MiB of Parquet)\n",
        "| case | " + " | ".join(stages) + " | total s | CPU s | peak MiB |",
        "|---|" + "---:|" * (len(stages) + 3),
    ]
    for name, case in cases.items():
        times = case.get("times", {})
        cells = [f"{times[s]:.2f}" if s in times else "" for s in stages]
        total = case.get("wall", sum(times.values()))
        out.append(
            f"| {name} | "
            + " | ".join(cells)
            + f" | {total:.2f} | "
            + (f"{case['cpu']:.2f}" if "cpu" in case else "")
            + f" | {case['peak_mib']:.0f} |"
        )
    return out + [""]


if __name__ == "__main__":
    main()
