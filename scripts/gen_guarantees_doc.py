"""Render docs/guarantees.md from the reliability suite's results.

The suite writes fresh results to ``test-artifacts/reliability/*.json`` on every complete run.
``python scripts/gen_guarantees_doc.py`` copies them into ``docs/reliability-results/`` (the
committed snapshot the page is made from) and renders the page from that snapshot; ``--check``
exits 1 when the committed page differs from the rendering of the committed snapshot. The
figures are never typed by hand: run ``python -m pytest tests/reliability`` (slow tests
included), then this script, and commit both. Why a snapshot: a timing-dependent figure (e.g.
whether a SIGKILL landed inside its phase) may differ between machines, and the page must state
what a real run measured, not fail CI because another run measured something else.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "test-artifacts" / "reliability"
SNAPSHOT = REPO_ROOT / "docs" / "reliability-results"
PAGE = REPO_ROOT / "docs" / "guarantees.md"
TOPICS = (
    "faults",
    "crash",
    "concurrency",
    "bad_inputs",
    "cli",
    "archives",
    "hostile",
    "cache",
    "user_files",
    "arguments",
    "degenerate",
)
CODES = {
    "E": "clear error",
    "S": "same tables",
    "R": "loaded, reported in quirks",
    "D": "loaded as the data says",
    "e": "unclear error",
    "X": "crash (known bug, reported)",
}


def load_results(directory: Path = RESULTS) -> dict[str, list[dict[str, Any]]]:
    found = {}
    for topic in TOPICS:
        path = directory / f"{topic}.json"
        if path.is_file():
            found[topic] = json.loads(path.read_text(encoding="utf-8"))["rows"]
    return found


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def _faults(rows: list[dict[str, Any]]) -> list[str]:
    ways = list(dict.fromkeys(r["way"] for r in rows))
    faults = list(dict.fromkeys(r["fault"] for r in rows))
    by = {(r["fault"], r["way"]): r for r in rows}
    description = {r["fault"]: r["description"] for r in rows}
    body = []
    for fault in faults:
        cells = [by[(fault, way)]["outcome"] if (fault, way) in by else "not run" for way in ways]
        later = {by[(fault, w)]["later_offline"] for w in ways if (fault, w) in by}
        body.append([f"`{fault}`", description[fault], *cells, " / ".join(sorted(later))])
    counts = Counter(r["outcome"] for r in rows)
    summary = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    return [
        "## Network faults",
        "",
        f"{len(faults)} faults x {len(ways)} entry points = {len(rows)} runs: {summary}. "
        "After every run, files at final paths hold only pinned bytes, `state.json` records only "
        "them, a later offline load returns the reference tables or raises `OfflineError`, and a "
        f"later online load against a healthy server returns the reference tables "
        f"({sum(r['later_online'] == 'same tables' for r in rows)} of {len(rows)}).",
        "",
        *_table(
            ["fault", "what the server does", *[f"`{w}`" for w in ways], "later offline load"], body
        ),
        "",
        "`load_dataset` and the mirror path run with a patched default `FetchOptions` (tiny "
        "backoff); `download_dataset` receives explicit options. Tested by "
        "`tests/reliability/test_network_faults.py` against `tests/reliability/faultserver.py`.",
        "",
    ]


def _crash(rows: list[dict[str, Any]]) -> list[str]:
    phases = list(dict.fromkeys(r["phase"] for r in rows))
    body = [
        [
            phase,
            sum(r["phase"] == phase for r in rows),
            sum(r["phase"] == phase and r["killed_mid_phase"] for r in rows),
            sum(r["phase"] == phase and r["recovered_identical"] for r in rows),
        ]
        for phase in phases
    ]
    return [
        "## Crash safety (SIGKILL)",
        "",
        f"{len(rows)} child processes were started and sent SIGKILL at seeded random points; "
        f"{sum(bool(r['killed_mid_phase']) for r in rows)} of the kills landed inside the phase "
        "(the others found the child already past it). Each time the next `load_dataset` "
        "recovered without manual cleanup and returned tables whose content digest equals a "
        "clean run's (twice: once rebuilt, once from the cache it left).",
        "",
        *_table(["phase", "runs", "killed mid-phase", "recovered, identical tables"], body),
        "",
        "Tested by `tests/reliability/test_crash_safety.py` (the long run is marked `slow`).",
        "",
    ]


def _concurrency(rows: list[dict[str, Any]]) -> list[str]:
    body = [
        [
            r["dataset"],
            r["processes"],
            r["files"],
            r["transfers"],
            f"{r['bytes_sent']} / {r['bytes_in_files']}",
            r["errors"],
            r["distinct_results"],
        ]
        for r in rows
    ]
    return [
        "## Concurrent loads",
        "",
        "Processes started together call `load_dataset` on one dataset from a cold data home "
        "(through an http mirror on a loopback server). Every file crossed the wire once.",
        "",
        *_table(
            [
                "dataset",
                "processes",
                "files",
                "transfers",
                "bytes sent / file bytes",
                "errors",
                "distinct results",
            ],
            body,
        ),
        "",
        "Tested by `tests/reliability/test_concurrent_loads.py`.",
        "",
    ]


def _bad_inputs(rows: list[dict[str, Any]], cli: list[dict[str, Any]]) -> list[str]:
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    used = [code for code in CODES if any(r["outcome"] == code for r in rows)]
    body = []
    for dataset in datasets:
        mine = [r for r in rows if r["dataset"] == dataset]
        counts = Counter(r["outcome"] for r in mine)
        files = len({r["file"] for r in mine})
        body.append([dataset, files, len(mine), *[counts.get(code, 0) for code in used]])
    totals = Counter(r["outcome"] for r in rows)
    bugs = sorted({f"{r['dataset']}: {r['known_bug']}" for r in rows if r.get("known_bug")})
    lines = [
        "## Bad input",
        "",
        f"{len(rows)} broken variants (13 kinds: empty, header-only, truncated, renamed or missing "
        "column, wrong types, wrong encoding, extra column, duplicated rows, BOM, CRLF, NUL bytes, "
        "a 5 MB line) of the target files of each raw format, made by "
        "`scripts/make_bad_inputs.py` from the committed fixtures. Each outcome is asserted "
        "against a reviewed table in `tests/reliability/test_bad_inputs.py`.",
        "",
        *_table(
            ["format (dataset)", "files", "variants", *[CODES[c] for c in used]],
            [*body, ["**all**", "", len(rows), *[totals.get(c, 0) for c in used]]],
        ),
        "",
    ]
    if bugs:
        lines += ["Known crashes, reported to the loaders' owner:", ""]
        lines += [f"- {bug}" for bug in bugs] + [""]
    if cli:
        lines += [
            f"The CLI (`mer-datasets stats`, after `ingest` with a catalog pinned to the broken "
            f"files) ended {len(cli)} of {len(cli)} broken inputs with exit code 1 and no "
            "traceback.",
            "",
        ]
    return lines


def _archives(rows: list[dict[str, Any]]) -> list[str]:
    body = [
        [
            f"`{r['case']}`",
            f"`{r['member']}`",
            r["outcome"],
            r["written_outside"],
            r["partial_members"],
        ]
        for r in rows
    ]
    return [
        "## Hostile archives",
        "",
        "Served as a pinned catalog archive and fetched through `download_dataset`: each is "
        "refused before anything is written, naming the member.",
        "",
        *_table(
            ["archive", "member named", "outcome", "files written outside", "partial members"], body
        ),
        "",
        "Tested by `tests/reliability/test_hostile_archives.py`.",
        "",
    ]


def _cache(rows: list[dict[str, Any]]) -> list[str]:
    cases = list(dict.fromkeys(r["case"] for r in rows))
    body = []
    for case in cases:
        mine = [r for r in rows if r["case"] == case]
        outcomes = " / ".join(sorted({r["outcome"] for r in mine}))
        body.append([f"`{case}`", mine[0]["description"], len(mine), outcomes])
    return [
        "## Table cache",
        "",
        f"{len(rows)} damaged, malformed, unwritable or abandoned cache entries of the embedded "
        "`sample` dataset. An entry is trusted only when its manifest has the shape the cache "
        "writes and every Parquet file has the recorded size, footer digest and schema (column "
        "names and types), and on a full load the recorded sha256; otherwise it is rebuilt from "
        "the verified sources, and the rebuilt tables equal a clean load's. A cache that cannot "
        "be written is skipped; a staging folder of a killed process is removed by the next "
        "write.",
        "",
        *_table(["case", "what was done", "runs", "outcome"], body),
        "",
        "Tested by `tests/reliability/test_cache_integrity.py`.",
        "",
    ]


def _limits() -> dict[str, str]:
    """The limits in force, read from the code (never typed here by hand)."""
    from mer_datasets.catalog import MAX_CATALOG_BYTES, MAX_CATALOG_DEPTH
    from mer_datasets.download.fetch import DEFAULT_MAX_DOWNLOAD_BYTES, FetchOptions, RetryPolicy
    from mer_datasets.download.install import QuarantinePolicy

    fetch, retry, quarantine = FetchOptions(), RetryPolicy(), QuarantinePolicy()
    return {
        "catalog": f"{MAX_CATALOG_BYTES / 1024**2:.0f} MiB",
        "depth": str(MAX_CATALOG_DEPTH),
        "ceiling": f"{DEFAULT_MAX_DOWNLOAD_BYTES / 1024**3:.0f} GiB",
        "rate": f"{fetch.min_rate_bytes_per_s / 1024:.0f} KiB/s",
        "grace": f"{fetch.deadline_grace_s:.0f} s",
        "wait": f"{retry.retry_after_cap_s:.0f} s",
        "total_wait": f"{retry.max_total_wait_s:.0f} s",
        "q_files": str(quarantine.max_files),
        "q_bytes": f"{quarantine.max_bytes / 1024**3:.0f} GiB",
    }


def _hostile(rows: list[dict[str, Any]]) -> list[str]:
    limit = _limits()
    surfaces = list(dict.fromkeys(r["surface"] for r in rows))
    body = [
        [f"`{r['case']}`", r["item"], r["outcome"], r.get("figure", "")]
        for surface in surfaces
        for r in rows
        if r["surface"] == surface
    ]
    by_surface = ", ".join(
        f"{surface} ({sum(r['surface'] == surface for r in rows)})" for surface in surfaces
    )
    return [
        "## Hostile downloads, catalogs and records",
        "",
        f"{len(rows)} cases, each ended by a typed error or recovered, with nothing written "
        f"outside the data home and nothing trusted from a bad answer: {by_surface}.",
        "",
        "- Every catalog string that becomes a path (dataset id, version, file name, member "
        "path) matches a safe pattern in `schemas/catalog.schema.json` and is checked again at "
        "use: paths in the data home are built only by `download.layout.safe_join`, which joins "
        "checked segments (no absolute path, no empty, `.` or `..` segment, no NUL, control or "
        "reserved character). `validate-catalog` runs the same checks, and checks that each "
        "`loader` names a loader module.",
        f"- A catalog file is read up to {limit['catalog']}, without YAML anchors or aliases, at "
        f"most {limit['depth']} levels deep; `state.json` of any other shape is set aside and rebuilt.",
        "- An archive without a catalog hash is recorded (trust on first use) only after it "
        "opened, held every required member and each member passed its pin; otherwise it is "
        "quarantined with its record dropped, and the next run downloads it afresh.",
        "- A body may not exceed the catalog size, else `MER_DATASETS_MAX_DOWNLOAD_BYTES` "
        f"({limit['ceiling']} by default); only `identity` bodies are accepted; free space is checked before a transfer "
        "of known size; a full disk is an error naming the file; no `.part` is left by them.",
        f"- A transfer slower on average than {limit['rate']} after a {limit['grace']} grace is "
        f"ended (deadline of an N-byte file: {limit['grace']} + N / {limit['rate']}), even when "
        "the server drips its headers; each wait between attempts is at most "
        f"{limit['wait']} (whatever `Retry-After` asks) and {limit['total_wait']} in all, and "
        "each retry is announced on stderr (logger `mer_datasets.download`).",
        f"- Quarantine keeps at most {limit['q_files']} files and {limit['q_bytes']} per dataset "
        "version (oldest deleted first); ingest refuses a file whose size cannot match an enforced pin before copying it.",
        "",
        *_table(["case", "issue item", "outcome", "figure"], body),
        "",
        "The tests run with tiny limits (64 KiB ceiling, 0.2 s grace) against the loopback fault "
        "server. Tested by `tests/reliability/test_hostile_downloads.py`.",
        "",
    ]


def _cases_by_surface(rows: list[dict[str, Any]]) -> tuple[list[list[Any]], str]:
    """The table body (case, item, surface, outcome, figure) and the "`surface` (n)" summary."""
    surfaces = list(dict.fromkeys(r["surface"] for r in rows))
    body = [
        [f"`{r['case']}`", r["item"], f"`{r['surface']}`", r["outcome"], r.get("figure", "")]
        for r in rows
    ]
    by_surface = ", ".join(
        f"`{surface}` ({sum(r['surface'] == surface for r in rows)})" for surface in surfaces
    )
    return body, by_surface


def _in_item_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows by issue item (18.6 before 18.13), then surface and case: a stable page whatever
    order the tests ran in."""

    def key(row: dict[str, Any]) -> tuple:
        first = row["item"].split(",")[0].strip()
        return (
            tuple(int(p) for p in first.split(".") if p.isdigit()),
            row.get("surface", ""),
            row["case"],
        )

    return sorted(rows, key=key)


