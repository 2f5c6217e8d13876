"""Label aggregation that models rater reliability, with majority vote and the mean as baselines.

Methods (categorical judgments: one label per rater and track, e.g. personal quadrants)
    ``"mean"``: per track, the mean of the raters' one-hot votes = the relative frequency of each
    label (the human consensus distribution); reliability: agreement with the per-track mode.
    ``"mv"``: majority vote (crowd-kit ``MajorityVote``); reliability: the same agreement.
    ``"ds"``: Dawid & Skene (1979), one confusion matrix per rater fitted by EM (crowd-kit
    ``DawidSkene``); reliability: the rater's probability of giving the true label,
    ``sum_c prior_c * P(answer c | truth c)``.
    ``"glad"``: Whitehill et al. (2009), rater expertise and item difficulty (crowd-kit
    ``GLAD``); reliability: the expertise ``alpha`` (log-odds scale; higher is better, < 0
    systematically wrong) -- not a probability.
    ``"mace"``: MACE, Hovy et al. (2013), "Learning whom to trust with MACE" (NAACL-HLT): each
    rater either knows the label (probability ``theta``, the competence) or "spams" from a
    rater-specific label distribution (crowd-kit ``MACE``, variational Bayes by default);
    reliability: the competence ``theta`` (a probability of *knowing*, so a rater who guesses
    uniformly over K classes is right with probability ``theta + (1 - theta) / K``).

Method names have readable aliases (:data:`ALIASES`: ``"dawid-skene"``, ``"majority"``, ...).

The EM models are crowd-kit's (Toloka; ``pip install 'mer-datasets[crowd]'``), not re-written
here: the wrapper only converts tables (``task, worker, label``) and names the outputs.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from .errors import PersonalizationError, require
from .labels import PersonalLabels, hard_labels

Method = Literal["mean", "mv", "ds", "glad", "mace"]
METHODS: tuple[str, ...] = ("mean", "mv", "ds", "glad", "mace")
#: Long names accepted wherever a method is named (``to_hf(soft_labels=...)``, ``aggregate``).
ALIASES: dict[str, str] = {
    "dawid-skene": "ds",
    "dawid_skene": "ds",
    "majority": "mv",
    "majority-vote": "mv",
    "frequency": "mean",
}


@dataclass(frozen=True)
class Aggregation:
    """``soft`` (track x label probabilities), ``labels`` (most probable) and ``reliability``."""

    method: str
    soft: pd.DataFrame
    labels: pd.Series
    reliability: pd.Series


def crowd_table(labels: PersonalLabels | pd.DataFrame) -> pd.DataFrame:
    """The ``task, worker, label`` table crowd-kit expects, from personal labels (hard only)."""
    if isinstance(labels, PersonalLabels) or "weight" in labels.columns:
        series = hard_labels(labels)
        frame = series.reset_index()
    else:
        frame = labels[["rater_id", "track_id", "label"]]
    table = pd.DataFrame(
        {
            "task": frame["track_id"].astype(str).to_numpy(),
            "worker": frame["rater_id"].astype(str).to_numpy(),
            "label": frame["label"].astype(str).to_numpy(),
        }
    )
    if table.empty:
        raise PersonalizationError("no labels to aggregate")
    return table


def _agreement_with_mode(table: pd.DataFrame, winners: pd.Series) -> pd.Series:
    hit = table["label"].to_numpy() == winners.reindex(table["task"]).to_numpy()
    return pd.Series(hit, index=table["worker"]).groupby(level=0).mean().rename("reliability")


def _frequencies(table: pd.DataFrame) -> pd.DataFrame:
    counts = pd.crosstab(table["task"], table["label"])
    return counts.div(counts.sum(axis=1), axis=0).astype(float)


def _tidy(soft: pd.DataFrame) -> pd.DataFrame:
    soft = soft.copy()
    soft.index = soft.index.astype(str).rename("track_id")
    soft.columns = [str(c) for c in soft.columns]
    return soft[sorted(soft.columns)].sort_index()


@contextmanager
def _quiet():
    """crowd-kit 1.4 calls pandas APIs that pandas 3 deprecates; its warnings are not the user's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def method_name(method: str) -> str:
    """The short name of ``method`` (an alias such as ``"dawid-skene"`` -> ``"ds"``), checked."""
    name = ALIASES.get(str(method).lower(), str(method).lower())
    if name not in METHODS:
        known = ", ".join([*METHODS, *ALIASES])
        raise PersonalizationError(f"aggregation method {method!r} is unknown; use one of {known}")
    return name


def _mace(aggregation, table: pd.DataFrame, n_iter: int, n_restarts: int, seed: int):
    """crowd-kit's MACE; reliability = the posterior probability of *knowing* (``spamming_[:,
    1]``: crowd-kit's E-step gives column 1 the weight of answering the true label), per worker
    in ``pd.factorize`` order as crowd-kit indexes them."""
    with _quiet():
        model = aggregation.MACE(n_iter=n_iter, n_restarts=n_restarts, random_state=seed)
        model.fit(table)
    soft = _tidy(model.probas_)
    workers = pd.factorize(table["worker"])[1].astype(str)
    competence = pd.Series(model.spamming_[:, 1], index=workers, name="reliability")
    return soft, competence.rename_axis("rater_id").sort_index()


def aggregate(
    labels: PersonalLabels | pd.DataFrame,
    *,
    method: Method | str = "ds",
    n_iter: int = 100,
    n_restarts: int = 1,
    seed: int = 0,
) -> Aggregation:
    """Aggregate per-rater categorical labels into per-track soft labels and rater reliability.

    ``n_restarts`` and ``seed`` are MACE's only: crowd-kit 1.4 seeds every restart with the same
    ``random_state``, so its default 10 restarts repeat one run (identical output, 10x the
    time); one restart is the default here, and a different ``seed`` is a different start.
    """
    method = method_name(method)
    table = crowd_table(labels)
    if method == "mean":
        soft = _tidy(_frequencies(table))
        winners = soft.idxmax(axis=1)
        return Aggregation(method, soft, winners, _agreement_with_mode(table, winners))
    aggregation = require("crowdkit.aggregation", "crowd")
    if method == "mv":
        with _quiet():
            model = aggregation.MajorityVote().fit(table)
        soft = _tidy(model.probas_)
        winners = model.labels_.astype(str)
        winners.index = winners.index.astype(str)
        return Aggregation(method, soft, winners, _agreement_with_mode(table, winners))
    if method == "ds":
        with _quiet():
            model = aggregation.DawidSkene(n_iter=n_iter).fit(table)
        soft = _tidy(model.probas_)
        errors = model.errors_
        priors = model.priors_
        reliability = {}
        for worker in sorted(table["worker"].unique()):
            rows = errors.loc[worker]
            reliability[worker] = float(
                sum(priors[c] * (rows.loc[c, c] if c in rows.index else 0.0) for c in priors.index)
            )
        series = pd.Series(reliability, name="reliability").rename_axis("rater_id")
        return Aggregation(method, soft, soft.idxmax(axis=1), series)
    if method == "mace":
        soft, competence = _mace(aggregation, table, n_iter, n_restarts, seed)
        return Aggregation(method, soft, soft.idxmax(axis=1), competence)
    with _quiet():
        model = aggregation.GLAD(n_iter=n_iter).fit(table)
    soft = _tidy(model.probas_)
    alphas = model.alphas_.rename("reliability").rename_axis("rater_id")
    alphas.index = alphas.index.astype(str)
    return Aggregation(method, soft, soft.idxmax(axis=1), alphas.sort_index())
