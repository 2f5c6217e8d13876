"""Which tracks to ask a listener about next: entropy ranking, balanced selection, random baseline.

Inputs are per-track class-probability tables (index ``track_id``, one column per class): the
human consensus of :func:`~.consensus.human_consensus` (HC), a model committee's mean predicted
probabilities (MC), or their mix (MIX, :func:`mix`). Higher entropy = more disagreement = asked
first (Gómez-Cañón et al., ISMIR 2021). Ties are broken by track id, so rankings are stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from .consensus import entropy
from .errors import PersonalizationError


def _probabilities(table: pd.DataFrame, classes: Sequence[str] | None) -> pd.DataFrame:
    if classes is None:
        classes = [c for c in table.columns if c not in ("entropy", "n")]
    if not classes:
        raise PersonalizationError("the probability table has no class columns")
    return table[list(classes)].astype(float)


def entropy_ranking(
    probabilities: pd.DataFrame,
    *,
    classes: Sequence[str] | None = None,
    exclude: Iterable[str] = (),
) -> pd.Series:
    """Entropy per track, highest first (ties by track id); ``exclude``: already-queried tracks."""
    p = _probabilities(probabilities, classes)
    p = p[~p.index.isin(list(exclude))]
    scores = pd.Series(entropy(p.to_numpy()), index=p.index.astype(str), name="entropy")
    frame = scores.rename_axis("track_id").reset_index()
    frame = frame.sort_values(["entropy", "track_id"], ascending=[False, True], kind="stable")
    return frame.set_index("track_id")["entropy"]


def select_queries(
    probabilities: pd.DataFrame,
    n: int,
    *,
    classes: Sequence[str] | None = None,
    exclude: Iterable[str] = (),
    balanced: bool = False,
) -> list[str]:
    """The ``n`` tracks to query next.

    ``balanced=False``: the top ``n`` of :func:`entropy_ranking`. ``balanced=True``: for each
    class in turn (round robin), the highest-entropy track whose most probable class it is, until
    ``n`` are chosen or no class has one left; then fill by global entropy.
    """
    if n < 0:
        raise PersonalizationError(f"n must be >= 0, got {n}")
    ranking = entropy_ranking(probabilities, classes=classes, exclude=exclude)
    if not balanced:
        return ranking.index[:n].tolist()
    p = _probabilities(probabilities, classes).copy()
    p.index = p.index.astype(str)
    top_class = p.loc[ranking.index].idxmax(axis=1)
    queues = {c: [t for t in ranking.index if top_class[t] == c] for c in p.columns}
    chosen: list[str] = []
    while len(chosen) < n and any(queues.values()):
        for c in p.columns:
            if queues[c] and len(chosen) < n:
                chosen.append(queues[c].pop(0))
    for track in ranking.index:
        if len(chosen) >= n:
            break
        if track not in chosen:
            chosen.append(track)
    return chosen


def random_queries(
    tracks: Iterable[str], n: int, *, seed: int, exclude: Iterable[str] = ()
) -> list[str]:
    """``n`` tracks drawn uniformly without replacement (seeded; order of ``tracks`` irrelevant)."""
    excluded = set(exclude)
    pool = sorted({str(t) for t in tracks} - excluded)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(pool))
    return [pool[i] for i in order[: max(n, 0)]]


def mix(first: pd.DataFrame, second: pd.DataFrame, *, weight: float = 0.5) -> pd.DataFrame:
    """``weight * first + (1 - weight) * second`` on the tracks and classes both tables share."""
    if not 0.0 <= weight <= 1.0:
        raise PersonalizationError(f"weight must be in [0, 1], got {weight}")
    a = _probabilities(first, None)
    b = _probabilities(second, None)
    classes = [c for c in a.columns if c in b.columns]
    index = a.index.intersection(b.index)
    return weight * a.loc[index, classes] + (1.0 - weight) * b.loc[index, classes]