def _user_files(rows: list[dict[str, Any]]) -> list[str]:
    rows = _in_item_order(rows)
    items = list(dict.fromkeys(r["item"] for r in rows))
    refused = sum("error" in r["outcome"].lower() for r in rows)
    summary = f"{refused} refused with a file error, {len(rows) - refused} read correctly"
    by_item = ", ".join(f"{item} ({sum(r['item'] == item for r in rows)})" for item in items)
    body = [[f"`{r['case']}`", r["item"], r["outcome"], r["figure"]] for r in rows]
    return [
        "## Hostile user files",
        "",
        f"{len(rows)} files a researcher might pass to `mer-datasets agreement FILE` "
        f"({summary}; by issue item: {by_item}), each run through the CLI entry point with no "
        "traceback. Ids are text (`1`, `01` and `001` are three items); a text cell in a numeric "
        "column is an error naming the line and the `--na` option unless it is declared missing; "
        "a non-ISO timestamp is refused as ambiguous unless `--time-format` is given; an argument "
        "that looks like a path is a file (a file error, never 'unknown dataset'); a delimiter "
        "other than the comma is sniffed from the header or named in the error. A file that is "
        "read gives the same alpha as the clean file, or the `krippendorff` package's on the same "
        "ratings.",
        "",
        *_table(["file", "issue item", "outcome", "figure"], body),
        "",
        "Tested by `tests/reliability/test_user_files.py` (the corpus: encodings, ragged rows, "
        "empty, fake or nested Parquet, column-name collisions) and "
        "`tests/reliability/test_hostile_inputs.py`.",
        "",
    ]


