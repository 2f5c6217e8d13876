"""Build a datasheet: the curated answers plus sections computed from the loaded tables.

Why computed: counts, rater demographics, agreement and the quirks of a release change with each
version and loader fix; typed by hand they go stale and nobody notices. Every number here comes
from the same calls a researcher makes (:meth:`MERDataset.stats`, :meth:`MERDataset.agreement`,
:meth:`MERDataset.agreement_items`), so a datasheet and a notebook never disagree.

The result is a plain, JSON-serializable ``dict`` (numbers, strings, lists); rendering to
Markdown/HTML (:mod:`.render`), figures (:mod:`.figures`), Croissant (:mod:`.croissant`) and the
Hugging Face card (:mod:`.hfcard`) read it. A dataset whose data is not available (gated, not
downloaded, offline) still gets its curated part, and ``data.available`` is False with the
command that gets the data: never invented numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..catalog import DatasetInfo
    from ..dataset import MERDataset

#: Identifies the layout of the dict returned by :func:`build_datasheet`.
DATASHEET_FORMAT = "mer-datasets/datasheet/1"

#: Every generated section, in rendering order (the names of ``generated_sections`` in the
#: curated YAML, plus the ones every dataset with data gets).
GENERATED_SECTIONS = (
    "counts",
    "rater_attributes",
    "judgments_per_rater",
    "rating_distributions",
    "label_distributions",
    "agreement",
    "consensus_entropy",
    "intra_rater",
    "ground_truth_vs_raters",
    "quirks",
)

#: Group columns for agreement: categorical rater attributes with this many levels (Krippendorff
#: per group needs a few groups with enough raters; more than 12 groups is a table nobody reads).
MIN_GROUP_LEVELS = 2
MAX_GROUP_LEVELS = 12
#: A high-cardinality attribute (e.g. mother language) is grouped by its most frequent levels.
TOP_LEVELS = 6
#: Raters a level needs to become an agreement group (fewer gives intervals of no use).
MIN_RATERS_PER_GROUP = 3
#: Values listed per rater attribute before the rest is summed as "other".
MAX_LISTED_VALUES = 15
#: Numeric scales with at most this many distinct values are shown as value counts.
MAX_DISCRETE_VALUES = 11

MISSING = "(missing)"


# -- curated part ---------------------------------------------------------------------------


def curated_datasheet(
    dataset_id: str, directory: str | Path | None = None
) -> dict[str, Any] | None:
    """The curated answers of ``datasheets/<id>.yaml`` (None when the dataset has none yet)."""
    import yaml

    from ..resources import datasheets_dir

    path = Path(directory or datasheets_dir()) / f"{dataset_id}.yaml"
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    return document if isinstance(document, dict) else None


@cache
def question_titles() -> dict[str, Any]:
    """Section titles and question prompts (``questions.yaml``), in rendering order."""
    import yaml

    with (Path(__file__).with_name("questions.yaml")).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def catalog_facts(info: DatasetInfo) -> dict[str, Any]:
    """What the catalog says about a dataset, as plain data."""
    return {
        "name": info.name,
        "year": info.year,
        "description": info.description,
        "homepage": info.homepage,
        "license": info.license,
        "license_note": info.license_note,
        "access": info.access,
        "how_to_obtain": info.how_to_obtain,
        "eula_url": info.eula_url,
        "synthetic": info.synthetic,
        "taxonomy": info.taxonomy,
        "perspective": info.perspective,
        "temporal": info.temporal,
        "per_rater": info.per_rater,
        "rater_attributes": list(info.rater_attributes),
        "declared_counts": {k: v for k, v in dict(info.counts or {}).items()},
        "citation": info.citation,
        "default_version": info.default_version,
        "dimensions": [
            {
                "name": d.name,
                "description": d.description,
                "scale": d.scale,
                "level": d.level,
                "min": d.min,
                "max": d.max,
                "values": list(d.values) if d.values is not None else None,
                "categories": list(d.categories) if d.categories is not None else None,
                "in": list(d.in_),
            }
            for d in info.dimensions
        ],
    }


def how_to_get_data(info: DatasetInfo) -> str:
    """The command(s) that make the data available, for the note on a page without data."""
    if info.access == "embedded":
        return f'The data ships with the package: `load_dataset("{info.id}")`.'
    loadable = any(v.loader for v in info.versions)
    if not loadable:
        return (
            f"mer-datasets has no loader for {info.id} (no public files are known): "
            f"{info.how_to_obtain or 'see the homepage'}."
        )
    if info.access == "open":
        return (
            f"Run `mer-datasets download {info.id}` (or pass `--mirror DIR`), then "
            f"`mer-datasets datasheet {info.id}`."
        )
    obtain = f" {info.how_to_obtain.strip()}" if info.how_to_obtain else ""
    return (
        f"The files must be obtained by hand.{obtain} Then run "
        f"`mer-datasets ingest {info.id} DIR` on the folder that holds them, and "
        f"`mer-datasets datasheet {info.id}`."
    )


# -- small numeric helpers ------------------------------------------------------------------


def _number(value: Any) -> Any:
    """A JSON-friendly scalar: numpy/pandas numbers to int/float, NaN/NA to None."""
    import numpy as np
    import pandas as pd

    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(float(value)) else float(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value if isinstance(value, (str, list, dict)) else str(value)


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as JSON-friendly dicts (missing values become None)."""
    return [
        {str(k): _number(v) for k, v in row.items()}
        for row in frame.astype(object).to_dict(orient="records")
    ]


