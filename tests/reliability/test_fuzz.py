"""Property-based fuzzing (hypothesis, bounded and derandomized so runs are reproducible).

- parsers: random bytes or random delimited rows as one raw file of each fixture: only a
  MERDatasetsError may escape ``load_from_directory`` + validation;
- catalog: random mutations of a valid entry: ``validate_document`` returns problems or accepts,
  never raises;
- agreement: random long tables (missing values, single raters, single items, constant ratings):
  alpha is NaN or finite and equals the ``krippendorff`` package where defined;
- ``--where``: expressions with calls, attributes, lambdas, comprehensions, f-strings and
  ``__import__`` are refused with WhereError and have no side effect.
"""

from __future__ import annotations

import copy
import math
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mer_datasets.errors import MERDatasetsError
from tests.reliability import badinputs, harness
from tests.reliability.test_bad_inputs import EXPECTED

FUZZ = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TARGETS = sorted({(dataset, member) for dataset, member in EXPECTED})
CELLS = st.one_of(
    st.integers(-5, 5).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.text(alphabet="abcQ1234 \"'\\\x00é\t;,", max_size=8),
    st.just(""),
)


def _rows_text(rows: list[list[str]], sep: str, newline: str) -> bytes:
    return newline.join(sep.join(row) for row in rows).encode("utf-8")


@pytest.mark.parametrize("target", TARGETS, ids=[f"{d}:{Path(f).name}" for d, f in TARGETS])
def test_random_content_in_any_raw_file_raises_only_merdatasets_errors(target, tmp_path):
    dataset_id, member = target
    copy_root = tmp_path / dataset_id
    shutil.copytree(harness.FIXTURES / dataset_id, copy_root)
    path = harness.fixture_file(dataset_id, member, copy_root)
    assert path is not None
    header = (
        path.read_bytes().splitlines()[0].decode("utf-8", "replace") if path.stat().st_size else ""
    )
    sep = "\t" if "\t" in header else (";" if header.count(";") > header.count(",") else ",")
    escaped: list[str] = []

    @FUZZ
    @given(
        content=st.one_of(
            st.binary(max_size=600),
            st.lists(st.lists(CELLS, min_size=1, max_size=8), max_size=6).map(
                lambda rows: _rows_text([header.split(sep), *rows], sep, "\n")
            ),
        )
    )
    def run(content: bytes) -> None:
        path.write_bytes(content)
        try:
            badinputs.load(dataset_id, copy_root)
        except MERDatasetsError:
            pass
        except Exception as error:  # noqa: BLE001 - recorded, then the test fails
            escaped.append(f"{type(error).__name__}: {error}"[:200])

    run()
    harness.record("fuzz", target=f"{dataset_id}:{member}", escaped=len(escaped))
    assert not escaped, escaped[:3]


def _valid_entry() -> dict:
    entry, _ = harness.pinned_entry("trompa-mer", None)
    return entry


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=10),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def test_random_mutations_of_a_valid_catalog_entry_never_crash_validation():
    from mer_datasets.catalog import catalog_from_entries, validate_document

    base = _valid_entry()
    assert validate_document({"schema_version": 1, "datasets": [base]}) == []
    paths = _paths(base)[1:]
    outcomes = {"accepted": 0, "problems": 0}

    @settings(max_examples=150, deadline=None, derandomize=True)
    @given(st.lists(st.tuples(st.sampled_from(paths), JUNK, st.booleans()), min_size=1, max_size=3))
    def run(mutations: list) -> None:
        entry = copy.deepcopy(base)
        for path, value, delete in mutations:
            parent = entry
            try:
                for key in path[:-1]:
                    parent = parent[key]
                if delete and isinstance(parent, dict):
                    parent.pop(path[-1], None)
                else:
                    parent[path[-1]] = value
            except (KeyError, IndexError, TypeError):
                continue
        document = {"schema_version": 1, "datasets": [entry]}
        problems = validate_document(document)
        assert isinstance(problems, list) and all(isinstance(p, str) for p in problems)
        if problems:
            outcomes["problems"] += 1
        else:
            outcomes["accepted"] += 1
            catalog_from_entries([entry])  # an accepted entry must also build

    run()
    harness.record("fuzz", target="catalog validate_document", **outcomes)
    assert outcomes["problems"] > 0