def _argument_limits() -> dict[str, str]:
    """The argument bounds in force, read from the code."""
    from mer_datasets.agreement.bootstrap import MAX_RESAMPLES
    from mer_datasets.agreement.where import MAX_DEPTH, MAX_LENGTH, MAX_NUMBER

    return {
        "length": f"{MAX_LENGTH:,}",
        "depth": str(MAX_DEPTH),
        "number": f"{MAX_NUMBER:g}",
        "resamples": f"{MAX_RESAMPLES:,}",
    }


def _arguments(rows: list[dict[str, Any]]) -> list[str]:
    limit = _argument_limits()
    rows = _in_item_order(rows)
    body, by_surface = _cases_by_surface(rows)
    return [
        "## Arguments and `--where` bounds",
        "",
        f"{len(rows)} hostile or mistyped arguments, each refused with a typed error before any "
        f"work (exit code 1 on the command line): {by_surface}.",
        "",
        f"- A `--where` expression is at most {limit['length']} characters and "
        f"{limit['depth']} levels deep (parentheses and `not`), checked before it is parsed; a "
        f"number beyond {limit['number']} in magnitude is refused; a list may only follow `in`. "
        "It runs no code whatever it holds (see the fuzzing below).",
        "- `Dataset.agreement` checks the type of every argument (`levels` a mapping of known "
        "levels, `dimensions` a list, `by` one column, `bootstrap` a whole number, a known "
        "`bootstrap_method`); a column option that would read another column (the same column "
        "for two roles, `--item song` beside `track_id`, `--value score` beside `value`) is "
        "refused.",
        f"- At most {limit['resamples']} bootstrap resamples, refused up front; within the bound "
        "the resamples are computed in chunks of bounded size (a few MiB each).",
        "",
        *_table(["case", "issue item", "surface", "outcome", "figure"], body),
        "",
        "Tested by `tests/reliability/test_hostile_inputs.py` (the embedded `sample` dataset and "
        "generated files, offline).",
        "",
    ]