def distribution_summary(values: pd.Series) -> dict[str, Any] | None:
    """Count, min, quartiles, mean and max of a numeric series (None when empty)."""
    values = values.dropna().astype(float)
    if values.empty:
        return None
    return {
        "count": int(values.size),
        "min": float(values.min()),
        "q25": float(values.quantile(0.25)),
        "median": float(values.median()),
        "mean": float(values.mean()),
        "q75": float(values.quantile(0.75)),
        "max": float(values.max()),
    }


def value_counts(values: pd.Series, *, limit: int | None = None) -> list[dict[str, Any]]:
    """Counts of each value, most frequent first, missing counted as ``(missing)``.

    With ``limit``, the least frequent values beyond it are summed into one ``other`` row that
    says how many distinct values it holds.
    """
    import pandas as pd

    present = values.dropna()
    counts = present.astype(str).value_counts(sort=True)
    counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    total = int(values.size)
    rows: list[dict[str, Any]] = []
    shown = counts if limit is None else counts.iloc[:limit]
    for value, count in shown.items():
        rows.append({"value": str(value), "count": int(count), "share": int(count) / total})
    if limit is not None and len(counts) > limit:
        rest = counts.iloc[limit:]
        rows.append(
            {
                "value": f"other ({len(rest)} values)",
                "count": int(rest.sum()),
                "share": int(rest.sum()) / total,
            }
        )
    missing = int(pd.isna(values).sum())
    if missing:
        rows.append({"value": MISSING, "count": missing, "share": missing / total})
    return rows


# -- generated sections ---------------------------------------------------------------------


def counts_section(dataset: MERDataset) -> dict[str, Any]:
    """The counts of :meth:`MERDataset.stats` (same numbers, no re-computation)."""
    stats = dataset.stats()
    keep = (
        "tracks",
        "raters",
        "raters_with_judgments",
        "judgments",
        "labels",
        "label_rows_per_dimension",
        "dimensions",
        "judgments_per_rater",
    )
    return {key: stats[key] for key in keep}


def _is_numeric_attribute(series: pd.Series) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    )


def _looks_free_text(series: pd.Series) -> bool:
    """More than :data:`MAX_LISTED_VALUES` distinct values, most of them given by one rater."""
    present = series.dropna()
    distinct = present.nunique()
    return distinct > MAX_LISTED_VALUES and distinct > 0.5 * len(present)


