"""Consensus-entropy active learning for personalized MER, simulated per rater.

The method (Gómez-Cañón et al., "Let's agree to disagree", ISMIR 2021): for each listener, a
committee pre-trained on *other* listeners' labels is refined with the listener's own labels,
``epochs`` rounds of ``queries`` tracks each, chosen from the listener's training tracks by

* ``hc`` -- highest human consensus entropy among the other raters,
* ``mc`` -- highest entropy of the committee's mean predicted probabilities,
* ``mix`` -- highest entropy of the average of both distributions,
* ``rand`` -- uniformly at random (the baseline).

After every round each model is retrained (pre-training data + the listener's queried labels)
and scored on the listener's held-out tracks by weighted F1. Scaling is fitted on each
training set only; every random choice is seeded from ``(seed, rater)``. Models are any
scikit-learn classifiers with ``predict_proba`` (``pip install 'mer-datasets[learn]'``).

Outputs: a tidy results table (one row per rater, strategy, model, epoch), learning curves with
95 % t-intervals over raters (:func:`learning_curves`), and paired comparisons of every strategy
with ``rand`` (:func:`compare_with_random`): two-sided Wilcoxon signed-rank tests over raters on
the mean F1 of epochs 1..E (the area under the learning curve), Holm-corrected over all
comparisons of one call.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .consensus import human_consensus
from .errors import PersonalizationError, require
from .labels import PersonalLabels, hard_labels
from .query import mix, random_queries, select_queries
from .splits import per_user_splits

STRATEGIES: tuple[str, ...] = ("hc", "mc", "mix", "rand")
#: Spotify audio features TROMPA-MER's summary.csv publishes per track (popularity is not audio)
SPOTIFY_FEATURES: tuple[str, ...] = (
    "spotify_danceability", "spotify_energy", "spotify_valence", "spotify_key",
    "spotify_loudness", "spotify_mode", "spotify_speechiness", "spotify_acousticness",
    "spotify_instrumentalness", "spotify_liveness", "spotify_tempo",
)  # fmt: skip


def default_committee(seed: int) -> dict[str, Callable[[], Any]]:
    """Logistic regression, Gaussian naive Bayes and extra trees (a small, fast committee)."""
    require("sklearn", "learn")
    from sklearn.ensemble import ExtraTreesClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB

    return {
        "logreg": lambda: LogisticRegression(max_iter=1000),
        "gnb": lambda: GaussianNB(),
        "extratrees": lambda: ExtraTreesClassifier(
            n_estimators=30, min_samples_leaf=3, random_state=seed, n_jobs=1
        ),
    }


def track_features(tracks: pd.DataFrame, name: str = "spotify") -> tuple[pd.DataFrame, int]:
    """Numeric features per track (index ``track_id``) and how many tracks lacked them.

    ``name="spotify"``: :data:`SPOTIFY_FEATURES`; any other name: every numeric column whose
    name starts with ``name``.
    """
    if name == "spotify":
        columns = [c for c in SPOTIFY_FEATURES if c in tracks.columns]
    else:
        columns = [
            c for c in tracks.columns
            if c.startswith(name) and pd.api.types.is_numeric_dtype(tracks[c])
        ]  # fmt: skip
    if not columns:
        raise PersonalizationError(f"the tracks table has no numeric feature columns for {name!r}")
    frame = tracks.set_index(tracks["track_id"].astype(str))[columns].astype(float)
    complete = frame.dropna()
    return complete, len(frame) - len(complete)


def dataset_features(
    dataset: Any, name: str = "spotify", *, summary: str = "mean"
) -> tuple[pd.DataFrame, int]:
    """Numeric features per track of a loaded dataset, and how many of its tracks lack them.

    A feature set the catalog declares as an asset group (e.g. the ISMIR 2020 study's
    ``opensmile``: 260 openSMILE features per 5 s frame) comes from ``dataset.features(name,
    summary=summary)``: frame-level features summarised per track (``mean`` by default; one of
    :data:`mer_datasets.assets.features.SUMMARIES`). Any other name is looked up in the tracks
    table by :func:`track_features`. Features missing for every track are left out; a track
    missing any remaining feature is left out and counted.
    """
    version = dataset.info.version(dataset.version)
    group = version.assets.get(name)
    if group is None or group.kind != "features":
        return track_features(dataset.tracks, name)
    table = dataset.features(name, summary=summary)
    frame = table.set_index(table["track_id"].astype(str))
    frame = frame.drop(columns=["track_id", "n_frames"], errors="ignore").astype(float)
    frame = frame.dropna(axis=1, how="all")
    complete = frame.dropna()
    all_tracks = set(dataset.tracks["track_id"].astype(str))
    return complete, len(all_tracks - set(complete.index))


@dataclass(frozen=True)
class Simulation:
    """``results`` (tidy scores) and ``queries`` (which track each round asked for)."""

    results: pd.DataFrame
    queries: pd.DataFrame
    parameters: dict[str, Any]


def _rng_seed(seed: int, *keys: str) -> int:
    return int(
        np.random.default_rng([seed, *(zlib.crc32(k.encode()) for k in keys)]).integers(2**31)
    )


class _Committee:
    def __init__(self, factories: Mapping[str, Callable[[], Any]], classes: list[str]) -> None:
        self.factories = factories
        self.classes = classes
        self.fitted: dict[str, tuple[Any, Any]] = {}

    def fit(self, x: np.ndarray, y: np.ndarray) -> None:
        from sklearn.preprocessing import StandardScaler

        for name, factory in self.factories.items():
            scaler = StandardScaler().fit(x)  # fitted on this training set only
            self.fitted[name] = (scaler, factory().fit(scaler.transform(x), y))

    def proba(self, x: np.ndarray) -> np.ndarray:
        """Mean over models of P(class), columns in ``self.classes`` order."""
        total = np.zeros((len(x), len(self.classes)))
        for scaler, model in self.fitted.values():
            p = model.predict_proba(scaler.transform(x))
            for j, c in enumerate(model.classes_):
                total[:, self.classes.index(c)] += p[:, j]
        return total / len(self.fitted)

    def scores(self, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        from sklearn.metrics import f1_score

        return {
            name: float(
                f1_score(y, model.predict(scaler.transform(x)), average="weighted", zero_division=0)
            )
            for name, (scaler, model) in self.fitted.items()
        }


def simulate(
    labels: PersonalLabels | pd.DataFrame,
    features: pd.DataFrame,
    *,
    raters: Iterable[str],
    strategies: Iterable[str] = STRATEGIES,
    epochs: int = 5,
    queries: int = 5,
    test_size: float | int = 0.25,
    seed: int = 0,
    committee: Mapping[str, Callable[[], Any]] | None = None,
    mix_weight: float = 0.5,
    blas_threads: int | None = 1,
) -> Simulation:
    """Run the simulation for each rater in ``raters`` (see the module docstring).

    ``blas_threads`` caps the BLAS/OpenMP threads of numpy and scikit-learn during the run
    (``threadpoolctl``; ``None`` leaves them alone). Why 1 by default: the matrices are small
    (thousands of rows), so threads save little, and on a busy machine oversubscribed BLAS
    threads made one logistic-regression fit on the ISMIR 2020 features 34x slower (61 s
    instead of 1.8 s at load average 13 on 2 CPUs). Results do not depend on it.
    """
    if blas_threads is None:
        return _simulate(
            labels, features, raters=raters, strategies=strategies, epochs=epochs,
            queries=queries, test_size=test_size, seed=seed, committee=committee,
            mix_weight=mix_weight,
        )  # fmt: skip
    require("sklearn", "learn")
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=blas_threads):
        return _simulate(
            labels, features, raters=raters, strategies=strategies, epochs=epochs,
            queries=queries, test_size=test_size, seed=seed, committee=committee,
            mix_weight=mix_weight,
        )  # fmt: skip


def _simulate(
    labels: PersonalLabels | pd.DataFrame,
    features: pd.DataFrame,
    *,
    raters: Iterable[str],
    strategies: Iterable[str],
    epochs: int,
    queries: int,
    test_size: float | int,
    seed: int,
    committee: Mapping[str, Callable[[], Any]] | None,
    mix_weight: float,
) -> Simulation:
    strategies = list(strategies)
    unknown = set(strategies) - set(STRATEGIES)
    if unknown:
        raise PersonalizationError(
            f"unknown strategy {sorted(unknown)}; use {', '.join(STRATEGIES)}"
        )
    if epochs < 1 or queries < 1:
        raise PersonalizationError("epochs and queries must be >= 1")
    committee = dict(committee) if committee is not None else default_committee(seed)
    hard = hard_labels(labels).reset_index()
    hard = hard[hard["track_id"].isin(features.index)]
    classes = sorted(hard["label"].unique())
    raters = sorted(set(raters))
    missing = set(raters) - set(hard["rater_id"])
    if missing:
        raise PersonalizationError(
            f"rater(s) {sorted(missing)[:5]} have no labelled tracks with features"
        )
    splits = per_user_splits(hard, seed=seed, test_size=test_size, raters=raters).splits
    rows: list[dict[str, Any]] = []
    asked: list[dict[str, Any]] = []
    for rater in raters:
        own = hard[hard["rater_id"] == rater].set_index("track_id")["label"]
        train_pool, test = splits[rater]["train"], splits[rater]["test"]
        others = hard[(hard["rater_id"] != rater) & ~hard["track_id"].isin(test)]
        x0 = features.loc[others["track_id"]].to_numpy()
        y0 = others["label"].to_numpy()
        x_test, y_test = features.loc[test].to_numpy(), own.loc[test].to_numpy()
        consensus = human_consensus(others, classes=classes)
        base = _Committee(committee, classes)
        base.fit(x0, y0)
        base_scores = base.scores(x_test, y_test)
        for strategy in strategies:
            for name, value in base_scores.items():
                rows.append(_row(rater, strategy, name, 0, 0, value))
            current, queried = base, []
            for epoch in range(1, epochs + 1):
                pool = [t for t in train_pool if t not in queried]
                if not pool:
                    break
                chosen = _choose(
                    strategy, pool, queries, current, features, consensus, classes,
                    _rng_seed(seed, rater, strategy, str(epoch)), mix_weight,
                )  # fmt: skip
                queried += chosen
                asked += [
                    {"rater_id": rater, "strategy": strategy, "epoch": epoch, "track_id": t}
                    for t in chosen
                ]
                x = np.vstack([x0, features.loc[queried].to_numpy()])
                y = np.concatenate([y0, own.loc[queried].to_numpy()])
                current = _Committee(committee, classes)
                current.fit(x, y)
                for name, value in current.scores(x_test, y_test).items():
                    rows.append(_row(rater, strategy, name, epoch, len(queried), value))
    results = pd.DataFrame(rows)
    parameters = {
        "strategies": strategies, "epochs": epochs, "queries": queries, "test_size": test_size,
        "seed": seed, "models": list(committee), "classes": classes, "mix_weight": mix_weight,
    }  # fmt: skip
    return Simulation(results, pd.DataFrame(asked), parameters)


def _row(rater: str, strategy: str, model: str, epoch: int, n: int, value: float) -> dict:
    return {
        "rater_id": rater, "strategy": strategy, "model": model, "epoch": epoch,
        "n_queried": n, "metric": "f1_weighted", "value": value,
    }  # fmt: skip


def _choose(strategy, pool, n, committee, features, consensus, classes, seed, weight) -> list[str]:
    if strategy == "rand":
        return random_queries(pool, n, seed=seed)
    mc = pd.DataFrame(committee.proba(features.loc[pool].to_numpy()), index=pool, columns=classes)
    # a pool track no other rater labelled has no consensus: entropy 0 (asked last)
    hc = consensus.reindex(pool)[classes]
    hc = hc.fillna(pd.DataFrame(np.eye(len(classes))[[0] * len(pool)], index=pool, columns=classes))
    table = {"hc": hc, "mc": mc, "mix": mix(hc, mc, weight=weight) if strategy == "mix" else None}
    return select_queries(table[strategy], n)


# -- report -----------------------------------------------------------------------------------


def learning_curves(results: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean per strategy, model and epoch over raters, with a t-interval (``low``, ``high``)."""
    from scipy import stats

    grouped = results.groupby(["strategy", "model", "epoch"])["value"]
    curves = grouped.agg(mean="mean", sd="std", n="count").reset_index()
    half = stats.t.ppf(0.5 + confidence / 2, curves["n"] - 1) * curves["sd"] / np.sqrt(curves["n"])
    curves["low"] = curves["mean"] - half
    curves["high"] = curves["mean"] + half
    return curves


