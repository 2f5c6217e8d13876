"""Figures of a datasheet, drawn from its numbers (PNG files next to the page).

Why from the numbers: a figure then shows exactly what the tables beside it say. Matplotlib is
imported lazily with the non-interactive Agg backend, so building a datasheet never needs a
display and ``import mer_datasets`` stays light. Every figure carries alt text that states what
it shows, for readers who cannot see it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .fonts import drawable, quiet_fonts

if TYPE_CHECKING:  # pragma: no cover
    from ..dataset import MERDataset


@dataclass(frozen=True)
class Figure:
    """One PNG written next to the page: file name (relative), alt text, caption, section."""

    file: str
    alt: str
    caption: str
    section: str


#: Largest figure, in inches at :data:`DPI`: 9 in = 900 px tall fits a desktop screen.
MAX_WIDTH_IN = 10.0
MAX_HEIGHT_IN = 9.0
DPI = 100
#: Dimensions drawn as small multiples (the rest are in the tables).
MAX_PANELS = 16
#: Items per dimension in the most/least agreed figure (each end), and dimensions shown.
ITEMS_EACH_END = 3
ITEM_DIMENSIONS = 4
EXTRA_HINT = "pip install 'mer-datasets[figures]'"


def figures_unavailable() -> str | None:
    """Why figures cannot be drawn here (None when they can): matplotlib is optional."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return (
            "figures skipped: matplotlib is not installed; the datasheet is complete without "
            f"them (tables and CSV). For figures: {EXTRA_HINT}"
        )
    return None


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _size(width: float, height: float) -> tuple[float, float]:
    return min(width, MAX_WIDTH_IN), min(height, MAX_HEIGHT_IN)


def _save(fig: Any, directory: Path, name: str) -> str:
    plt = _pyplot()
    directory.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(directory / name, format="png", dpi=DPI, metadata={"Software": None})
    plt.close(fig)
    return name


def _grid(n: int, *, cols: int = 4, panel_height: float = 2.3) -> tuple[int, int, tuple]:
    """Rows, columns and size of a small-multiples grid; panels shrink to stay on one screen."""
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    panel_height = min(panel_height, (MAX_HEIGHT_IN - 0.6) / rows)
    return rows, cols, _size(2.5 * cols + 0.5, panel_height * rows + 0.6)


def _static_values(dataset: MERDataset) -> Any:
    annotations = dataset.annotations
    return annotations[annotations["time_s"].isna()] if not annotations.empty else annotations


def rating_distribution_figure(
    sheet: dict[str, Any], directory: Path, prefix: str, dataset: MERDataset | None = None
) -> Figure | None:
    """Small multiples of each numeric dimension's judged values (bars or a histogram)."""
    every = sheet["generated"]["rating_distributions"]
    dists = dict(list(every.items())[:MAX_PANELS])
    if not dists:
        return None
    left_out = len(every) - len(dists)
    labels = list(dists)
    with quiet_fonts(labels) as families:
        plt = _pyplot()
        rows, cols, size = _grid(len(dists))
        fig, axes = plt.subplots(rows, cols, figsize=size, squeeze=False)
        flat = list(axes.flat)
        for ax, (dim, dist) in zip(flat, dists.items()):
            if dist.get("kind") == "discrete":
                values = [c["value"] for c in dist["counts"]]
                ax.bar(
                    [f"{v:g}" for v in values],
                    [c["count"] for c in dist["counts"]],
                    color="#4c72b0",
                )
                if len(values) > 7:
                    ax.tick_params(axis="x", labelsize=7)
            elif dataset is not None:
                ann = dataset.annotations
                values = (
                    ann.loc[ann["dimension"].astype(str) == dim, "value"].dropna().astype(float)
                )
                ax.hist(values, bins=30, color="#4c72b0")
            ax.set_title(drawable(dim, families), fontsize=10)
            ax.set_ylabel("judgments", fontsize=8)
        for ax in flat[len(dists) :]:
            ax.axis("off")
        name = _save(fig, directory, f"{prefix}rating-distributions.png")
    alt = "Bar charts of judged values per dimension: " + "; ".join(
        f"{dim}: "
        + (
            ", ".join(f"{c['value']:g} ({c['count']})" for c in dist["counts"])
            if dist.get("kind") == "discrete"
            else f"{dist['summary']['count']} values from {dist['summary']['min']:g} to {dist['summary']['max']:g}, median {dist['summary']['median']:g}"
        )
        for dim, dist in dists.items()
    )
    caption = "Distribution of the judged values per numeric dimension (one panel each)."
    if left_out:
        caption += f" The first {len(dists)} dimensions; the other {left_out} are in the table."
    return Figure(name, alt, caption, "rating_distributions")