def _degenerate(rows: list[dict[str, Any]]) -> list[str]:
    from mer_datasets.agreement.groups import MAX_PAIRWISE_GROUPS

    rows = _in_item_order(rows)
    body, by_surface = _cases_by_surface(rows)
    return [
        "## Extreme values, degenerate designs and unlucky folders",
        "",
        f"{len(rows)} cases, each a defined answer or a typed error, with no traceback and no "
        f"numpy warning: {by_surface}.",
        "",
        "- A non-finite value (`inf`, `nan`, `1e400`) or one too large to square is refused "
        "with its line or row; alpha of values scaled by 1e160 or 1e-170 equals the "
        "`krippendorff` package's on the unscaled values.",
        "- ICC of a degenerate design gives the defined value (1 for perfect agreement) or NaN "
        "with the reason in `note`.",
        f"- Group tests cover at most {MAX_PAIRWISE_GROUPS} groups "
        f"({MAX_PAIRWISE_GROUPS * (MAX_PAIRWISE_GROUPS - 1) // 2:,} pairwise tests); more are "
        "refused before any test, with how to narrow them (`--where`).",
        "- `ingest` of an empty folder or of a dataset listed for reference only is an error, "
        "and an unreadable sibling folder does not abort it; `croissant --out` an existing "
        "folder writes inside it and leaves no `.tmp`; `card --out` refuses to overwrite a "
        "README.md without `--force`. (A read-only data home and abandoned cache staging "
        "folders are in the table cache section.)",
        "",
        *_table(["case", "issue item", "surface", "outcome", "figure"], body),
        "",
        "Tested by `tests/reliability/test_hostile_inputs.py` and "
        "`tests/reliability/test_unlucky_homes.py`.",
        "",
    ]


