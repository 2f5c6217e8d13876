"""``duplicates="mean"`` applies where a mean is defined and says what it did elsewhere."""

import pandas as pd
import pytest

from mer_datasets.agreement.alpha import krippendorff_alpha
from mer_datasets.agreement.report import agreement_report


def table() -> pd.DataFrame:
    rows = []
    for item in range(6):
        for rater in range(3):
            rows.append((f"t{item}", f"r{rater}", "arousal", float((item + rater) % 5), None))
            rows.append(
                (f"t{item}", f"r{rater}", "emotion", None, ["sad", "calm"][(item * rater) % 2])
            )
    rows.append(("t0", "r0", "arousal", 4.0, None))  # a repeated judgment of each dimension
    rows.append(("t0", "r0", "emotion", None, "calm"))
    frame = pd.DataFrame(rows, columns=["track_id", "rater_id", "dimension", "value", "label"])
    return frame.assign(timestamp=pd.date_range("2024-01-01", periods=len(frame), freq="min"))


def test_mean_is_applied_to_values_and_latest_to_labels_with_a_note():
    report = agreement_report(
        table(), duplicates="mean", bootstrap=0, metrics=["krippendorff_alpha"]
    ).set_index("dimension")
    arousal = table()[table()["dimension"] == "arousal"]
    means = arousal.groupby(["track_id", "rater_id"], as_index=False)["value"].mean()
    assert report.loc["arousal", "duplicates_policy"] == "mean"
    assert report.loc["arousal", "value"] == pytest.approx(
        krippendorff_alpha(means, item="track_id", value="value", level="interval"), abs=1e-12
    )
    emotion = report.loc["emotion"]
    assert emotion["duplicates_policy"] == "latest"
    assert "duplicates 'mean' is undefined for labels: 'latest' used" in emotion["note"]
    latest = agreement_report(
        table(), dimensions=["emotion"], duplicates="latest", bootstrap=0,
        metrics=["krippendorff_alpha"],
    )  # fmt: skip
    assert emotion["value"] == pytest.approx(latest.iloc[0]["value"], abs=1e-15)
    labels = table()[table()["dimension"] == "emotion"].drop_duplicates(
        ["track_id", "rater_id"], keep="last"
    )
    assert emotion["value"] == pytest.approx(
        krippendorff_alpha(labels, item="track_id", value="label", level="nominal"), abs=1e-12
    )