def _heatmap_rows(agreement: dict[str, Any]) -> tuple[list[str], list[str], dict]:
    """Row labels (all raters, then column=level), dimensions, and (row, dim) -> record."""
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    rows: list[str] = []
    dims: list[str] = []

    def add(row: str, record: dict[str, Any]) -> None:
        if str(record.get("metric")) != "krippendorff_alpha" or record.get("value") is None:
            return
        dim = str(record["dimension"])
        if row not in rows:
            rows.append(row)
        if dim not in dims:
            dims.append(dim)
        cells[(row, dim)] = record

    for record in agreement["overall"]:
        add("all raters", record)
    for group in agreement["by_group"]:
        for record in group["records"]:
            if record.get("group") is not None:
                add(f"{group['column']} = {record['group']}", record)
    return rows, dims, cells


def agreement_figure(sheet: dict[str, Any], directory: Path, prefix: str) -> Figure | None:
    """Heatmap of Krippendorff's alpha, rater group (rows) × dimension (columns).

    Intervals do not fit a heatmap cell; they are in the table beside it and the CSV.
    """
    agreement = sheet["generated"].get("agreement")
    if not agreement:
        return None
    rows, dims, cells = _heatmap_rows(agreement)
    if not rows:
        return None
    import numpy as np

    data = np.full((len(rows), len(dims)), np.nan)
    for (row, dim), record in cells.items():
        data[rows.index(row), dims.index(dim)] = record["value"]
    with quiet_fonts(rows + dims) as families:
        plt = _pyplot()
        row_height = min(0.32, (MAX_HEIGHT_IN - 1.8) / len(rows))
        width = min(MAX_WIDTH_IN, 3.2 + 1.1 * len(dims))
        fig, ax = plt.subplots(figsize=_size(width, row_height * len(rows) + 1.8))
        image = ax.imshow(data, cmap="RdYlBu", vmin=-0.2, vmax=1.0, aspect="auto")
        fontsize = 8 if row_height >= 0.25 else 6.5
        ax.set_yticks(range(len(rows)), [drawable(r, families) for r in rows], fontsize=fontsize)
        ax.set_xticks(
            range(len(dims)),
            [drawable(d, families) for d in dims],
            fontsize=8,
            rotation=40 if len(dims) > 4 else 0,
            ha="left" if len(dims) > 4 else "center",
        )
        ax.xaxis.tick_top()
        for i in range(len(rows)):
            for j in range(len(dims)):
                if not np.isnan(data[i, j]):
                    ax.text(
                        j,
                        i,
                        f"{data[i, j]:.2f}",
                        ha="center",
                        va="center",
                        fontsize=fontsize,
                        color="black",
                    )
        bar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
        bar.set_label("Krippendorff's α (≥ .667 tentative, ≥ .800 reliable)", fontsize=8)
        name = _save(fig, directory, f"{prefix}agreement.png")
    alt = (
        "Heatmap of Krippendorff's alpha by rater group (rows) and dimension (columns): "
        + "; ".join(
            f"{row}: "
            + ", ".join(f"{d} {cells[(row, d)]['value']:.2f}" for d in dims if (row, d) in cells)
            for row in rows[:12]
        )
        + ("; further rows in the table." if len(rows) > 12 else ".")
    )
    return Figure(
        name,
        alt,
        "Krippendorff's α per rater group and dimension; intervals in the table and CSV.",
        "agreement",
    )