def rater_attributes_section(raters: pd.DataFrame) -> list[dict[str, Any]]:
    """Every rater attribute column: value counts (categorical) or a summary (numeric, dates)."""
    import pandas as pd

    out: list[dict[str, Any]] = []
    for column in raters.columns:
        if column == "rater_id":
            continue
        series = raters[column]
        missing = int(series.isna().sum())
        entry: dict[str, Any] = {
            "column": str(column),
            "raters": int(len(series)),
            "missing": missing,
            "distinct": int(series.dropna().nunique()),
        }
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            entry["kind"] = "datetime"
            present = series.dropna()
            entry["earliest"] = present.min().isoformat() if len(present) else None
            entry["latest"] = present.max().isoformat() if len(present) else None
        elif _is_numeric_attribute(series) and entry["distinct"] > MAX_DISCRETE_VALUES:
            entry["kind"] = "numeric"
            entry["summary"] = distribution_summary(series)
        elif _looks_free_text(series):
            # Mostly-unique text (questionnaire answers, JSON blobs): listing it would publish
            # individual answers; only the counts above are shown.
            entry["kind"] = "free_text"
        else:
            entry["kind"] = "categorical"
            entry["counts"] = value_counts(series, limit=MAX_LISTED_VALUES)
        out.append(entry)
    return out


def judgments_distribution_section(annotations: pd.DataFrame) -> dict[str, Any]:
    """How many judgments each rater gave and how many raters judged each track."""
    if annotations.empty:
        return {"judgments_per_rater": None, "raters_per_track": None}
    per_rater = annotations.groupby("rater_id", observed=True).size()
    per_track = annotations.groupby("track_id", observed=True)["rater_id"].nunique()
    return {
        "judgments_per_rater": distribution_summary(per_rater),
        "raters_per_track": distribution_summary(per_track),
    }


def _numeric_distribution(values: pd.Series) -> dict[str, Any]:
    values = values.dropna().astype(float)
    distinct = values.nunique()
    if distinct <= MAX_DISCRETE_VALUES:
        counts = values.value_counts().sort_index()
        return {
            "kind": "discrete",
            "summary": distribution_summary(values),
            "counts": [
                {"value": float(v), "count": int(c), "share": int(c) / int(values.size)}
                for v, c in counts.items()
            ],
        }
    return {"kind": "continuous", "summary": distribution_summary(values)}


def rating_distributions_section(annotations: pd.DataFrame) -> dict[str, Any]:
    """Per numeric dimension of the judgments: value counts (discrete) or a summary."""
    out: dict[str, Any] = {}
    if annotations.empty:
        return out
    numeric = annotations[annotations["value"].notna()]
    for dimension, frame in numeric.groupby("dimension", observed=True):
        out[str(dimension)] = _numeric_distribution(frame["value"])
    return out


def label_distributions_section(annotations: pd.DataFrame, labels: pd.DataFrame) -> dict[str, Any]:
    """Categorical judgments per dimension, and the published labels per dimension and statistic."""
    judged: dict[str, Any] = {}
    if not annotations.empty:
        categorical = annotations[annotations["label"].notna()]
        for dimension, frame in categorical.groupby("dimension", observed=True):
            judged[str(dimension)] = value_counts(frame["label"], limit=MAX_LISTED_VALUES * 2)
    published: list[dict[str, Any]] = []
    if not labels.empty:
        for (dimension, statistic), frame in labels.groupby(
            ["dimension", "statistic"], observed=True
        ):
            entry: dict[str, Any] = {
                "dimension": str(dimension),
                "statistic": str(statistic),
                "rows": int(len(frame)),
                "tracks": int(frame["track_id"].nunique()),
            }
            if frame["label"].notna().any():
                entry["counts"] = value_counts(frame["label"], limit=MAX_LISTED_VALUES * 2)
            else:
                entry.update(_numeric_distribution(frame["value"]))
            published.append(entry)
    return {"judgments": judged, "published": published}


