"""The one-screen summary of a datasheet: what the data is, who judged, how much they agreed.

Why a separate module: the summary is the part a reader acts on ("can I use these labels as
ground truth?"), so its readings follow named, cited conventions kept as data here, and the
choices it makes (which groups differ most) are plain functions tested on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: Conventions for reading an agreement coefficient: (metric prefix, citation, [(lower bound,
#: word)] from the top). A value at or above a bound gets its word.
CONVENTIONS: tuple[tuple[str, str, tuple[tuple[float, str], ...]], ...] = (
    (
        "krippendorff_alpha",
        "Krippendorff 2004: α ≥ .800 reliable, .667–.800 tentative conclusions only, "
        "below .667 unreliable",
        ((0.800, "reliable"), (0.667, "tentative"), (float("-inf"), "unreliable")),
    ),
    (
        "fleiss_kappa",
        "Landis & Koch 1977: > .80 almost perfect, .61–.80 substantial, .41–.60 moderate, "
        ".21–.40 fair, .00–.20 slight, < 0 poor",
        (
            (0.805, "almost perfect"),
            (0.605, "substantial"),
            (0.405, "moderate"),
            (0.205, "fair"),
            (0.0, "slight"),
            (float("-inf"), "poor"),
        ),
    ),
    (
        "icc",
        "Koo & Li 2016: > .90 excellent, .75–.90 good, .50–.75 moderate, < .50 poor",
        ((0.90, "excellent"), (0.75, "good"), (0.50, "moderate"), (float("-inf"), "poor")),
    ),
)

#: Krippendorff's threshold for tentative conclusions: below it labels are not a ground truth.
TENTATIVE_ALPHA = 0.667
RELIABLE_ALPHA = 0.800


def convention(metric: str) -> tuple[str, tuple[tuple[float, str], ...]] | None:
    """(citation, bands) of the convention for ``metric`` (None when none is named)."""
    for prefix, citation, bands in CONVENTIONS:
        if str(metric).lower().startswith(prefix):
            return citation, bands
    return None


def reading(metric: str, value: float | None) -> str:
    """The conventional word for ``value`` of ``metric`` ("unreliable", "fair", ...)."""
    found = convention(metric)
    if value is None:
        return "not computable"
    if found is None:
        return ""
    for bound, word in found[1]:
        if value >= bound:
            return word
    return found[1][-1][1]  # pragma: no cover - the last bound is -inf


def main_metric_records(records: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One record per dimension: Krippendorff's alpha when reported, else the first metric."""
    chosen: dict[str, Mapping[str, Any]] = {}
    for record in records:
        if record.get("group") not in (None, "", "all"):
            continue
        dim = str(record.get("dimension"))
        if "_test" in str(record.get("metric")) or "kruskal" in str(record.get("metric")):
            continue
        current = chosen.get(dim)
        is_alpha = str(record.get("metric")) == "krippendorff_alpha"
        if current is None or (is_alpha and current.get("metric") != "krippendorff_alpha"):
            chosen[dim] = record
    return list(chosen.values())


def fmt_interval(record: Mapping[str, Any]) -> str:
    """``0.123 (0.101 to 0.140)``: the point estimate and its interval, three decimals."""
    value = record.get("value")
    if value is None:
        return "–"
    low, high = record.get("ci_low"), record.get("ci_high")
    if low is None or high is None:
        return f"{value:.3f}"
    return f"{value:.3f} ({low:.3f} to {high:.3f})"


def group_differences(agreement: Mapping[str, Any], *, top: int = 3) -> list[dict[str, Any]]:
    """The (grouping column, dimension) pairs whose groups differ most in the main metric.

    Spread is the largest minus the smallest group value; the intervals of the two extreme
    groups are returned so the reader sees whether the difference is beyond resampling noise.
    """
    out: list[dict[str, Any]] = []
    for grouping in agreement.get("by_group") or []:
        by_dim: dict[str, list[Mapping[str, Any]]] = {}
        for record in grouping.get("records") or []:
            if record.get("group") is None or record.get("value") is None:
                continue
            if str(record.get("metric")) != "krippendorff_alpha":
                continue
            by_dim.setdefault(str(record["dimension"]), []).append(record)
        for dim, records in by_dim.items():
            if len(records) < 2:
                continue
            low = min(records, key=lambda r: r["value"])
            high = max(records, key=lambda r: r["value"])
            overlap = None
            if None not in (low.get("ci_high"), high.get("ci_low")):
                overlap = bool(low["ci_high"] >= high["ci_low"])
            out.append(
                {
                    "column": grouping["column"],
                    "dimension": dim,
                    "spread": float(high["value"] - low["value"]),
                    "low": low,
                    "high": high,
                    "intervals_overlap": overlap,
                }
            )
    out.sort(key=lambda d: -d["spread"])
    return out[:top]


def ground_truth_advice(records: Sequence[Mapping[str, Any]]) -> str:
    """What the agreement means for using the published labels as ground truth."""
    alphas = {
        str(r["dimension"]): r["value"]
        for r in records
        if str(r.get("metric")) == "krippendorff_alpha" and r.get("value") is not None
    }
    if not alphas:
        return (
            "Agreement could not be computed, so nothing here tells how far the labels reflect "
            "a shared judgment."
        )
    reliable = sorted(d for d, v in alphas.items() if v >= RELIABLE_ALPHA)
    tentative = sorted(d for d, v in alphas.items() if TENTATIVE_ALPHA <= v < RELIABLE_ALPHA)
    weak = sorted(d for d, v in alphas.items() if v < TENTATIVE_ALPHA)
    parts: list[str] = []
    if weak and not reliable and not tentative:
        return (
            f"No dimension reaches α = {TENTATIVE_ALPHA}, Krippendorff's minimum even for "
            "tentative conclusions: one aggregated label does not stand for these listeners. Use "
            "the per-rater judgments (soft labels, distributions, per-group labels) and report "
            "this agreement next to model scores."
        )
    if reliable:
        parts.append(f"{', '.join(reliable)}: reliable enough to be used as ground truth.")
    if tentative:
        parts.append(f"{', '.join(tentative)}: usable for tentative conclusions only.")
    if weak:
        parts.append(
            f"{', '.join(weak)}: listeners disagree too much for one aggregated label to stand "
            "for them; prefer the per-rater judgments (soft labels, rating distributions, or "
            "per-group labels), and report this agreement as the ceiling next to model scores."
        )
    return " ".join(parts)
