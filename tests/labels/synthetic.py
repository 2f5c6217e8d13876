"""Small synthetic tables shaped like real datasets (no real data), and a catalog-like info object."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from mer_datasets.catalog import Dimension


def dimension(name: str, scale: str, level: str = "interval", **kwargs) -> Dimension:
    return Dimension(
        name=name, scale=scale, level=level, in_=kwargs.pop("in_", ("annotations",)), **kwargs
    )


@dataclass
class Info:
    """The part of a catalog DatasetInfo the label space reads."""

    id: str
    dimensions: tuple[Dimension, ...]

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)


@dataclass
class Tables:
    annotations: pd.DataFrame = field(default_factory=pd.DataFrame)
    labels: pd.DataFrame = field(default_factory=pd.DataFrame)


def annotations(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (annotation_id, track_id, rater_id, dimension, value, label)."""
    frame = pd.DataFrame(
        rows, columns=["annotation_id", "track_id", "rater_id", "dimension", "value", "label"]
    )
    frame.insert(0, "judgment_id", [f"j{i}" for i in range(len(frame))])
    frame["value"] = pd.array(frame["value"], dtype="Float64")
    frame["label"] = frame["label"].astype("string")
    frame["dimension"] = frame["dimension"].astype("category")
    for column in ("judgment_id", "annotation_id", "track_id", "rater_id"):
        frame[column] = frame[column].astype("string")
    return frame


def labels(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (track_id, dimension, statistic, value, label)."""
    frame = pd.DataFrame(rows, columns=["track_id", "dimension", "statistic", "value", "label"])
    frame["value"] = pd.array(frame["value"], dtype="Float64")
    frame["label"] = frame["label"].astype("string")
    frame["time_s"] = pd.array([None] * len(frame), dtype="Float64")
    frame["source"] = pd.Series(["synthetic.csv"] * len(frame), dtype="string")
    return frame


TROMPA_INFO = Info(
    "trompa-mer",
    (
        dimension("valence", "binary", "nominal", min=-1, max=1, values=(-1.0, 1.0)),
        dimension("arousal", "binary", "nominal", min=-1, max=1, values=(-1.0, 1.0)),
        dimension("mood", "category", "nominal", vocabulary="trompa11"),
    ),
)


def trompa_tables() -> Tables:
    rows = []
    judgments = [("a1", "t1", "r1", 1, 1, "joy"), ("a2", "t1", "r2", 1, -1, "tenderness"),
                 ("a3", "t2", "r1", -1, 1, "tension"), ("a4", "t2", "r3", -1, -1, "sadness")]  # fmt: skip
    for annotation_id, track, rater, valence, arousal, mood in judgments:
        rows += [(annotation_id, track, rater, "valence", valence, None),
                 (annotation_id, track, rater, "arousal", arousal, None),
                 (annotation_id, track, rater, "mood", None, mood)]  # fmt: skip
    return Tables(annotations=annotations(rows))


DEAM_INFO = Info(
    "deam",
    (
        dimension("valence", "likert", min=1, max=9, in_=("labels",)),
        dimension("arousal", "likert", min=1, max=9, in_=("labels",)),
    ),
)


def deam_tables() -> Tables:
    return Tables(
        labels=labels(
            [
                ("2", "valence", "mean", 3.1, None),
                ("2", "valence", "std", 0.94, None),
                ("2", "arousal", "mean", 3.0, None),
                ("2", "arousal", "std", 0.63, None),
                ("3", "valence", "mean", 6.0, None),
                ("3", "arousal", "mean", 5.0, None),
                ("4", "valence", "mean", 7.4, None),
                ("4", "arousal", "mean", 6.6, None),
            ]  # fmt: skip
        )
    )


FOURQ_INFO = Info(
    "4qaed",
    (
        dimension(
            "quadrant", "category", "nominal", vocabulary="russell_quadrants", in_=("labels",)
        ),
    ),
)


def fourq_tables() -> Tables:
    return Tables(
        labels=labels(
            [("MT1", "quadrant", "label", None, "Q1"), ("MT2", "quadrant", "label", None, "Q3")]
        )
    )


GEMS = (
    "amazement",
    "solemnity",
    "tenderness",
    "nostalgia",
    "calmness",
    "power",
    "joyful_activation",
    "tension",
    "sadness",
)
EMOTIFY_INFO = Info(
    "emotify",
    tuple(dimension(g, "binary", "nominal", min=0, max=1, vocabulary="gems9") for g in GEMS),
)


def emotify_tables() -> Tables:
    chosen = {"e1": {"power", "joyful_activation"}, "e2": {"nostalgia"}}
    rows = [
        (aid, "1", pd.NA, g, 1 if g in picks else 0, None)
        for aid, picks in chosen.items()
        for g in GEMS
    ]
    return Tables(annotations=annotations(rows))