def test_a_non_mapping_catalog_document_is_a_problem_not_a_crash():
    from mer_datasets.catalog import validate_document

    for document in (None, [], "text", 3, {"datasets": "x"}, {"schema_version": 1}):
        assert validate_document(document)


@st.composite
def long_tables(draw: st.DrawFn) -> pd.DataFrame:
    n_items = draw(st.integers(1, 6))
    n_raters = draw(st.integers(1, 5))
    constant = draw(st.booleans())
    rows = []
    for item in range(n_items):
        for rater in range(n_raters):
            if draw(st.booleans()):
                value = (
                    3.0 if constant else draw(st.one_of(st.integers(1, 5).map(float), st.none()))
                )
                rows.append({"item": f"i{item}", "rater": f"r{rater}", "value": value})
    return pd.DataFrame(rows, columns=["item", "rater", "value"])


def _reference_alpha(table: pd.DataFrame, level: str) -> float:
    import krippendorff

    matrix = table.pivot_table(index="rater", columns="item", values="value", aggfunc="first")
    data = matrix.to_numpy(dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_alpha_on_random_sparse_tables_is_nan_or_finite_and_matches_krippendorff(level):
    agreement = pytest.importorskip("mer_datasets.agreement.alpha")
    compared = {"n": 0}

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(long_tables())
    def run(table: pd.DataFrame) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = agreement.krippendorff_alpha(table.dropna(subset=["value"]), level=level)
        assert math.isnan(ours) or math.isfinite(ours)
        complete = table.dropna(subset=["value"])
        pairable = complete.groupby("item").size()
        if math.isnan(ours) or (pairable >= 2).sum() == 0:
            return
        reference = _reference_alpha(complete, level)
        if math.isfinite(reference):
            compared["n"] += 1
            assert ours == pytest.approx(reference, abs=1e-9)

    run()
    harness.record("fuzz", target=f"alpha {level}", compared=compared["n"])
    assert compared["n"] > 5


HOSTILE_WHERE = [
    "__import__('os').system('touch PWNED')",
    "open('PWNED', 'w')",
    "value.__class__",
    "value.__class__.__bases__[0].__subclasses__()",
    "(lambda: 1)()",
    "[x for x in range(3)]",
    "{x: 1 for x in rater_id}",
    'f\'{__import__("os").system("touch PWNED")}\'',
    "value == __import__('os')",
    "getattr(value, 'x') == 1",
    "value.mean() > 0",
    "value == 1 and exec('x=1')",
    "rater_id == 'a' or (yield)",
    "value == (1).__class__",
    "__builtins__",
    "value[0] == 1",
    "value + 1 > 2",
    "value := 3",
    "await value",
    "*value",
    # resource exhaustion (issue 18 #14): refused by size and depth bounds before parsing
    "value == " + "9" * 4299,
    "not " * 5000 + "value > 1",
    "(" * 1000 + "value > 1" + ")" * 1000,
    "value == [1, 2]",
]


def test_where_refuses_code_with_a_clean_error_and_no_side_effect(tmp_path, monkeypatch):
    where = pytest.importorskip("mer_datasets.agreement.where")
    monkeypatch.chdir(tmp_path)
    table = pd.DataFrame({"value": [1.0, 2.0], "rater_id": ["a", "b"]})
    for expression in HOSTILE_WHERE:
        with pytest.raises(where.WhereError):
            where.where_mask(table, expression)
    assert not (tmp_path / "PWNED").exists()

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(
        st.text(
            alphabet="abvalue_rid()[]{}.,:'\"=<>!+-*/ \\f0123456789lambdaimportforin", max_size=40
        )
    )
    def run(expression: str) -> None:
        try:
            mask = where.where_mask(table, expression)
        except where.WhereError:
            return
        assert np.asarray(mask).dtype == bool and len(mask) == len(table)

    run()
    assert not (tmp_path / "PWNED").exists()
    harness.record("fuzz", target="where", hostile_refused=len(HOSTILE_WHERE))