def items_figure(
    sheet: dict[str, Any], dataset: MERDataset, directory: Path, prefix: str
) -> Figure | None:
    """For each dimension, the rating distributions of the most contested and most agreed items."""
    items = sheet["generated"].get("items") or {}
    every = items.get("per_dimension") or {}
    per_dim = list(every.items())[:ITEM_DIMENSIONS]
    static = _static_values(dataset)
    if not per_dim or static.empty:
        return None
    panels: list[tuple[str, str, str, Any]] = []
    for dim, entry in per_dim:
        chosen = [("contested", r) for r in entry["most_contested"][:ITEMS_EACH_END]]
        chosen += [("agreed", r) for r in entry["most_agreed"][:ITEMS_EACH_END]]
        rows = static[static["dimension"].astype(str) == dim]
        for kind, record in chosen:
            judged = rows[rows["track_id"].astype(str) == str(record.get("track_id"))]
            values = judged["value"].dropna()
            if not values.empty:
                counts = values.astype(float).round(3).value_counts().sort_index()
                counts.index = [f"{v:g}" for v in counts.index]
            else:
                counts = judged["label"].dropna().astype(str).value_counts()
            if not counts.empty:
                panels.append((dim, kind, str(record.get("track_id")), counts))
    if not panels:
        return None
    dims = list(dict.fromkeys(p[0] for p in panels))
    cols = 2 * ITEMS_EACH_END
    labels = [p[2] for p in panels] + dims + [str(k) for p in panels for k in p[3].index]
    with quiet_fonts(labels) as families:
        plt = _pyplot()
        fig, axes = plt.subplots(
            len(dims), cols, figsize=_size(1.6 * cols + 0.6, 1.9 * len(dims) + 0.8), squeeze=False
        )
        used = set()
        for dim, kind, track, counts in panels:
            r = dims.index(dim)
            offset = 0 if kind == "contested" else ITEMS_EACH_END
            c = next(i for i in range(offset, offset + ITEMS_EACH_END) if (r, i) not in used)
            used.add((r, c))
            ax = axes[r][c]
            ax.bar(
                [drawable(k, families) for k in counts.index],
                counts.values,
                color="#c44e52" if kind == "contested" else "#55a868",
            )
            ax.set_title(drawable(f"{dim} · {track}", families), fontsize=7)
            ax.tick_params(axis="both", labelsize=6)
            if len(counts) > 5:
                ax.tick_params(axis="x", labelrotation=90)
        for r in range(len(dims)):
            for c in range(cols):
                if (r, c) not in used:
                    axes[r][c].axis("off")
        fig.suptitle(
            "most contested (red) and most agreed (green) items: raters per value", fontsize=9
        )
        name = _save(fig, directory, f"{prefix}items.png")
    alt = "Rating distributions of the most contested and most agreed items: " + "; ".join(
        f"{dim} {kind} {track}: " + ", ".join(f"{k} ×{v}" for k, v in counts.items())
        for dim, kind, track, counts in panels[:12]
    )
    caption = (
        "Most contested (red) and most agreed (green) items per dimension: how many raters "
        "gave each value."
    )
    if len(every) > len(per_dim):
        caption += f" First {len(per_dim)} of {len(every)} dimensions; all are in the table."
    return Figure(name, alt, caption, "items")