def render(results: dict[str, list[dict[str, Any]]]) -> str:
    lines = [
        "# Guarantees",
        "",
        "<!-- generated by scripts/gen_guarantees_doc.py from docs/reliability-results/*.json (a real run);"
        " do not edit by hand -->",
        "",
        "Whatever the network, the disk or the input does, mer-datasets either gives verified, "
        "complete data or a clear error (a `MERDatasetsError` naming the dataset, the file and "
        "what went wrong), and never leaves a cache that a later run trusts wrongly:",
        "",
        "- a file reaches its final path only after its sha256 was accepted; partial downloads "
        "stay in `.tmp/` and are never trusted; a file that fails its pin goes to `quarantine/`;",
        "- table caches are written in a staging folder and published by one rename, with a "
        "manifest written last and Parquet page checksums; the manifest records each file's "
        "footer digest and schema, checked on opening;",
        "- one lock per dataset serializes processes, so a file is transferred once;",
        "- archives are inspected completely before any byte is extracted;",
        "- no pickle, eval, exec, unsafe YAML or shell is used on data; catalog URLs are https.",
        "",
        "The figures below come from the last full run of `tests/reliability/`.",
        "",
    ]
    if "faults" in results:
        lines += _faults(results["faults"])
    if "crash" in results:
        lines += _crash(results["crash"])
    if "concurrency" in results:
        lines += _concurrency(results["concurrency"])
    if "bad_inputs" in results:
        lines += _bad_inputs(results["bad_inputs"], results.get("cli", []))
    if "archives" in results:
        lines += _archives(results["archives"])
    if "hostile" in results:
        lines += _hostile(results["hostile"])
    if "cache" in results:
        lines += _cache(results["cache"])
    if "user_files" in results:
        lines += _user_files(results["user_files"])
    if "arguments" in results:
        lines += _arguments(results["arguments"])
    if "degenerate" in results:
        lines += _degenerate(results["degenerate"])
    lines += [
        "## Also checked",
        "",
        "- `tests/reliability/test_fuzz.py`: hypothesis fuzzing of every parser (random bytes and "
        "rows; only MERDatasetsError escapes), of catalog validation (random mutations), "
        "of Krippendorff's alpha (equal to the "
        "`krippendorff` package where defined) and of the `--where` language (no code execution);",
        "- `tests/reliability/test_safe_by_construction.py`: the source has no pickle, eval, exec, "
        "unsafe YAML or `shell=True`; catalogs with http, ftp or file URLs are refused; a new data "
        "home is created 0700 whatever the umask, and an existing 0700 home is not loosened.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the page is out of date")
    args = parser.parse_args()
    if not args.check:
        fresh = load_results(RESULTS)
        if not fresh:
            sys.stderr.write(f"no results in {RESULTS}: run python -m pytest tests/reliability\n")
            return 1
        SNAPSHOT.mkdir(parents=True, exist_ok=True)
        for topic in fresh:
            (SNAPSHOT / f"{topic}.json").write_bytes((RESULTS / f"{topic}.json").read_bytes())
    results = load_results(SNAPSHOT)
    if not results:
        sys.stderr.write(f"no snapshot in {SNAPSHOT}: run this script after the suite\n")
        return 1
    text = render(results)
    if args.check:
        if not PAGE.is_file() or PAGE.read_text(encoding="utf-8") != text:
            sys.stderr.write(f"{PAGE} differs from the latest results: rerun this script\n")
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
