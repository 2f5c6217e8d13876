"""``--where``/``--by`` naming a sibling dimension out of core (sql_where.sibling_joins): the
value of that dimension in the judgment's source record (``annotation_id``), as the in-memory
table joins it (report._with_siblings), so the records, items and raters equal memory to 1e-9;
the forms that cannot be answered say why and what to do."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("duckdb")

from mer_datasets.cli import main  # noqa: E402

from .test_duckdb_report import assert_same_items, assert_same_report, crowd_table, report  # noqa: E402
from .test_sql_raters import assert_same_raters  # noqa: E402


def records_table(seed: int, labels: bool = False) -> pd.DataFrame:
    """crowd_table with an annotation_id per source record (a valence and an arousal row); some
    records lack their arousal row, some have a second, later one (the last one counts)."""
    table = crowd_table(seed, labels=labels)
    table["annotation_id"] = np.arange(len(table)) // 2
    rng = np.random.default_rng(seed)
    arousal = table.index[table["dimension"] == "arousal"]
    table = table.drop(rng.choice(arousal, size=len(arousal) // 10, replace=False))
    again = table[table["dimension"] == "arousal"].sample(n=8, random_state=seed)
    again = again.assign(value=again["value"].sample(frac=1, random_state=seed + 1).to_numpy())
    return pd.concat([table, again], ignore_index=True)


NUMBER_OPTIONS = [
    ("--where", "arousal > 0"),
    ("--where", "valence > 0 and arousal < 1"),
    ("--where", "arousal != 0.5 or lang == 'es'"),
    ("--where", "arousal == null"),
    ("--where", "not (arousal >= valence)", "--duplicates", "mean"),
    ("--where", "arousal > 0", "--by", "genre", "--expected", "all"),
]


@pytest.mark.parametrize("options", NUMBER_OPTIONS, ids=" ".join)
def test_sibling_where_equals_memory(tmp_path, capsys, options):
    path = tmp_path / "records.parquet"
    records_table(3).to_parquet(path)
    memory = report(capsys, path, "memory", *options)
    assert memory and memory[0]["n_judgments"] > 0
    assert_same_report(memory, report(capsys, path, "duckdb", *options))


def test_sibling_labels_where_and_by(tmp_path, capsys):
    path = tmp_path / "labels.parquet"
    records_table(8, labels=True).to_parquet(path)
    for options in [
        ("--where", "arousal == 'high'"),
        ("--where", "arousal in ['low', 'mid'] and valence != 'low'"),
        ("--by", "arousal"),
    ]:
        memory = report(capsys, path, "memory", *options)
        assert_same_report(memory, report(capsys, path, "duckdb", *options))


def test_sibling_where_in_items_and_raters(tmp_path, capsys):
    path = tmp_path / "records.parquet"
    records_table(5).to_parquet(path)
    where = ("--where", "arousal > -0.5")
    memory = report(capsys, path, "memory", "--items", *where)
    assert_same_items(memory, report(capsys, path, "duckdb", "--items", *where))
    memory = report(capsys, path, "memory", "--raters", *where)
    assert_same_raters(memory, report(capsys, path, "duckdb", "--raters", *where))


def run(capsys, path, *options) -> str:
    argv = ["agreement", str(path), "--item", "song", "--rater", "listener", "--engine", "duckdb"]
    assert main([*argv, "--bootstrap", "0", *options]) == 1
    return capsys.readouterr().err


def test_what_cannot_be_answered_says_why(tmp_path, capsys):
    path = tmp_path / "plain.parquet"
    crowd_table(4).to_parquet(path)
    error = run(capsys, path, "--where", "arousal > 0")
    assert "'arousal' is a dimension, not a column" in error and "add an 'annotation_id'" in error
    table = records_table(4)
    table["annotation_id"] = table["annotation_id"].astype("float64")
    table.loc[table.index[:3], "annotation_id"] = np.nan
    table.to_parquet(path)
    error = run(capsys, path, "--where", "arousal > 0")
    assert "3 row(s) have an empty 'annotation_id'" in error
    assert "no column 'tempo'" in run(capsys, path, "--where", "tempo > 0")