def time_series_figure(dataset: MERDataset, directory: Path, prefix: str) -> Figure | None:
    """Small multiples of time-continuous ratings: each rater thin, their mean thick."""
    annotations = dataset.annotations
    if annotations.empty or annotations["time_s"].isna().all():
        return None
    timed = annotations[annotations["time_s"].notna() & annotations["value"].notna()]
    if timed.empty:
        return None
    dims = list(dict.fromkeys(timed["dimension"].astype(str)))[:3]
    per_track = (
        timed.groupby("track_id", observed=True)["rater_id"]
        .nunique()
        .sort_values(ascending=False, kind="stable")
    )
    tracks = [str(t) for t in per_track.index[: max(1, MAX_PANELS // len(dims))]][:4]
    labels = dims + tracks
    with quiet_fonts(labels) as families:
        plt = _pyplot()
        fig, axes = plt.subplots(
            len(tracks),
            len(dims),
            figsize=_size(3.0 * len(dims) + 0.6, 1.9 * len(tracks) + 0.6),
            squeeze=False,
            sharex=False,
        )
        for i, track in enumerate(tracks):
            for j, dim in enumerate(dims):
                ax = axes[i][j]
                rows = timed[
                    (timed["track_id"].astype(str) == track)
                    & (timed["dimension"].astype(str) == dim)
                ]
                for _, one in list(rows.groupby("rater_id", observed=True))[:40]:
                    ax.plot(
                        one["time_s"].astype(float),
                        one["value"].astype(float),
                        color="#999999",
                        linewidth=0.5,
                        alpha=0.6,
                    )
                if not rows.empty:
                    mean = rows.groupby("time_s")["value"].mean()
                    ax.plot(
                        mean.index.astype(float),
                        mean.values.astype(float),
                        color="#4c72b0",
                        linewidth=1.8,
                    )
                ax.set_title(drawable(f"{track} · {dim}", families), fontsize=8)
                ax.tick_params(axis="both", labelsize=6)
                if i == len(tracks) - 1:
                    ax.set_xlabel("time (s)", fontsize=7)
        name = _save(fig, directory, f"{prefix}time-series.png")
    alt = (
        f"Time-continuous ratings of {len(tracks)} tracks ({', '.join(tracks)}) for "
        f"{', '.join(dims)}: each rater as a thin grey line, the mean of the raters in blue."
    )
    return Figure(
        name,
        alt,
        "Time-continuous ratings: each rater (grey) and the raters' mean (blue), tracks with the most raters.",
        "time_series",
    )


def entropy_figure(sheet: dict[str, Any], directory: Path, prefix: str) -> Figure | None:
    """Histogram of per-item consensus entropy (natural log) per categorical dimension."""
    items = sheet["generated"].get("items") or {}
    entropies = {dim: v for dim, v in (items.get("entropies") or {}).items() if v}
    if not entropies:
        return None
    with quiet_fonts(list(entropies)) as families:
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.hist(
            list(entropies.values()),
            bins=12,
            label=[drawable(d, families) for d in entropies],
            stacked=False,
        )
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
    source = str(points["source"].iloc[0])
    with quiet_fonts([source]):
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.scatter(points["valence"], points["arousal"], s=10, alpha=0.6, color="#4c72b0")
        ax.set_xlabel("valence")
        ax.set_ylabel("arousal")
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
    """Write every figure that applies into ``directory``.

    None when the data is unavailable, and none (no error) when matplotlib is not installed:
    :func:`figures_unavailable` then says why, for the caller to tell the user once.
    """
    if not sheet.get("generated") or dataset is None or figures_unavailable():
        return []
    directory = Path(directory)
    made = [
        rating_distribution_figure(sheet, directory, prefix, dataset),
        agreement_figure(sheet, directory, prefix),
        items_figure(sheet, dataset, directory, prefix),
        entropy_figure(sheet, directory, prefix),
        time_series_figure(dataset, directory, prefix),
        av_scatter_figure(dataset, directory, prefix),
    ]
    return [figure for figure in made if figure is not None]


def page_files(
    sheet: dict[str, Any], dataset: MERDataset | None, directory: str | Path, *, prefix: str = ""
) -> tuple[list[Figure], list[Any], list[str]]:
    """Figures and CSVs beside a page, and notes for the page; a skipped-figures note is also
    written once to stderr (a clear message, not a traceback: matplotlib is an optional extra).
    """
    import sys

    from .companions import write_companions

    companions = write_companions(sheet, directory, prefix=prefix)
    notes: list[str] = []
    if sheet.get("generated") and dataset is not None:
        reason = figures_unavailable()
        if reason:
            notes.append(reason[0].upper() + reason[1:] + ".")
            sys.stderr.write(f"mer-datasets: note: {reason}\n")
    return make_figures(sheet, dataset, directory, prefix=prefix), companions, notes