def group_columns(raters: pd.DataFrame, annotations: pd.DataFrame) -> list[dict[str, Any]]:
    """Rater attributes worth an agreement-per-group table, with the levels that form groups.

    Categorical attributes whose raters (those with judgments) fall into 2..12 levels are used
    as they are; an attribute with more levels is reduced to its :data:`TOP_LEVELS` most frequent
    levels (the rest set missing, i.e. outside every group). Levels with fewer than
    :data:`MIN_RATERS_PER_GROUP` raters are dropped in both cases.
    """
    import pandas as pd

    if raters.empty or annotations.empty:
        return []
    judging = raters[raters["rater_id"].isin(annotations["rater_id"].dropna().unique())]
    chosen: list[dict[str, Any]] = []
    for column in raters.columns:
        if column == "rater_id":
            continue
        series = judging[column]
        # Groups are categories: dates, numbers (counts, ages) and free text are not.
        if pd.api.types.is_datetime64_any_dtype(series.dtype) or _is_numeric_attribute(series):
            continue
        if _looks_free_text(raters[column]):
            continue
        counts = series.dropna().astype(str).value_counts()
        counts = counts[counts >= MIN_RATERS_PER_GROUP]
        if len(counts) < MIN_GROUP_LEVELS:
            continue
        reduced = len(counts) > MAX_GROUP_LEVELS
        levels = counts.iloc[:TOP_LEVELS] if reduced else counts
        chosen.append(
            {
                "column": str(column),
                "levels": [str(v) for v in levels.index],
                "raters_per_level": {str(k): int(v) for k, v in levels.items()},
                "reduced_to_top_levels": bool(reduced or len(levels) < series.dropna().nunique()),
            }
        )
    return chosen


def _grouping_raters(raters: pd.DataFrame, column: str, levels: list[str]) -> pd.DataFrame:
    """The raters table with ``column`` restricted to ``levels`` (others missing)."""
    import pandas as pd

    as_text = raters[column].astype("string")
    restricted = as_text.where(as_text.isin(levels), pd.NA)
    return raters.assign(**{column: restricted})


def agreement_section(
    dataset: MERDataset, *, bootstrap: int, seed: int, max_group_columns: int
) -> dict[str, Any]:
    """Agreement per dimension, overall and per rater group, from :meth:`MERDataset.agreement`.

    Groups are restricted to the levels :func:`group_columns` chose; when a column keeps every
    one of its levels, the call is exactly ``dataset.agreement(by=column, ...)``.
    """
    from ..dataset import agreement_context, default_levels

    overall = _per_protocol_dimensions(dataset.agreement(bootstrap=bootstrap, seed=seed))
    groups: list[dict[str, Any]] = []
    for spec in group_columns(dataset.raters, dataset.annotations)[:max_group_columns]:
        column = spec["column"]
        if spec["reduced_to_top_levels"]:
            from ..agreement.report import agreement_report

            frame = agreement_report(
                dataset.annotations,
                _grouping_raters(dataset.raters, column, spec["levels"]),
                levels=default_levels(dataset.info),
                tracks=dataset.tracks,
                by=column,
                bootstrap=bootstrap,
                seed=seed,
                **agreement_context(dataset.info),
            )
        else:
            frame = dataset.agreement(by=column, bootstrap=bootstrap, seed=seed)
        frame = _per_protocol_dimensions(frame)
        groups.append({**spec, "records": frame_records(frame)})
    return {
        "bootstrap": bootstrap,
        "seed": seed,
        "overall": frame_records(overall),
        "by_group": groups,
    }


def _per_protocol_dimensions(frame: pd.DataFrame) -> pd.DataFrame:
    """Records of a dataset with several rating protocols (DEAP: lab and online) name the
    protocol in the dimension, ``"valence (lab)"``, because every table and figure of the
    datasheet is keyed by dimension and one protocol's figures must not overwrite another's."""
    if "protocol" not in frame.columns or frame["protocol"].isna().all():
        return frame
    protocol = frame["protocol"].astype("string")
    dimension = frame["dimension"].astype("string")
    labelled = (dimension + " (" + protocol + ")").where(protocol.notna(), dimension)
    return frame.assign(dimension=labelled.astype(object))


