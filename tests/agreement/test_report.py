import argparse
import json
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from mer_datasets.agreement.alpha import krippendorff_alpha
from mer_datasets.agreement.cli import add_arguments, run
from mer_datasets.agreement.groups import holm_adjust
from mer_datasets.agreement.raters import rater_diagnostics
from mer_datasets.agreement.report import (
    agreement_report,
    items_report,
    raters_report,
    to_json_records,
)

SCHEMA = Path(__file__).resolve().parents[2] / "schemas" / "agreement-report.schema.json"


def canonical(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    rows = []
    for rater in range(12):
        for track in range(15):
            record = f"{rater}-{track}"
            rows.append(
                (
                    record + "a",
                    record,
                    f"t{track}",
                    f"r{rater}",
                    "arousal",
                    float(rng.integers(1, 6)),
                    None,
                )
            )
            rows.append(
                (
                    record + "f",
                    record,
                    f"t{track}",
                    f"r{rater}",
                    "familiarity",
                    float(rng.integers(1, 6)),
                    None,
                )
            )
            rows.append(
                (
                    record + "q",
                    record,
                    f"t{track}",
                    f"r{rater}",
                    "quadrant",
                    np.nan,
                    f"Q{rng.integers(1, 5)}",
                )
            )
    annotations = pd.DataFrame(
        rows,
        columns=[
            "judgment_id",
            "annotation_id",
            "track_id",
            "rater_id",
            "dimension",
            "value",
            "label",
        ],
    )
    raters = pd.DataFrame(
        {"rater_id": [f"r{i}" for i in range(12)], "mother_language": ["es", "en", "de"] * 4}
    )
    return annotations, raters


def test_the_report_has_the_documented_columns_and_one_alpha_per_dimension_and_group():
    annotations, raters = canonical()
    report = agreement_report(
        annotations,
        raters,
        levels={"arousal": "ordinal", "familiarity": "interval"},
        by="mother_language",
        bootstrap=50,
    )
    for column in [
        "dimension",
        "group",
        "metric",
        "level",
        "value",
        "ci_low",
        "ci_high",
        "ci_method",
        "n_items",
        "n_raters",
        "n_judgments",
        "by",
        "expected_from",
        "duplicates_policy",
        "n_duplicates",
    ]:
        assert column in report.columns
    alpha = report[report["metric"] == "krippendorff_alpha"]
    assert len(alpha) == 3 * 4  # 3 dimensions x (all + 3 languages)
    overall = alpha[(alpha["dimension"] == "arousal") & alpha["group"].isna()].iloc[0]
    arousal = annotations[annotations["dimension"] == "arousal"]
    assert overall["value"] == pytest.approx(
        krippendorff_alpha(arousal, item="track_id", value="value", level="ordinal")
    )
    assert set(report.loc[report["dimension"] == "familiarity", "metric"]) >= {
        "icc1_1",
        "icc2_1",
        "icc3_1",
    }
    assert "fleiss_kappa" in set(report.loc[report["dimension"] == "quadrant", "metric"])


def test_where_can_refer_to_another_dimension_of_the_same_source_record():
    annotations, raters = canonical()
    report = agreement_report(
        annotations, raters, dimensions=["arousal"], where="familiarity > 3", bootstrap=0
    )
    familiar = annotations[
        (annotations["dimension"] == "familiarity") & (annotations["value"] > 3)
    ]["annotation_id"]
    expected_rows = annotations[
        (annotations["dimension"] == "arousal") & annotations["annotation_id"].isin(familiar)
    ]
    assert report.iloc[0]["n_judgments"] == len(expected_rows)


def test_rows_without_a_source_record_have_no_sibling_values():
    """Judgments whose annotation_id is missing or empty are not one shared record: a filter on
    a sibling dimension never holds for them (they used to get the last such row's value)."""
    annotations, raters = canonical()
    annotations = annotations.copy()
    arousal = annotations.index[annotations["dimension"] == "arousal"][:6]
    familiarity = annotations.index[annotations["dimension"] == "familiarity"][:6]
    annotations["annotation_id"] = annotations["annotation_id"].astype(object)
    annotations.loc[arousal[:3], "annotation_id"] = None
    annotations.loc[arousal[3:], "annotation_id"] = ""
    annotations.loc[familiarity[:3], "annotation_id"] = None
    annotations.loc[familiarity[3:], "annotation_id"] = " "
    annotations.loc[familiarity, "value"] = 5.0  # would pass the filter if joined
    report = agreement_report(
        annotations, raters, dimensions=["arousal"], where="familiarity > 3", bootstrap=0
    )
    identified = annotations["annotation_id"].notna() & (
        annotations["annotation_id"].astype(str).str.strip() != ""
    )
    familiar = annotations[
        identified & (annotations["dimension"] == "familiarity") & (annotations["value"] > 3)
    ]["annotation_id"]
    expected_rows = annotations[
        identified
        & (annotations["dimension"] == "arousal")
        & annotations["annotation_id"].isin(familiar)
    ]
    assert report.iloc[0]["n_judgments"] == len(expected_rows)


def test_expected_all_uses_the_whole_table_for_group_alpha():
    annotations, raters = canonical()
    report = agreement_report(
        annotations,
        raters,
        dimensions=["familiarity"],
        by="mother_language",
        expected="all",
        bootstrap=0,
        metrics=["krippendorff_alpha"],
    )
    group = report[report["group"] == "es"].iloc[0]
    assert group["expected_from"] == "all"
    data = annotations[annotations["dimension"] == "familiarity"].merge(raters, on="rater_id")
    expected = krippendorff_alpha(
        data[data["mother_language"] == "es"], item="track_id", level="interval", expected_from=data
    )
    assert group["value"] == pytest.approx(expected)


def test_json_records_validate_against_the_schema_and_have_null_for_nan():
    annotations, raters = canonical()
    report = agreement_report(
        annotations,
        raters,
        by="mother_language",
        bootstrap=20,
        metrics=["krippendorff_alpha", "group_tests", "icc2_1"],
    )
    records = to_json_records(report)
    jsonschema.validate(records, json.loads(SCHEMA.read_text()))
    assert records[0]["group"] is None
    json.dumps(records)  # plain Python only


def test_items_and_raters_reports_cover_every_item_and_rater():
    annotations, raters = canonical()
    items = items_report(annotations, raters, levels={"arousal": "ordinal"})
    assert set(items.loc[items["dimension"] == "quadrant", "track_id"]) == {
        f"t{i}" for i in range(15)
    }
    per_rater = raters_report(annotations, raters)
    assert len(per_rater[per_rater["dimension"] == "arousal"]) == 12


def test_leave_one_out_mean_difference_is_computed_from_the_other_raters():
    table = pd.DataFrame({"item": [1, 1, 1], "rater": ["a", "b", "c"], "value": [1.0, 2.0, 6.0]})
    result = rater_diagnostics(table).set_index("rater")
    assert result.loc["a", "loo_mad"] == pytest.approx(abs(1 - 4))


def test_holm_adjustment_matches_the_step_down_definition():
    assert holm_adjust(np.array([0.01, 0.04, 0.03])).tolist() == pytest.approx([0.03, 0.06, 0.06])


def test_the_cli_reads_a_researchers_own_csv_and_writes_json(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "mine.csv"
    pd.DataFrame(
        {
            "song": np.repeat(np.arange(10), 4),
            "who": np.tile(np.arange(4), 10),
            "score": rng.integers(1, 6, 40),
        }
    ).to_csv(path, index=False)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out = tmp_path / "report.json"
    args = parser.parse_args(
        [
            str(path),
            "--item",
            "song",
            "--rater",
            "who",
            "--value",
            "score",
            "--format",
            "json",
            "--out",
            str(out),
            "--bootstrap",
            "30",
        ]
    )
    assert run(args, load_tables=None) == 0
    records = json.loads(out.read_text())
    assert (
        records[0]["dimension"] == "value"
        and records[0]["level"] == "interval"
        and records[0]["n_items"] == 10
    )


def test_importing_the_cli_does_not_import_scipy():
    import subprocess
    import sys

    code = "import sys, mer_datasets.agreement.cli; print('scipy' in sys.modules)"
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "False"
    )
