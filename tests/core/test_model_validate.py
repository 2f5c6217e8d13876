"""The four tables: canonical dtypes, validation errors that name dataset/table/row/field."""

from __future__ import annotations

import pandas as pd
import pytest

from mer_datasets.catalog import catalog_from_entries
from mer_datasets.errors import TableValidationError
from mer_datasets.tables import CORE_COLUMNS, QuirksReport, Tables, finalize_tables
from mer_datasets.validate import validate_tables

ENTRY = {
    "id": "toy",
    "name": "Toy",
    "year": 2024,
    "description": "A toy dataset for validation tests.",
    "homepage": "https://example.org/toy",
    "citation": "@misc{toy, title={Toy}}",
    "license": "CC0-1.0",
    "access": "open",
    "synthetic": False,
    "emotion_model": {"taxonomy": "both", "perspective": "perceived", "temporal": "static"},
    "per_rater": True,
    "dimensions": [
        {
            "name": "valence",
            "scale": "likert",
            "level": "ordinal",
            "min": 1,
            "max": 5,
            "in": ["annotations", "labels"],
        },
        {
            "name": "emotion",
            "scale": "category",
            "level": "nominal",
            "categories": ["joy", "sadness"],
            "in": ["annotations"],
        },
    ],
    "default_version": "1",
    "versions": [
        {
            "version": "1",
            "loader": "toy",
            "files": {"data": "data.csv"},
            "remotes": [
                {
                    "url": "https://example.org/data.csv",
                    "filename": "data.csv",
                    "kind": "file",
                    "path": "data.csv",
                    "sha256": None,
                    "checksum_source": "unknown",
                }
            ],
        }
    ],
}
INFO = catalog_from_entries([ENTRY]).get("toy")


def tables(**overrides) -> Tables:
    base = {
        "tracks": pd.DataFrame({"track_id": ["t1", "t2"], "title": ["A", None]}),
        "raters": pd.DataFrame({"rater_id": ["r1", "r2"], "mother_language": ["es", None]}),
        "annotations": pd.DataFrame(
            {
                "judgment_id": ["1:valence", "1:emotion", "2:valence"],
                "annotation_id": ["1", "1", "2"],
                "track_id": ["t1", "t1", "t2"],
                "rater_id": ["r1", "r1", "r2"],
                "dimension": ["valence", "emotion", "valence"],
                "value": [4.0, None, 2.0],
                "label": [None, "joy", None],
            }
        ),
        "labels": pd.DataFrame(
            {"track_id": ["t1"], "dimension": ["valence"], "statistic": ["mean"], "value": [3.5]}
        ),
    }
    base.update(overrides)
    return finalize_tables(Tables(**base))


def test_finalize_puts_core_columns_first_with_canonical_dtypes_and_keeps_extras():
    t = tables()
    for name, core in CORE_COLUMNS.items():
        frame = getattr(t, name)
        assert list(frame.columns[: len(core)]) == list(core)
        for column, dtype in core.items():
            assert str(frame[column].dtype) == dtype, (name, column)
    assert "mother_language" in t.raters.columns
    assert t.tracks["album"].isna().all()  # absent core columns exist, as missing


def test_valid_tables_pass():
    validate_tables(tables(), INFO)


def test_a_value_outside_the_declared_scale_names_dataset_table_row_and_field():
    bad = tables().annotations.copy()
    bad.loc[2, "value"] = 7.0
    with pytest.raises(TableValidationError) as info:
        validate_tables(tables(annotations=bad), INFO)
    err = info.value
    assert (err.dataset, err.table, err.row, err.field) == ("toy", "annotations", 2, "value")
    assert "maximum 5" in str(err)


def test_an_undeclared_category_is_rejected():
    bad = tables().annotations.copy()
    bad["label"] = bad["label"].astype("string")
    bad.loc[1, "label"] = "rage"
    with pytest.raises(TableValidationError, match="categories"):
        validate_tables(tables(annotations=bad), INFO)


def test_a_rater_missing_from_the_raters_table_is_rejected():
    raters = pd.DataFrame({"rater_id": ["r1"]})
    with pytest.raises(TableValidationError, match="rater not in the raters table"):
        validate_tables(tables(raters=raters), INFO)


def test_a_judgment_with_both_value_and_label_is_rejected():
    bad = tables().annotations.copy()
    bad.loc[0, "label"] = "joy"
    with pytest.raises(TableValidationError, match="exactly one of"):
        validate_tables(tables(annotations=bad), INFO)


def test_duplicate_judgment_ids_are_rejected():
    bad = tables().annotations.copy()
    bad.loc[2, "judgment_id"] = "1:valence"
    with pytest.raises(TableValidationError, match="duplicate id"):
        validate_tables(tables(annotations=bad), INFO)


def test_an_undeclared_dimension_is_rejected():
    bad = tables().annotations.copy()
    bad["dimension"] = bad["dimension"].astype("string")
    bad.loc[0, "dimension"] = "arousal"
    with pytest.raises(TableValidationError, match="not declared"):
        validate_tables(tables(annotations=bad), INFO)


def test_a_missing_required_column_is_named():
    with pytest.raises(TableValidationError, match="'track_id' is absent"):
        from mer_datasets.validate import validate_table

        validate_table("tracks", pd.DataFrame({"title": ["x"]}), "toy")


def test_quirks_with_zero_count_are_not_recorded_and_effects_are_checked():
    report = QuirksReport("toy")
    report.add("nothing", 0, reason="none", effect="kept")
    assert report.quirks == []
    with pytest.raises(ValueError):
        report.add("x", 1, reason="r", effect="ignored")
    report.add("dropped", 3, reason="empty rows", effect="excluded", file="a.csv")
    assert report.excluded() == 3
