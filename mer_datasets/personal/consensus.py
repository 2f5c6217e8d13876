"""Human consensus: per track, the distribution of labels over a rater population, and its entropy.

For one track, the relative frequency of each label among the raters in the population who
labelled it, and the Shannon entropy ``H = -sum p log p`` with the natural logarithm. All raters
in one quadrant give 0; raters spread evenly over four quadrants give ln 4 = 1.386; half Q2 and
half Q4 give ln 2 = 0.693. The consensus-entropy method (Gómez-Cañón et al., ISMIR 2021) asks a
listener first about the tracks with the highest entropy, computed from *other* listeners: use
``exclude`` for the all-but-target population and ``tracks`` for the target's training tracks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .errors import PersonalizationError
from .labels import PersonalLabels


def entropy(probabilities: pd.DataFrame | np.ndarray) -> np.ndarray:
    """Shannon entropy (natural log) of each row of a probability table; 0 log 0 = 0.

    >>> round(float(entropy(np.array([[0.25, 0.25, 0.25, 0.25]]))[0]), 3)
    1.386
    """
    p = np.asarray(probabilities, dtype=float)
    if p.ndim == 1:
        p = p[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return terms.sum(axis=1)


def human_consensus(
    labels: PersonalLabels | pd.DataFrame,
    *,
    population: Iterable[str] | None = None,
    exclude: Iterable[str] | str | None = None,
    tracks: Iterable[str] | None = None,
    classes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per-track label distribution, ``entropy`` (nats) and ``n`` (raters counted).

    ``labels`` is the output of :func:`~.labels.personal_labels` (one row per rater, track and
    label, with a ``weight``; each rater contributes total weight 1 per track). ``population``
    keeps only those raters (default: all), ``exclude`` removes raters (e.g. the target rater),
    ``tracks`` keeps only those tracks, ``classes`` fixes the columns (default: labels present).
    Index: ``track_id``; columns: one per class, then ``entropy`` and ``n``.
    """
    table = labels.table if isinstance(labels, PersonalLabels) else labels
    missing = {"rater_id", "track_id", "label"} - set(table.columns)
    if missing:
        raise PersonalizationError(f"labels table lacks column(s) {sorted(missing)}")
    if "weight" not in table.columns:
        table = table.assign(weight=1.0)
    if population is not None:
        table = table[table["rater_id"].isin(list(population))]
    if exclude is not None:
        excluded = [exclude] if isinstance(exclude, str) else list(exclude)
        table = table[~table["rater_id"].isin(excluded)]
    if tracks is not None:
        table = table[table["track_id"].isin(list(tracks))]
    all_classes = list(classes) if classes is not None else sorted(table["label"].unique())
    unknown = set(table["label"]) - set(all_classes)
    if unknown:
        raise PersonalizationError(f"labels {sorted(unknown)} are not among classes {all_classes}")
    mass = table.pivot_table(
        index="track_id", columns="label", values="weight", aggfunc="sum", fill_value=0.0
    ).reindex(columns=all_classes, fill_value=0.0)
    n = table.groupby("track_id")["rater_id"].nunique().reindex(mass.index)
    distribution = mass.div(mass.sum(axis=1), axis=0)
    distribution.columns = [str(c) for c in distribution.columns]
    distribution.columns.name = None
    distribution["entropy"] = entropy(distribution[[str(c) for c in all_classes]].to_numpy())
    distribution["n"] = n.astype("int64")
    return distribution
