"""``--raters`` out of core (agreement/sql_raters.py) equals the in-memory per-rater report to
1e-9: counts, mean, leave-one-out Pearson/Spearman/MAD, modal agreement of labels, test-retest
figures and both alphas, under every duplicates policy, ``--where`` and level; refused with the
reason when the input has no rater column."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("duckdb")

from mer_datasets.cli import main  # noqa: E402

from .test_duckdb_report import crowd_table, report, same  # noqa: E402

NOT_COMPUTED = "loo_spearman not computed out of core"


def assert_same_raters(memory, duck, spearman=True):
    """Every rater's figures to 1e-9, the same columns and the same rater order; with
    ``spearman=False`` loo_spearman must be the named gap instead (NaN and the note)."""
    assert memory, "the memory report is empty: nothing compared"
    assert [(r["dimension"], r["rater_id"]) for r in duck] == [
        (r["dimension"], r["rater_id"]) for r in memory
    ]
    for ours, theirs in zip(duck, memory):
        assert set(ours) - set(theirs) == (set() if spearman else {"note"})
        assert set(theirs) <= set(ours)
        for key, expected in theirs.items():
            if key == "loo_spearman" and not spearman:
                assert ours[key] is None and ours["note"].startswith(NOT_COMPUTED)
                continue
            assert same(ours[key], expected), (ours["rater_id"], key, ours[key], expected)


OPTIONS = [
    (),
    ("--duplicates", "first"),
    ("--duplicates", "mean"),
    ("--duplicates", "all"),
    ("--where", "familiarity >= 3 and lang != 'en'"),
    ("--level", "ordinal"),
    ("--level", "nominal"),
    ("--level", "ratio", "--dimension", "valence"),
]


@pytest.mark.parametrize("options", OPTIONS, ids=" ".join)
def test_raters_report_equals_memory(tmp_path, capsys, options):
    table = crowd_table(3)
    if "ratio" in options:
        table["value"] = table["value"].abs()
    path = tmp_path / "crowd.parquet"
    table.to_parquet(path)
    memory = report(capsys, path, "memory", "--raters", *options)
    assert {"loo_pearson", "retest_mad", "test_retest_alpha"} <= set(memory[0]) or (
        "nominal" in options and "loo_modal_agreement" in memory[0]
    )
    assert_same_raters(memory, report(capsys, path, "duckdb", "--raters", *options))


@pytest.mark.parametrize("options", [(), ("--duplicates", "mean"), ("--duplicates", "all")])
def test_labels_equal_memory(tmp_path, capsys, options):
    path = tmp_path / "labels.parquet"
    crowd_table(8, labels=True).to_parquet(path)
    memory = report(capsys, path, "memory", "--raters", *options)
    assert {"loo_modal_agreement", "retest_agreement"} <= set(memory[0])
    assert_same_raters(memory, report(capsys, path, "duckdb", "--raters", *options))


def test_integer_ratings_with_ties_and_no_repeats(tmp_path, capsys):
    """Integer ratings tie within raters and across items (the Spearman ranks average them);
    a complete design has no repeats, so no test-retest columns and a NaN test-retest alpha."""
    table = crowd_table(5, complete=True)
    table["value"] = np.clip(np.round(table["value"] * 2), -3, 3)
    path = tmp_path / "ints.parquet"
    table.to_parquet(path)
    memory = report(capsys, path, "memory", "--raters")
    assert "retest_mad" not in memory[0] and memory[0]["test_retest_alpha"] is None
    assert_same_raters(memory, report(capsys, path, "duckdb", "--raters"))
    text = ["agreement", str(path), "--item", "song", "--rater", "listener", "--raters"]
    assert main([*text, "--engine", "duckdb"]) == 0
    duck_text = capsys.readouterr().out
    assert main([*text, "--engine", "memory"]) == 0
    assert duck_text == capsys.readouterr().out  # the rendered table too


def test_spearman_of_tied_leave_one_out_means_is_named_not_computed(tmp_path, capsys):
    """Ratings on a 0.1 grid: many leave-one-out means of different items are equal in exact
    arithmetic, and their bits depend on the order of the sums, so the out-of-core engine
    names loo_spearman as not computed (with the reason) and still gives every other figure;
    on a 0.25 grid the sums are exact in any order and loo_spearman is computed."""
    table = crowd_table(6, complete=True)
    table = pd.concat([table, table.assign(song=table["song"] + "b")], ignore_index=True)
    table["value"] = np.round(table["value"], 1)
    path = tmp_path / "grid.parquet"
    table.to_parquet(path)
    memory = report(capsys, path, "memory", "--raters")
    assert_same_raters(memory, report(capsys, path, "duckdb", "--raters"), spearman=False)
    table["value"] = np.round(table["value"] * 4) / 4
    table.to_parquet(path)
    memory = report(capsys, path, "memory", "--raters")
    assert_same_raters(memory, report(capsys, path, "duckdb", "--raters"))


def test_raters_without_a_rater_column_is_refused(tmp_path, capsys):
    path = tmp_path / "norater.parquet"
    crowd_table(4).drop(columns="listener").to_parquet(path)
    argv = ["agreement", str(path), "--item", "song", "--rater", "listener", "--raters"]
    assert main([*argv, "--engine", "duckdb"]) == 1
    assert "--raters needs a rater column" in capsys.readouterr().err
