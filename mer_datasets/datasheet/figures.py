"""Figures of a datasheet, drawn from its numbers (PNG files next to the page).

Why from the numbers: a figure then shows exactly what the tables beside it say. Matplotlib is
imported lazily with the non-interactive Agg backend, so building a datasheet never needs a
display and ``import mer_datasets`` stays light. Every figure carries alt text that states what
it shows, for readers who cannot see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..dataset import MERDataset


@dataclass(frozen=True)
class Figure:
    """One PNG written next to the page: file name (relative), alt text, caption, section."""

    file: str
    alt: str
    caption: str
    section: str


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, directory: Path, name: str) -> str:
    plt = _pyplot()
    directory.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(directory / name, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return name


def rating_distribution_figure(
    sheet: dict[str, Any], directory: Path, prefix: str
) -> Figure | None:
    """Bars of each numeric dimension's judged values (discrete scales only)."""
    dists = {
        dim: d
        for dim, d in sheet["generated"]["rating_distributions"].items()
        if d.get("kind") == "discrete"
    }
    if not dists:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(dists), figsize=(3.2 * len(dists) + 1, 3), squeeze=False)
    for ax, (dim, dist) in zip(axes[0], dists.items()):
        values = [c["value"] for c in dist["counts"]]
        ax.bar([f"{v:g}" for v in values], [c["count"] for c in dist["counts"]], color="#4c72b0")
        ax.set_title(dim)
        ax.set_xlabel("value")
        ax.set_ylabel("judgments")
    name = _save(fig, directory, f"{prefix}rating-distributions.png")
    alt = "Bar charts of judged values per dimension: " + "; ".join(
        f"{dim}: " + ", ".join(f"{c['value']:g} ({c['count']})" for c in dist["counts"])
        for dim, dist in dists.items()
    )
    return Figure(
        name,
        alt,
        "Distribution of the judged values per numeric dimension.",
        "rating_distributions",
    )


def agreement_figure(sheet: dict[str, Any], directory: Path, prefix: str) -> Figure | None:
    """Agreement per dimension and rater group with bootstrap intervals as error bars."""
    agreement = sheet["generated"].get("agreement")
    if not agreement:
        return None
    rows = [
        {**r, "grouping": "all raters"} for r in agreement["overall"] if r.get("value") is not None
    ]
    for group in agreement["by_group"]:
        rows += [
            {**r, "grouping": group["column"]}
            for r in group["records"]
            if r.get("value") is not None and r.get("group") is not None
        ]
    # One metric per dimension keeps the plot readable: Krippendorff's alpha when reported.
    rows = [r for r in rows if "alpha" in str(r.get("metric"))] or rows
    if not rows:
        return None
    plt = _pyplot()
    labels = [
        f"{r['dimension']} · all raters"
        if not r.get("group")
        else f"{r['dimension']} · {r['grouping']}={r['group']}"
        for r in rows
    ]
    values = [r["value"] for r in rows]
    # A percentile interval need not contain the point estimate; the bar then starts at the point.
    low = [max(0.0, r["value"] - r["ci_low"]) if r.get("ci_low") is not None else 0 for r in rows]
    high = [
        max(0.0, r["ci_high"] - r["value"]) if r.get("ci_high") is not None else 0 for r in rows
    ]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    ax.errorbar(values, range(len(rows)), xerr=[low, high], fmt="o", color="#4c72b0", capsize=3)
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_xlabel("agreement (point estimate and bootstrap interval)")
    name = _save(fig, directory, f"{prefix}agreement.png")
    alt = (
        "Agreement per dimension and rater group with bootstrap confidence intervals: "
        + "; ".join(f"{label} {value:.2f}" for label, value in zip(labels[:20], values[:20]))
    )
    return Figure(
        name,
        alt,
        "Agreement per dimension and group, with bootstrap confidence intervals.",
        "agreement",
    )


def entropy_figure(sheet: dict[str, Any], directory: Path, prefix: str) -> Figure | None:
    """Histogram of per-item consensus entropy (natural log) per categorical dimension."""
    items = sheet["generated"].get("items") or {}
    entropies = {dim: v for dim, v in (items.get("entropies") or {}).items() if v}
    if not entropies:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(list(entropies.values()), bins=12, label=list(entropies), stacked=False)
    ax.set_xlabel("consensus entropy (nats)")
    ax.set_ylabel("items")
    ax.legend(fontsize=8)
    name = _save(fig, directory, f"{prefix}consensus-entropy.png")
    alt = "Histogram of per-item consensus entropy: " + "; ".join(
        f"{dim}: {len(v)} items, median {sorted(v)[len(v) // 2]:.2f} nats"
        for dim, v in entropies.items()
    )
    return Figure(
        name, alt, "Per-item consensus entropy (0 = every rater agrees).", "consensus_entropy"
    )


def av_scatter_figure(dataset: MERDataset, directory: Path, prefix: str) -> Figure | None:
    """Valence (x) against arousal (y), one point per track, where both dimensions exist."""
    from .build import av_points

    points = av_points(dataset)
    if points is None:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.scatter(points["valence"], points["arousal"], s=10, alpha=0.6, color="#4c72b0")
    ax.set_xlabel("valence")
    ax.set_ylabel("arousal")
    source = str(points["source"].iloc[0])
    name = _save(fig, directory, f"{prefix}arousal-valence.png")
    alt = (
        f"Scatter plot of {len(points)} tracks, valence on x and arousal on y ({source}); "
        f"valence {points['valence'].min():g} to {points['valence'].max():g}, "
        f"arousal {points['arousal'].min():g} to {points['arousal'].max():g}."
    )
    return Figure(name, alt, f"Arousal against valence per track ({source}).", "av_scatter")


def make_figures(
    sheet: dict[str, Any], dataset: MERDataset | None, directory: str | Path, *, prefix: str = ""
) -> list[Figure]:
    """Write every figure that applies into ``directory``; none when the data is unavailable."""
    if not sheet.get("generated") or dataset is None:
        return []
    directory = Path(directory)
    made = [
        rating_distribution_figure(sheet, directory, prefix),
        agreement_figure(sheet, directory, prefix),
        entropy_figure(sheet, directory, prefix),
        av_scatter_figure(dataset, directory, prefix),
    ]
    return [figure for figure in made if figure is not None]
