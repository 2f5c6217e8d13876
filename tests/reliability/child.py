"""A child process for the crash and concurrency tests: ``python -m tests.reliability.child``.

It loads one dataset with ``load_dataset`` from a catalog entry given as a JSON file and prints
the content digest of the four tables as JSON on stdout. Test-only slowdowns are injected here,
in the child, never in the package: ``MER_RELIABILITY_SLOW_PARSE=<seconds>`` sleeps before the
loader runs (after writing ``<home>/parse-started``), and ``MER_RELIABILITY_SLOW_WRITE=<seconds>``
sleeps after each Parquet table is written, so that a SIGKILL can land inside parsing or caching.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from pathlib import Path


def _inject_slowdowns(home: Path) -> None:
    from mer_datasets.loaders import base

    parse_delay = float(os.environ.get("MER_RELIABILITY_SLOW_PARSE", "0") or 0)
    write_delay = float(os.environ.get("MER_RELIABILITY_SLOW_WRITE", "0") or 0)
    if parse_delay:
        original_run_loader = base.run_loader

        def slow_run_loader(*args, **kwargs):
            (home / "parse-started").write_text("1")
            time.sleep(parse_delay)
            return original_run_loader(*args, **kwargs)

        base.run_loader = slow_run_loader
    if write_delay:
        import pyarrow.parquet as pq

        original_write = pq.write_table

        def slow_write(*args, **kwargs):
            original_write(*args, **kwargs)
            time.sleep(write_delay)

        pq.write_table = slow_write


def _quick_fetch() -> None:
    from mer_datasets.download import store
    from mer_datasets.download.fetch import FetchOptions, RetryPolicy

    store.FetchOptions = functools.partial(  # type: ignore[assignment]
        FetchOptions,
        read_timeout_s=10.0,
        retry=RetryPolicy(attempts=3, backoff_base_s=0.01, backoff_max_s=0.05, jitter=0.0),
        progress=False,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("entry", help="JSON file holding one catalog entry")
    parser.add_argument("home")
    parser.add_argument("--mirror")
    parser.add_argument("--wait-for", help="start only once this file exists (a starting gun)")
    args = parser.parse_args()
    from mer_datasets.dataset import load_dataset
    from tests.reliability import harness

    entry = json.loads(Path(args.entry).read_text())
    catalog = harness.catalog_of(entry)
    home = Path(args.home)
    _inject_slowdowns(home)
    _quick_fetch()
    if args.wait_for:
        while not Path(args.wait_for).exists():
            time.sleep(0.005)
    dataset = load_dataset(entry["id"], catalog=catalog, data_home=home, mirror=args.mirror)
    sys.stdout.write(json.dumps(harness.table_digest(dataset.tables)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
