"""Broken raw files: a clear error, or a tolerant handling the user can see; never a crash.

The corpus comes from ``scripts/make_bad_inputs.py`` (13 variants of each target file of each
fixture). ``EXPECTED`` is the reviewed outcome of every variant, one code per variant in the
order of ``VARIANTS`` (codes in tests/reliability/badinputs.py: E clear error, S same tables,
R loaded and reported in the quirks report, D loaded as the data says). ``KNOWN_BUGS`` lists
the crashes of loaders this suite may not edit (reported to the lead); the test pins them so a
fix shows up as a failure asking to update the table.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from mer_datasets.loaders import module_name
from tests.reliability import badinputs, harness

_spec = importlib.util.spec_from_file_location(
    "make_bad_inputs", harness.REPO_ROOT / "scripts" / "make_bad_inputs.py"
)
make_bad_inputs = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(make_bad_inputs)  # type: ignore[union-attr]
VARIANTS = list(make_bad_inputs.VARIANTS)

# empty, header-only, truncated, renamed-column, missing-column, wrong-types, wrong-encoding,
# extra-column, duplicated-rows, bom, crlf, nul-bytes, huge-line
# nul-bytes: every loader decodes through LoaderContext.decode_text, which refuses a NUL with a
# ParseError naming the file and line (a NUL never occurs in these text formats).
# The reviewed expectations live beside each format's fixture generator (its BAD_INPUTS), so a
# new dataset brings its own; make_bad_inputs.targets() reads the same declarations.
EXPECTED: dict[tuple[str, str], str] = {
    (dataset_id, member): codes
    for dataset_id in make_bad_inputs.targets()
    for member, codes in importlib.import_module(
        f"tests.fixtures.generators.{module_name(dataset_id)}"
    ).BAD_INPUTS.items()
}


#: crashes of loaders this suite may not edit (reported; each should become an E). Empty: the
#: deap, emotify, soundtracks and mtg-jamendo escapes (csv.Error, KeyError) are fixed.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


@pytest.fixture(scope="module")
def corpus(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[tuple[str, str, str], str]]:
    out = tmp_path_factory.mktemp("bad-inputs")
    manifest = make_bad_inputs.generate(out)
    return out, {(r["dataset"], r["file"], r["variant"]): r["directory"] for r in manifest}


@pytest.fixture(scope="module")
def bases() -> dict[str, Any]:
    cache: dict[str, Any] = {}

    def base(dataset_id: str) -> Any:
        if dataset_id not in cache:
            tables, quirks = badinputs.load(dataset_id, harness.FIXTURES / dataset_id)
            cache[dataset_id] = (badinputs.digest(tables), badinputs.report_of(quirks))
        return cache[dataset_id]

    return base  # type: ignore[return-value]


def test_every_fixture_generator_declares_its_bad_inputs():
    """A format without BAD_INPUTS would escape the corpus silently."""
    with_fixture = {p.name for p in harness.FIXTURES.iterdir() if p.is_dir()}
    generated = {
        d
        for d in with_fixture
        if (harness.FIXTURES.parent / "generators" / f"{module_name(d)}.py").is_file()
    }
    assert generated, "no fixture generators found"
    assert set(make_bad_inputs.targets()) == generated
    assert all(make_bad_inputs.targets().values())


def test_every_target_file_of_every_fixture_has_reviewed_expectations(corpus):
    _, directories = corpus
    generated = {(dataset, member) for dataset, member, _ in directories}
    assert generated == set(EXPECTED)
    assert all(len(codes) == len(VARIANTS) for codes in EXPECTED.values())


@pytest.mark.parametrize("key", list(EXPECTED), ids=[f"{d}:{Path(f).name}" for d, f in EXPECTED])
def test_each_broken_variant_gives_its_expected_outcome(key, corpus, bases):
    out, directories = corpus
    dataset_id, member = key
    if (dataset_id, member, VARIANTS[0]) not in directories:
        pytest.fail(f"no corpus for {key}: fixture missing")
    base = bases(dataset_id)
    observed, details = [], {}
    for variant in VARIANTS:
        code, detail = badinputs.classify(
            dataset_id, member, out / directories[(*key, variant)], base
        )
        observed.append(code)
        details[variant] = detail
        harness.record(
            "bad_inputs",
            dataset=dataset_id,
            file=member,
            variant=variant,
            outcome=code,
            known_bug=KNOWN_BUGS.get((dataset_id, member, variant)),
        )
    expected = EXPECTED[key]
    mismatches = {
        variant: (want, got, details[variant])
        for variant, want, got in zip(VARIANTS, expected, observed)
        if want != got
    }
    assert not mismatches, mismatches
    for variant, code in zip(VARIANTS, observed):
        if code == "X":
            assert (dataset_id, member, variant) in KNOWN_BUGS


CLI_CASES = [
    ("trompa-mer", "data/data_20_09_2024.json", "truncated"),
    ("trompa-mer", "data/summary.csv", "missing-column"),
    ("ismir2020-agreement", "results/data_ratings.all.csv", "huge-line"),
    ("4qaed", "panda_dataset_taffc_metadata.csv", "wrong-types"),
    ("mirex-like", "dataset/dataset info.csv", "wrong-encoding"),
]


@pytest.mark.parametrize("case", CLI_CASES, ids=["-".join((c[0], c[2])) for c in CLI_CASES])
def test_the_cli_ends_broken_inputs_with_exit_code_1_and_no_traceback(case, corpus, tmp_path):
    out, directories = corpus
    dataset_id = case[0]
    broken = out / directories[case]
    entry, _ = harness.pinned_entry(dataset_id, None, root=broken)
    catalog_file = tmp_path / "catalog.yaml"
    catalog_file.write_text(yaml.safe_dump({"schema_version": 1, "datasets": [entry]}))
    home = tmp_path / "home"

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "mer_datasets",
                *args,
                "--catalog",
                str(catalog_file),
                "--data-home",
                str(home),
            ],
            cwd=harness.REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    ingested = cli("ingest", dataset_id, str(broken))
    assert ingested.returncode == 0, ingested.stderr
    stats = cli("stats", dataset_id)
    assert stats.returncode == 1, stats.stdout + stats.stderr
    assert "Traceback" not in stats.stderr
    assert dataset_id in stats.stderr and Path(case[1]).name in stats.stderr
    harness.record("cli", dataset=dataset_id, file=case[1], variant=case[2], exit_code=1)
