"""The DuckDB engine's whole report equals the in-memory report, record by record (to 1e-9):
alpha with its bootstrap interval, ICC, Fleiss' kappa, ``--where``, ``--by`` (both D_e choices),
every duplicates policy, and what is not computed out of core named in a note or refused."""

import json
import math

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("duckdb")

from mer_datasets.cli import main  # noqa: E402


def crowd_table(seed: int, labels: bool = False, complete: bool = False) -> pd.DataFrame:
    """Items x raters with repeats (timestamps), two dimensions, a group and filter columns."""
    rng = np.random.default_rng(seed)
    rows = []
    for item in range(40):
        truth = rng.normal()
        raters = range(6) if complete else rng.choice(9, size=rng.integers(1, 7), replace=False)
        for rater in raters:
            repeats = 1 if complete else (2 if rng.random() < 0.1 else 1)
            for _repeat in range(repeats):
                for dimension in ("valence", "arousal"):
                    x = truth + rng.normal(scale=0.7)
                    value = (
                        ["low", "mid", "high"][int(np.clip(round(1 + x), 0, 2))]
                        if labels
                        else round(x, 3)
                    )
                    rows.append({
                        "song": f"s{item:03d}", "listener": f"r{rater}", "dimension": dimension,
                        "value": value,
                        "timestamp": pd.Timestamp("2024-01-01", tz="UTC")
                        + pd.Timedelta(minutes=int(rng.integers(0, 10_000))),
                        "genre": ["rock", "jazz", "pop"][item % 3],
                        "familiarity": float(rng.integers(1, 6)) if rng.random() > 0.1 else np.nan,
                        "lang": ["es", "en", None][int(rng.integers(0, 3))],
                    })  # fmt: skip
    return pd.DataFrame(rows)


def report(capsys, path, engine, *options, method="items"):
    """The JSON records of one engine; ``method`` items by default, the one bootstrap both
    engines draw (``auto`` is two-way in memory, items out of core: see the test below)."""
    chosen = () if method is None else ("--bootstrap-method", method)
    argv = ["agreement", str(path), "--item", "song", "--rater", "listener", "--bootstrap", "40",
            "--format", "json", "--engine", engine, *chosen, *options]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is None and b is None
        return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-9
    return a == b


def assert_same_report(memory, duck):
    assert [(r["dimension"], r["group"], r["metric"]) for r in duck] == [
        (r["dimension"], r["group"], r["metric"]) for r in memory
    ]
    for ours, theirs in zip(duck, memory):
        for key, expected in theirs.items():
            assert same(ours[key], expected), (
                ours["dimension"],
                ours["metric"],
                key,
                ours[key],
                expected,
            )


OPTIONS = [
    (),
    ("--duplicates", "first"),
    ("--duplicates", "mean"),
    ("--duplicates", "all"),
    ("--where", "familiarity >= 3 and lang != 'en'"),
    ("--where", "not (familiarity == null or lang in ['es']) or genre == 'pop'"),
    ("--where", "familiarity != 2"),
    ("--where", "dimension == 'valence'"),
    ("--by", "genre"),
    ("--by", "genre", "--expected", "all"),
    ("--level", "ordinal", "--by", "genre", "--expected", "all"),
    ("--level", "nominal"),
    ("--level", "ratio", "--dimension", "valence"),
    ("--metrics", "krippendorff_alpha,icc1_k,icc2_k,icc3_k"),
]


@pytest.mark.parametrize("options", OPTIONS, ids=" ".join)
def test_report_equals_memory(tmp_path, capsys, options):
    table = crowd_table(3)
    if "ratio" in options:
        table["value"] = table["value"].abs()
    path = tmp_path / "crowd.parquet"
    table.to_parquet(path)
    assert_same_report(
        report(capsys, path, "memory", *options), report(capsys, path, "duckdb", *options)
    )


