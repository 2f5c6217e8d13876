"""``--bootstrap-interval`` and ``--bootstrap-totals`` reach the interval: the CLI gives the
numbers of the Python report with the same options, names them in ``ci_method``, and refuses
what cannot be computed with the reason."""

import json

import numpy as np
import pandas as pd
import pytest

from mer_datasets.agreement.report import agreement_report
from mer_datasets.cli import main
from mer_datasets.errors import AgreementError


def judgments(seed: int = 0) -> pd.DataFrame:
    """60 songs x 5 of 8 listeners, interval values with listener biases."""
    rng = np.random.default_rng(seed)
    bias = rng.normal(scale=0.5, size=8)
    rows = [
        {"track_id": f"s{item}", "rater_id": f"r{rater}", "dimension": "valence",
         "value": round(float(truth + bias[rater] + rng.normal()), 3)}
        for item, truth in enumerate(rng.normal(size=60))
        for rater in rng.choice(8, size=5, replace=False)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def cli_alpha(capsys, path, *options) -> dict:
    argv = ["agreement", str(path), "--item", "track_id", "--rater", "rater_id",
            "--bootstrap", "300", "--format", "json", "--metrics", "krippendorff_alpha", *options]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    (record,) = json.loads(capsys.readouterr().out)
    return record


@pytest.mark.parametrize(
    ("options", "keywords", "ci_method"),
    [
        ((), {}, "bootstrap-two-way-percentile"),
        (("--bootstrap-interval", "bca"), {"bootstrap_interval": "bca"}, "bootstrap-two-way-bca"),
        (
            ("--bootstrap-method", "items", "--bootstrap-totals", "normal"),
            {"bootstrap_method": "items", "bootstrap_totals": "normal"},
            "bootstrap-items-normal-totals-percentile",
        ),
        (
            ("--bootstrap-method", "items", "--bootstrap-totals", "exact", "--bootstrap-interval", "bca"),
            {"bootstrap_method": "items", "bootstrap_totals": "exact", "bootstrap_interval": "bca"},
            "bootstrap-items-bca",
        ),
    ],
)  # fmt: skip
def test_cli_equals_python_and_names_the_interval(tmp_path, capsys, options, keywords, ci_method):
    frame = judgments()
    path = tmp_path / "judgments.csv"
    frame.to_csv(path, index=False)
    record = cli_alpha(capsys, path, *options)
    assert record["ci_method"] == f"{ci_method} (300 resamples, 95%)"
    python = agreement_report(
        frame, bootstrap=300, metrics=["krippendorff_alpha"], levels={"valence": "interval"},
        **keywords,
    )  # fmt: skip
    row = python.iloc[0]
    assert record["value"] == pytest.approx(row["value"], abs=1e-12)
    assert record["ci_low"] == pytest.approx(row["ci_low"], abs=1e-12)
    assert record["ci_high"] == pytest.approx(row["ci_high"], abs=1e-12)


def test_bca_moves_the_interval(tmp_path, capsys):
    path = tmp_path / "judgments.csv"
    judgments(1).to_csv(path, index=False)
    percentile = cli_alpha(capsys, path)
    bca = cli_alpha(capsys, path, "--bootstrap-interval", "bca")
    assert bca["value"] == percentile["value"]
    assert (bca["ci_low"], bca["ci_high"]) != (percentile["ci_low"], percentile["ci_high"])


def test_bca_with_krippendorff_is_refused(tmp_path, capsys):
    path = tmp_path / "judgments.csv"
    judgments().to_csv(path, index=False)
    argv = ["agreement", str(path), "--item", "track_id", "--rater", "rater_id",
            "--bootstrap-method", "krippendorff", "--bootstrap-interval", "bca"]  # fmt: skip
    assert main(argv) != 0
    assert "Krippendorff's bootstrap resamples pairs of values" in capsys.readouterr().err
    with pytest.raises(AgreementError, match="unknown bootstrap_totals 'poisson'"):
        agreement_report(judgments(), bootstrap_totals="poisson")
    with pytest.raises(AgreementError, match="unknown bootstrap_interval 'basic'"):
        agreement_report(judgments(), bootstrap_interval="basic")
