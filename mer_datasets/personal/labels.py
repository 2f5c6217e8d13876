"""Personal labels: one rater's label per track on a target space, with explicit policies.

Target spaces
    ``"quadrant"``: the Russell quadrant of the rater's own arousal/valence answers of one
    annotation record (Q1 A+V+, Q2 A+V-, Q3 A-V-, Q4 A-V+). Any other name is a categorical
    dimension of the annotations table (its ``label``, or its ``value`` as text), optionally
    mapped through ``mapping`` (e.g. emotion word -> quadrant).
    ``"rated_quadrant"``: for studies that rate emotion *words* on a scale instead of answering
    arousal/valence (the ISMIR 2020 agreement study: 11 words, 1-5 each), the quadrant whose
    words the rater rated highest on average in one annotation record. The words' quadrants
    come from ``vocabulary`` (default ``trompa11``: the ISMIR 2020 paper's grouping, Table 1 of
    Gómez-Cañón et al. 2020); only words placed wholly in one quadrant count. A tie between
    quadrants gives no label (``dropped["rating_tie"]``). This argmax-of-group-means rule is
    this toolkit's choice, not a rule published with the study: say so when reporting results.

Repeated judgments of one track by one rater (``repeats``)
    ``"first"`` / ``"last"`` by timestamp (then source order); ``"majority"`` sums the label
    distributions of the repeats and keeps the unique most frequent label (a tie is dropped);
    ``"drop"`` drops the (rater, track) pair altogether.

Answers on an axis (``on_axis``; an answer equal to the scale midpoint, e.g. 0 on [-1, 1])
    ``"missing"``: no label. ``"split"``: the judgment's weight is split equally between the
    adjacent quadrants (0.25 each at the origin), as in :mod:`mer_datasets.labels.quadrants`.
    ``"asymmetric"``: the boundary rule of the consensus-entropy study -- a value at or above the
    midpoint counts as positive (``arousal >= 0`` is high, ``valence >= 0`` is positive), so an
    axis answer always lands on the positive side. Source: Gómez-Cañón et al., "Let's agree to
    disagree: consensus entropy active learning for personalized music emotion recognition",
    ISMIR 2021, companion code ``juansgomez87/consensus-entropy`` (``deam_classifier.py`` @
    e4d92af, quadrant assignment of the DEAM pre-training data).

Nothing is dropped silently: :attr:`PersonalLabels.dropped` counts every judgment that gave no
label and why. TROMPA-MER answers are binary (-1/+1), so no answer lies on an axis there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from .errors import PersonalizationError

RepeatPolicy = Literal["first", "last", "majority", "drop"]
AxisPolicy = Literal["missing", "split", "asymmetric"]
REPEAT_POLICIES: tuple[str, ...] = ("first", "last", "majority", "drop")
AXIS_POLICIES: tuple[str, ...] = ("missing", "split", "asymmetric")
QUADRANTS: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4")
_BY_SIGNS = {(1, 1): "Q1", (1, -1): "Q2", (-1, -1): "Q3", (-1, 1): "Q4"}
COLUMNS = ["rater_id", "track_id", "label", "weight", "n_judgments"]


@dataclass(frozen=True)
class PersonalLabels:
    """Labels (``rater_id, track_id, label, weight, n_judgments``) and what gave no label."""

    table: pd.DataFrame
    dropped: dict[str, int] = field(default_factory=dict)
    target: str = "quadrant"

    @property
    def classes(self) -> list[str]:
        return sorted(self.table["label"].unique().tolist())


def _signs(value: float, midpoint: float, on_axis: str) -> tuple[int, ...]:
    if value > midpoint:
        return (1,)
    if value < midpoint:
        return (-1,)
    if on_axis == "asymmetric":
        return (1,)
    if on_axis == "split":
        return (1, -1)
    return ()


def quadrant_weights(
    arousal: float, valence: float, *, on_axis: AxisPolicy = "missing", midpoint: float = 0.0
) -> dict[str, float]:
    """Quadrant -> weight of one (arousal, valence) answer; empty when it has no quadrant.

    >>> quadrant_weights(1, -1)
    {'Q2': 1.0}
    >>> quadrant_weights(0, 1, on_axis="asymmetric")
    {'Q1': 1.0}
    >>> quadrant_weights(0, 1, on_axis="split")
    {'Q1': 0.5, 'Q4': 0.5}
    """
    if on_axis not in AXIS_POLICIES:
        raise PersonalizationError(f"on_axis={on_axis!r}: use one of {', '.join(AXIS_POLICIES)}")
    if pd.isna(arousal) or pd.isna(valence):
        return {}
    a_signs = _signs(float(arousal), midpoint, on_axis)
    v_signs = _signs(float(valence), midpoint, on_axis)
    if not a_signs or not v_signs:
        return {}
    share = 1.0 / (len(a_signs) * len(v_signs))
    weights: dict[str, float] = {}
    for a in a_signs:
        for v in v_signs:
            quadrant = _BY_SIGNS[(a, v)]
            weights[quadrant] = weights.get(quadrant, 0.0) + share
    return dict(sorted(weights.items()))


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("timestamp", "source_record", "annotation_id") if c in frame.columns]
    return frame.sort_values(keys, kind="stable", na_position="last")


def _quadrant_records(
    annotations: pd.DataFrame, on_axis: str, midpoint: float, dropped: dict[str, int]
) -> pd.DataFrame:
    av = annotations[annotations["dimension"].astype(str).isin(["arousal", "valence"])]
    if av.empty:
        raise PersonalizationError(
            "target 'quadrant' needs arousal and valence judgments; this table has none"
        )
    keys = ["annotation_id", "rater_id", "track_id"]
    extra = [c for c in ("timestamp", "source_record") if c in av.columns]
    wide = av.pivot_table(
        index=keys, columns=av["dimension"].astype(str), values="value", aggfunc="first"
    )
    wide = wide.reindex(columns=["arousal", "valence"])
    wide = wide.reset_index()
    if extra:
        first = av.groupby("annotation_id", observed=True)[extra].first().reset_index()
        wide = wide.merge(first, on="annotation_id", how="left")
    one_missing = wide["arousal"].isna() | wide["valence"].isna()
    if one_missing.any():
        dropped["missing_axis_answer"] = int(one_missing.sum())
    rows = []
    on_axis_count = 0
    for record in wide[~one_missing].itertuples(index=False):
        weights = quadrant_weights(
            record.arousal, record.valence, on_axis=on_axis, midpoint=midpoint
        )
        if not weights:
            on_axis_count += 1
            continue
        rows.append({**record._asdict(), "weights": weights})
    if on_axis_count:
        dropped["on_axis"] = on_axis_count
    return pd.DataFrame(rows, columns=[*wide.columns, "weights"])


def _word_quadrants(vocabulary: str) -> dict[str, str]:
    """Word -> quadrant for the words a vocabulary places wholly in one quadrant."""
    from ..labels.vocabulary import load_vocabulary

    out: dict[str, str] = {}
    for category in load_vocabulary(vocabulary):
        shares = {q: p for q, p in (category.distribution or {}).items() if p > 0}
        if len(shares) == 1:
            out[category.id] = next(iter(shares))
    return out


def _rated_quadrant_records(
    annotations: pd.DataFrame, vocabulary: str, dropped: dict[str, int]
) -> pd.DataFrame:
    words = _word_quadrants(vocabulary)
    rated = annotations[annotations["dimension"].astype(str).isin(list(words))]
    rated = rated[rated["value"].notna()]
    if rated.empty:
        raise PersonalizationError(
            f"target 'rated_quadrant' needs ratings of the {vocabulary} words "
            f"({', '.join(sorted(words))}); this table has none"
        )
    keys = ["annotation_id", "rater_id", "track_id"]
    extra = [c for c in ("timestamp", "source_record") if c in rated.columns]
    quadrant = rated["dimension"].astype(str).map(words)
    means = (
        rated.assign(quadrant=quadrant, value=rated["value"].astype(float))
        .groupby([*keys, "quadrant"], observed=True)["value"]
        .mean()
        .unstack("quadrant")
    )
    top = means.max(axis=1)
    winners = means.eq(top, axis=0).sum(axis=1)
    tie = winners > 1
    if tie.any():
        dropped["rating_tie"] = int(tie.sum())
    best = means[~tie].idxmax(axis=1)
    frame = best.rename("quadrant").reset_index()
    if extra:
        first = rated.groupby("annotation_id", observed=True)[extra].first().reset_index()
        frame = frame.merge(first, on="annotation_id", how="left")
    frame["weights"] = [{q: 1.0} for q in frame["quadrant"]]
    return frame.drop(columns="quadrant")


def _categorical_records(
    annotations: pd.DataFrame,
    target: str,
    mapping: Mapping[str, str] | None,
    dropped: dict[str, int],
) -> pd.DataFrame:
    rows = annotations[annotations["dimension"].astype(str) == target]
    if rows.empty:
        raise PersonalizationError(f"no judgments of dimension {target!r} in the annotations")
    text = rows["label"].astype("string")
    if "value" in rows.columns:
        numeric = (
            rows["value"]
            .astype("Float64")
            .map(lambda v: None if pd.isna(v) else format(float(v), "g"))
        )
        text = text.fillna(numeric.astype("string"))
    if mapping is not None:
        unmapped = text.notna() & ~text.isin(list(mapping))
        if unmapped.any():
            dropped["unmapped_label"] = int(unmapped.sum())
        text = text.map(lambda t: mapping.get(t) if isinstance(t, str) else None)
    empty = text.isna()
    if empty.any() and mapping is None:
        dropped["no_label"] = int(empty.sum())
    keep = rows[~text.isna()].copy()
    keep["weights"] = [{str(t): 1.0} for t in text[~text.isna()]]
    return keep


def personal_labels(
    annotations: pd.DataFrame,
    *,
    target: str = "quadrant",
    repeats: RepeatPolicy = "last",
    on_axis: AxisPolicy = "missing",
    midpoint: float = 0.0,
    mapping: Mapping[str, str] | None = None,
    raters: list[str] | None = None,
    vocabulary: str = "trompa11",
) -> PersonalLabels:
    """Each rater's label per track (one row per label; ``weight`` < 1 only under ``split``).

    ``annotations`` is a dataset's annotations table; ``raters`` restricts the output.
    ``midpoint`` is the axis value of the answer scale (0 for TROMPA-MER's -1/+1 answers).
    ``vocabulary`` places the rated words in quadrants (target ``"rated_quadrant"`` only).
    """
    if repeats not in REPEAT_POLICIES:
        raise PersonalizationError(f"repeats={repeats!r}: use one of {', '.join(REPEAT_POLICIES)}")
    if on_axis not in AXIS_POLICIES:
        raise PersonalizationError(f"on_axis={on_axis!r}: use one of {', '.join(AXIS_POLICIES)}")
    if raters is not None:
        annotations = annotations[annotations["rater_id"].astype(str).isin(raters)]
    dropped: dict[str, int] = {}
    if target == "quadrant":
        records = _quadrant_records(annotations, on_axis, midpoint, dropped)
    elif target == "rated_quadrant":
        records = _rated_quadrant_records(annotations, vocabulary, dropped)
    else:
        records = _categorical_records(annotations, target, mapping, dropped)
    records = _ordered(records)
    out: list[dict] = []
    for (rater, track), group in records.groupby(
        ["rater_id", "track_id"], sort=True, observed=True
    ):
        n = len(group)
        if n > 1 and repeats == "drop":
            dropped["repeat_dropped"] = dropped.get("repeat_dropped", 0) + n
            continue
        if n == 1 or repeats in ("first", "last"):
            weights = group["weights"].iloc[0 if repeats == "first" else -1]
        else:  # majority
            total: dict[str, float] = {}
            for w in group["weights"]:
                for label, share in w.items():
                    total[label] = total.get(label, 0.0) + share
            top = max(total.values())
            winners = [label for label, share in total.items() if share == top]
            if len(winners) > 1:
                dropped["repeat_tie"] = dropped.get("repeat_tie", 0) + n
                continue
            weights = {winners[0]: 1.0}
        for label, share in weights.items():
            out.append(
                {
                    "rater_id": str(rater),
                    "track_id": str(track),
                    "label": label,
                    "weight": float(share),
                    "n_judgments": n,
                }
            )
    table = pd.DataFrame(out, columns=COLUMNS)
    table["n_judgments"] = table["n_judgments"].astype("int64")
    table["weight"] = table["weight"].astype("float64")
    return PersonalLabels(table=table, dropped=dropped, target=target)


def hard_labels(labels: PersonalLabels | pd.DataFrame) -> pd.Series:
    """One label per (rater, track) (the largest weight; split ties give no label)."""
    table = labels.table if isinstance(labels, PersonalLabels) else labels
    top = table.groupby(["rater_id", "track_id"])["weight"].transform("max")
    best = table[table["weight"] == top]
    counts = best.groupby(["rater_id", "track_id"])["label"].transform("size")
    return best[counts == 1].set_index(["rater_id", "track_id"])["label"]
