"""The columnar Parquet route (arrow_reader.py) gives the full reader's report byte for byte,
and hands every doubtful file to the full reader (which raises its precise errors)."""

import numpy as np
import pandas as pd
import pytest

import mer_datasets.agreement.arrow_reader as arrow_reader
from mer_datasets.agreement.userfile import Columns, ReadOptions
from mer_datasets.cli import main


def crowd(seed: int, ids: str = "text", dimensions: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_items, per_item = 30, rng.integers(1, 6, size=30)
    items = np.repeat(np.arange(n_items), per_item)
    raters = np.concatenate([rng.choice(8, size=k, replace=False) for k in per_item])
    truth = rng.normal(size=n_items)[items]
    frame = pd.DataFrame({
        "song": [f"s{i:02d}" for i in items] if ids == "text" else items * 7 + 100,
        "listener": [f"L{r}" for r in raters] if ids == "text" else raters,
        "valence": np.round(truth + rng.normal(scale=0.6, size=items.size), 2),
    })  # fmt: skip
    frame.loc[rng.random(len(frame)) < 0.05, "valence"] = np.nan
    if dimensions:
        frame = pd.concat([frame.assign(dimension="valence"),
                           frame.assign(dimension="arousal", valence=frame["valence"] * -2 + 1)])  # fmt: skip
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def output(capsys, path, *options):
    argv = ["agreement", str(path), "--item", "song", "--rater", "listener", "--value", "valence",
            "--bootstrap", "30", "--engine", "memory", *options]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    return capsys.readouterr().out


@pytest.mark.parametrize("ids", ["text", "integers"])
@pytest.mark.parametrize("dimensions", [True, False])
@pytest.mark.parametrize("fmt", ["json", "table"])
def test_same_report_as_the_full_reader(tmp_path, capsys, monkeypatch, ids, dimensions, fmt):
    path = tmp_path / "crowd.parquet"
    crowd(1, ids, dimensions).to_parquet(path)
    columns = Columns(item="song", rater="listener", value="valence")
    assert arrow_reader.parquet_judgments(path, columns, ReadOptions()) is not None
    fast = output(capsys, path, "--format", fmt, "--metrics", "krippendorff_alpha,icc1_1,icc2_1")
    monkeypatch.setattr(arrow_reader, "parquet_judgments", lambda *a: None)
    assert (
        output(capsys, path, "--format", fmt, "--metrics", "krippendorff_alpha,icc1_1,icc2_1")
        == fast
    )


@pytest.mark.parametrize(
    "change",
    ["padded id", "missing id", "stored nan", "huge", "label column", "timestamp", "float ids"],
)
def test_doubtful_files_go_to_the_full_reader(tmp_path, change):
    frame = crowd(2)
    if change == "padded id":
        frame.loc[3, "song"] = " s01"
    elif change == "missing id":
        frame.loc[3, "listener"] = None
    elif change == "huge":
        frame.loc[3, "valence"] = 1e200
    elif change == "label column":
        frame["label"] = "x"
    elif change == "timestamp":
        frame["timestamp"] = pd.Timestamp("2024-01-01")
    elif change == "float ids":
        frame["song"] = np.arange(len(frame)) / 2
    path = tmp_path / "doubtful.parquet"
    frame.to_parquet(path)
    if change == "stored nan":  # pandas writes NaN as null: write a real NaN with pyarrow
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame.fillna({"valence": 0.5}), preserve_index=False)
        values = table.column("valence").to_numpy().copy()
        values[0] = np.nan
        table = table.set_column(table.schema.get_field_index("valence"), "valence",
                                 pa.array(values, from_pandas=False))  # fmt: skip
        pq.write_table(table, path)
    columns = Columns(item="song", rater="listener", value="valence")
    assert arrow_reader.parquet_judgments(path, columns, ReadOptions()) is None
    assert arrow_reader.parquet_judgments(path, columns, ReadOptions(na=("NA",))) is None