def _entropy_column(frame: pd.DataFrame) -> str | None:
    for name in ("consensus_entropy", "entropy"):
        if name in frame.columns:
            return name
    return next((c for c in frame.columns if "entropy" in str(c)), None)


def items_section(dataset: MERDataset, *, top: int) -> dict[str, Any]:
    """Most and least agreed items per dimension, from :meth:`MERDataset.agreement_items`.

    The items report is sorted most contested first (consensus entropy for categorical
    dimensions, spread for numeric ones); the head is the most contested, the tail the most
    agreed. All per-item entropies are kept for the histogram.
    """
    from ..dataset import default_levels

    items = dataset.agreement_items(levels=default_levels(dataset.info))
    out: dict[str, Any] = {"per_dimension": {}, "entropy_column": _entropy_column(items)}
    if items.empty:
        return out
    for dimension, frame in items.groupby("dimension", observed=True, sort=False):
        if "single_rater" in frame.columns:  # one rater's judgment agrees with nobody: unranked
            frame = frame[~frame["single_rater"].astype(bool)]
        frame = frame.dropna(axis=1, how="all")
        out["per_dimension"][str(dimension)] = {
            "items": int(len(frame)),
            "most_contested": frame_records(frame.head(top)),
            "most_agreed": frame_records(frame.tail(top).iloc[::-1]),
        }
    column = out["entropy_column"]
    if column is not None:
        entropies = items.dropna(subset=[column])
        out["entropies"] = {
            str(dim): [float(v) for v in f[column].astype(float)]
            for dim, f in entropies.groupby("dimension", observed=True)
        }
    return out


def intra_rater_section(annotations: pd.DataFrame) -> dict[str, Any]:
    """Consistency of raters who judged the same track (and dimension) more than once.

    Static judgments only (``time_s`` missing). For each repeated (rater, track, dimension):
    categorical dimensions count the repeats whose labels are all identical; numeric ones give
    the mean absolute difference of each later judgment from the first (in table order, which
    is source order) and the share of identical values.
    """
    if annotations.empty:
        return {}
    static = annotations[annotations["time_s"].isna()]
    out: dict[str, Any] = {}
    for dimension, frame in static.groupby("dimension", observed=True):
        keys = ["rater_id", "track_id"]
        sizes = frame.groupby(keys, observed=True).size()
        repeated = sizes[sizes > 1]
        if repeated.empty:
            continue
        rows = frame.set_index(keys).loc[repeated.index].reset_index()
        entry: dict[str, Any] = {
            "repeated_pairs": int(len(repeated)),
            "raters": int(repeated.index.get_level_values("rater_id").nunique()),
            "judgments": int(repeated.sum()),
        }
        if rows["value"].notna().any():
            grouped = rows.groupby(keys, observed=True, sort=False)["value"]
            first = grouped.transform("first").astype(float)
            later = rows[grouped.cumcount() > 0]
            diffs = (later["value"].astype(float) - first.loc[later.index]).abs()
            entry["measure"] = "mean absolute difference from the first judgment"
            entry["mean_absolute_difference"] = float(diffs.mean())
            entry["identical_share"] = float((diffs == 0).mean())
        else:
            same = rows.groupby(keys, observed=True)["label"].nunique() == 1
            entry["measure"] = "share of repeated pairs with identical labels"
            entry["identical_share"] = float(same.mean())
        out[str(dimension)] = entry
    return out


def _time_key(frame: pd.DataFrame) -> pd.Series:
    """``time_s`` as a join key where missing (static) values match each other."""
    return frame["time_s"].astype(float).fillna(-1.0).round(6)