def test_complete_design_icc_and_kappa(tmp_path, capsys):
    path = tmp_path / "complete.parquet"
    crowd_table(5, complete=True).to_parquet(path)
    memory = report(capsys, path, "memory")
    assert {r["note"] for r in memory if r["metric"] == "icc2_1"} == {"design: complete"}
    assert_same_report(memory, report(capsys, path, "duckdb"))
    labels = tmp_path / "labels.parquet"
    crowd_table(6, labels=True, complete=True).to_parquet(labels)
    memory = report(capsys, labels, "memory", "--metrics", "krippendorff_alpha,fleiss_kappa")
    assert "fleiss_kappa" in {r["metric"] for r in memory}
    assert_same_report(
        memory, report(capsys, labels, "duckdb", "--metrics", "krippendorff_alpha,fleiss_kappa")
    )


def test_labels_unbalanced(tmp_path, capsys):
    path = tmp_path / "labels.parquet"
    crowd_table(8, labels=True).to_parquet(path)
    for options in [(), ("--duplicates", "mean"), ("--metrics", "fleiss_kappa,krippendorff_alpha")]:
        assert_same_report(
            report(capsys, path, "memory", *options), report(capsys, path, "duckdb", *options)
        )


def test_huge_values_are_rescaled(tmp_path, capsys):
    table = crowd_table(9)
    path = tmp_path / "huge.parquet"
    table.to_parquet(path)
    plain = report(capsys, path, "duckdb", "--metrics", "krippendorff_alpha", "--bootstrap", "0")
    table["value"] = table["value"] * 1e200
    table.to_parquet(path)
    huge = report(capsys, path, "duckdb", "--metrics", "krippendorff_alpha", "--bootstrap", "0")
    assert [r["value"] for r in huge] == pytest.approx([r["value"] for r in plain], abs=1e-9)
    assert all(math.isfinite(r["value"]) for r in huge)


def test_not_out_of_core_is_named(tmp_path, capsys):
    path = tmp_path / "crowd.parquet"
    crowd_table(4).to_parquet(path)
    records = report(
        capsys,
        path,
        "duckdb",
        "--metrics",
        "krippendorff_alpha,cronbach_alpha,group_tests",
        "--by",
        "genre",
    )
    notes = {r["metric"]: r["note"] for r in records if r["metric"] != "krippendorff_alpha"}
    assert set(notes) == {"cronbach_alpha", "group_tests"}
    assert all("not computed out of core" in note for note in notes.values())


def assert_same_items(memory, duck):
    """Every item's figures to 1e-9, and the same ranking."""
    assert len(duck) == len(memory)
    for ours, theirs in zip(duck, memory):
        assert set(ours) == set(theirs)
        for key, expected in theirs.items():
            assert same(ours[key], expected), (ours["track_id"], key, ours[key], expected)


@pytest.mark.parametrize("labels", [False, True])
@pytest.mark.parametrize(
    "options", [(), ("--level", "ordinal"), ("--where", "familiarity > 2", "--duplicates", "mean")]
)
def test_items_report_equals_memory(tmp_path, capsys, labels, options):
    if labels and options[:1] == ("--level",):
        options = ("--level", "nominal")
    path = tmp_path / "crowd.parquet"
    crowd_table(11, labels=labels).to_parquet(path)
    memory = report(capsys, path, "memory", "--items", *options)
    assert memory and {"rank", "single_rater"} <= set(memory[0])
    assert_same_items(memory, report(capsys, path, "duckdb", "--items", *options))


def test_auto_out_of_core_is_the_item_bootstrap_and_says_why(tmp_path, capsys):
    """In memory ``auto`` picks the two-way bootstrap for this crossed design; the SQL engines
    can only resample items (per-item statistics), so they give the item interval and a note."""
    path = tmp_path / "crowd.parquet"
    crowd_table(3).to_parquet(path)
    items = report(capsys, path, "memory", "--metrics", "krippendorff_alpha")
    two_way = report(capsys, path, "memory", "--metrics", "krippendorff_alpha", method=None)
    duck = report(capsys, path, "duckdb", "--metrics", "krippendorff_alpha", method=None)
    for ours, theirs, memory_auto in zip(duck, items, two_way, strict=True):
        assert "two-way" in memory_auto["ci_method"] and "items" in ours["ci_method"]
        assert same(ours["ci_low"], theirs["ci_low"]) and same(ours["ci_high"], theirs["ci_high"])
        assert ours["note"].startswith("auto: the out-of-core engines resample items only")
        assert "raters treated as fixed" in ours["note"]