def holm(p_values: Iterable[float]) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values: ``max_{j<=i} min(1, (m - j) p_(j))``."""
    p = np.asarray(list(p_values), dtype=float)
    order = np.argsort(p, kind="stable")
    adjusted = np.minimum(1.0, np.maximum.accumulate((len(p) - np.arange(len(p))) * p[order]))
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out


def compare_with_random(results: pd.DataFrame) -> pd.DataFrame:
    """Each strategy vs ``rand``, per model: paired Wilcoxon over raters on mean F1 of epochs >= 1."""
    from scipy import stats

    learning = results[results["epoch"] >= 1]
    area = learning.groupby(["strategy", "model", "rater_id"])["value"].mean()
    rows = []
    for strategy in sorted(set(results["strategy"]) - {"rand"}):
        for model in sorted(set(results["model"])):
            try:
                a = area.loc[(strategy, model)]
                b = area.loc[("rand", model)]
            except KeyError:
                continue
            paired = pd.concat([a, b], axis=1, join="inner").dropna()
            diff = paired.iloc[:, 0] - paired.iloc[:, 1]
            if len(diff) == 0 or (diff == 0).all():
                p = 1.0
            else:
                p = float(
                    stats.wilcoxon(diff, zero_method="wilcox", alternative="two-sided").pvalue
                )
            rows.append(
                {"strategy": strategy, "baseline": "rand", "model": model, "n_raters": len(diff),
                 "mean_difference": float(diff.mean()) if len(diff) else float("nan"), "p_value": p}
            )  # fmt: skip
    table = pd.DataFrame(rows)
    if len(table):
        table["p_holm"] = holm(table["p_value"])
    return table


def report_text(simulation: Simulation) -> str:
    """A short plain-text report: final-epoch means with 95 % intervals, then the comparisons."""
    curves = learning_curves(simulation.results)
    last = curves[curves["epoch"] == curves["epoch"].max()]
    lines = ["weighted F1 at the last epoch (mean over raters, 95% t-interval):"]
    for r in last.itertuples(index=False):
        lines.append(
            f"  {r.strategy:5s} {r.model:11s} {r.mean:.3f} [{r.low:.3f}, {r.high:.3f}] n={r.n}"
        )
    comparisons = compare_with_random(simulation.results)
    if len(comparisons):
        lines.append("vs rand (Wilcoxon signed-rank on mean F1 over epochs, Holm-corrected):")
        for c in comparisons.itertuples(index=False):
            lines.append(
                f"  {c.strategy:5s} {c.model:11s} diff {c.mean_difference:+.3f} "
                f"p={c.p_value:.3g} p_holm={c.p_holm:.3g} n={c.n_raters}"
            )
    return "\n".join(lines) + "\n"


def run_cli(args: Any, dataset: Any, labels: PersonalLabels) -> int:
    """``mer-datasets personalize``: select raters, simulate, print the report, write the table."""
    import json
    import sys

    features, lacking = dataset_features(
        dataset, args.features, summary=getattr(args, "summary", "mean")
    )
    raters = sorted(set(labels.table["rater_id"]))
    if args.max_raters:
        counts = labels.table.groupby("rater_id")["track_id"].nunique()
        raters = sorted(counts.sort_values(ascending=False, kind="stable").index[: args.max_raters])
    simulation = simulate(
        labels, features, raters=raters, strategies=args.strategy or STRATEGIES,
        epochs=args.epochs, queries=args.queries, test_size=args.test_size, seed=args.seed,
    )  # fmt: skip
    if args.out:
        if str(args.out).endswith(".parquet"):
            simulation.results.to_parquet(args.out, index=False)
        else:
            simulation.results.to_csv(args.out, index=False)
    if args.json:
        document = {
            "parameters": simulation.parameters,
            "curves": learning_curves(simulation.results).to_dict(orient="records"),
            "comparisons": compare_with_random(simulation.results).to_dict(orient="records"),
        }
        sys.stdout.write(json.dumps(document, indent=2, default=float) + "\n")
        return 0
    sys.stdout.write(
        f"{dataset.id} {dataset.version}: {len(raters)} rater(s), {len(features)} tracks with "
        f"{args.features} features ({lacking} without)\n"
    )
    sys.stdout.write(report_text(simulation))
    return 0