def ground_truth_section(annotations: pd.DataFrame, labels: pd.DataFrame) -> list[dict[str, Any]]:
    """How the published labels relate to the per-rater judgments of the same tracks.

    Numeric dimensions: the per-track (and per time point) mean of the raters' values against the
    published ``mean`` statistic: Pearson correlation and mean absolute error, on the source
    scales. Categorical dimensions: the raters' majority label against the published ``label``
    statistic: the share of tracks where they match (tracks with a tied majority are counted
    apart, not guessed).
    """
    import pandas as pd

    if annotations.empty or labels.empty:
        return []
    out: list[dict[str, Any]] = []
    judged_dims = set(annotations["dimension"].dropna().astype(str))
    for dimension in sorted(judged_dims & set(labels["dimension"].dropna().astype(str))):
        judged = annotations[annotations["dimension"].astype(str) == dimension]
        published = labels[labels["dimension"].astype(str) == dimension]
        means = published[
            (published["statistic"].astype(str) == "mean") & published["value"].notna()
        ]
        if judged["value"].notna().any() and not means.empty:
            rater_means = (
                judged.assign(t=_time_key(judged), v=judged["value"].astype(float))
                .groupby(["track_id", "t"], observed=True)["v"]
                .mean()
                .rename("raters_mean")
            )
            pub = (
                means.assign(t=_time_key(means), v=means["value"].astype(float))
                .groupby(["track_id", "t"], observed=True)["v"]
                .mean()
                .rename("published_mean")
            )
            joined = pd.concat([rater_means, pub], axis=1, join="inner").dropna()
            if len(joined) >= 2:
                out.append(
                    {
                        "dimension": dimension,
                        "comparison": "per-track mean of rater values vs published mean",
                        "points": int(len(joined)),
                        "tracks": int(joined.index.get_level_values("track_id").nunique()),
                        "pearson_r": _number(joined["raters_mean"].corr(joined["published_mean"])),
                        "mean_absolute_error": float(
                            (joined["raters_mean"] - joined["published_mean"]).abs().mean()
                        ),
                    }
                )
        published_labels = published[
            (published["statistic"].astype(str) == "label") & published["label"].notna()
        ]
        if judged["label"].notna().any() and not published_labels.empty:
            counts = (
                judged.dropna(subset=["label"]).groupby(["track_id", "label"], observed=True).size()
            )
            counts = counts.rename("n").reset_index()
            top = counts.groupby("track_id", observed=True)["n"].transform("max")
            winners = counts[counts["n"] == top]
            n_winners = winners.groupby("track_id", observed=True).size()
            unique = winners[winners["track_id"].isin(n_winners[n_winners == 1].index)]
            majority = unique.set_index("track_id")["label"].astype(str)
            truth = (
                published_labels.drop_duplicates("track_id")
                .set_index("track_id")["label"]
                .astype(str)
            )
            common = majority.index.intersection(truth.index)
            tied = n_winners[n_winners > 1].index.intersection(truth.index)
            if len(common):
                out.append(
                    {
                        "dimension": dimension,
                        "comparison": "raters' majority label vs published label",
                        "tracks": int(len(common)),
                        "tied_majority_tracks": int(len(tied)),
                        "agreement_share": float(
                            (majority.loc[common] == truth.loc[common]).mean()
                        ),
                    }
                )
    return out


def quirks_section(dataset: MERDataset) -> dict[str, Any]:
    return {
        "records": dataset.quirks.to_records(),
        "source_rows": dict(dataset.quirks.source_row_counts),
        "excluded_rows": int(dataset.quirks.excluded()),
    }


def av_points(dataset: MERDataset) -> pd.DataFrame | None:
    """Per-track static arousal and valence for the scatter plot (published means first).

    Published ``mean`` labels are used when both dimensions have them, else the per-track mean
    of the raters' values. None when the dataset lacks either dimension.
    """
    import pandas as pd

    def per_track(frame: pd.DataFrame) -> pd.Series:
        static = frame[frame["time_s"].isna() & frame["value"].notna()]
        return static.groupby("track_id", observed=True)["value"].mean().astype(float)

    for source, table in (
        ("published mean", dataset.labels),
        ("mean of rater values", dataset.annotations),
    ):
        if table.empty:
            continue
        if source == "published mean":
            table = table[table["statistic"].astype(str) == "mean"]
        dims = table["dimension"].astype(str)
        arousal = per_track(table[dims == "arousal"])
        valence = per_track(table[dims == "valence"])
        joined = pd.concat(
            [valence.rename("valence"), arousal.rename("arousal")], axis=1, join="inner"
        )
        if len(joined) >= 2:
            return joined.assign(source=source)
    return None


