"""Handmade annotation tables in the shape of ``dataset.annotations`` (one row per judgment)."""

from __future__ import annotations

import pandas as pd


def annotations(records: list[tuple]) -> pd.DataFrame:
    """``records``: (rater, track, timestamp, arousal, valence[, emotion]); None = not answered."""
    rows = []
    for index, record in enumerate(records):
        rater, track, ts, arousal, valence, *rest = record
        annotation_id = f"{rater}:{track}:{ts}"
        answers = {"arousal": arousal, "valence": valence}
        for dimension, value in answers.items():
            if value is None:
                continue
            rows.append(
                {
                    "annotation_id": annotation_id,
                    "track_id": track,
                    "rater_id": rater,
                    "dimension": dimension,
                    "value": float(value),
                    "label": None,
                    "timestamp": pd.Timestamp(ts, unit="s", tz="UTC"),
                    "source_record": index,
                }
            )
        if rest and rest[0] is not None:
            rows.append(
                {
                    "annotation_id": annotation_id,
                    "track_id": track,
                    "rater_id": rater,
                    "dimension": "emotion",
                    "value": None,
                    "label": rest[0],
                    "timestamp": pd.Timestamp(ts, unit="s", tz="UTC"),
                    "source_record": index,
                }
            )
    frame = pd.DataFrame(rows)
    frame["dimension"] = frame["dimension"].astype("category")
    frame["value"] = frame["value"].astype("Float64")
    frame["label"] = frame["label"].astype("string")
    return frame