# -- the whole datasheet --------------------------------------------------------------------


def build_datasheet(
    dataset: MERDataset | None = None,
    *,
    info: DatasetInfo | None = None,
    unavailable_reason: str | None = None,
    bootstrap: int = 200,
    seed: int = 0,
    max_group_columns: int = 3,
    top_items: int = 10,
    datasheets_directory: str | Path | None = None,
) -> dict[str, Any]:
    """The datasheet of a loaded dataset, or the curated part only when ``dataset`` is None.

    Pass ``info`` (the catalog entry) and ``unavailable_reason`` (why loading failed) for a
    dataset whose data is not available. ``bootstrap`` resamples and ``seed`` make the agreement
    intervals reproducible; ``top_items`` is how many most/least agreed items are listed.
    """
    if dataset is None and info is None:
        raise ValueError("build_datasheet needs a loaded dataset or its catalog entry (info=)")
    info = dataset.info if dataset is not None else info
    assert info is not None
    curated = curated_datasheet(info.id, datasheets_directory)
    declared = list((curated or {}).get("generated_sections") or [])
    sheet: dict[str, Any] = {
        "format": DATASHEET_FORMAT,
        "id": info.id,
        "name": info.name,
        "version": dataset.version if dataset is not None else info.default_version,
        "catalog": catalog_facts(info),
        "curated": curated,
        "declared_generated_sections": declared,
        "settings": {"bootstrap": bootstrap, "seed": seed, "top_items": top_items},
    }
    if dataset is None:
        sheet["data"] = {
            "available": False,
            "reason": unavailable_reason or "the data is not in the data home",
            "how_to_get": how_to_get_data(info),
            "sections_needing_data": [
                s for s in GENERATED_SECTIONS if s in declared or s in ("counts", "quirks")
            ],
        }
        sheet["generated"] = None
        return sheet
    sheet["data"] = {
        "available": True,
        "reason": None,
        "how_to_get": None,
        "sections_needing_data": [],
    }
    annotations = dataset.annotations
    generated: dict[str, Any] = {
        "counts": counts_section(dataset),
        "rater_attributes": rater_attributes_section(dataset.raters),
        "judgments_distribution": judgments_distribution_section(annotations),
        "rating_distributions": rating_distributions_section(annotations),
        "label_distributions": label_distributions_section(annotations, dataset.labels),
        "agreement": None,
        "items": None,
        "intra_rater": intra_rater_section(annotations),
        "ground_truth_vs_raters": ground_truth_section(annotations, dataset.labels),
        "quirks": quirks_section(dataset),
    }
    if not annotations.empty and annotations["rater_id"].nunique() >= 2:
        generated["agreement"] = agreement_section(
            dataset, bootstrap=bootstrap, seed=seed, max_group_columns=max_group_columns
        )
        generated["items"] = items_section(dataset, top=top_items)
    sheet["generated"] = generated
    return sheet


def load_for_datasheet(
    dataset_id: str,
    load: Callable[[str], MERDataset],
    catalog: Any = None,
) -> tuple[MERDataset | None, DatasetInfo, str | None]:
    """Load a dataset for its datasheet; an expected failure becomes a reason, not an exception.

    Returns ``(dataset or None, catalog entry, reason it could not be loaded or None)``. Unknown
    dataset ids still raise (there is nothing to render).
    """
    from ..catalog import default_catalog
    from ..errors import MERDatasetsError, UnknownDatasetError

    info = (catalog or default_catalog()).get(dataset_id)
    try:
        return load(dataset_id), info, None
    except UnknownDatasetError:
        raise
    except MERDatasetsError as exc:
        return None, info, " ".join(str(exc).split())
