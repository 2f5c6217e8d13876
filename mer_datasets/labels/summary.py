"""What a mapping gave, counted as a researcher counts: per annotation, and why the rest did not map.

Why per record: a TROMPA-MER annotation is five judgment rows (arousal, valence, emotion word,
familiarity, preference); counting rows counts its arousal/valence quadrant twice. A record is an
annotation (``annotation_id``, with ``time_s`` for curves) or, in ``labels``, a track (with
``time_s``). Each record counts once per route and label: an annotation whose arousal/valence
gives Q1 and whose emotion word gives Q4 counts once under each, and the route says which.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


def _record_ids(table: pd.DataFrame, table_name: str) -> pd.Series:
    """An integer id per record: an annotation (or track), with ``time_s`` when the table has it."""
    columns = ["annotation_id" if table_name == "annotations" else "track_id"]
    if "time_s" in table and table["time_s"].notna().any():
        columns.append("time_s")
    groups = table.groupby([table[c] for c in columns], dropna=False, sort=False, observed=True)
    return groups.ngroup()


def _unit(table: pd.DataFrame, table_name: str) -> str:
    """What a record is, in words (plural)."""
    timed = "time_s" in table and table["time_s"].notna().any()
    base = "annotations" if table_name == "annotations" else "tracks"
    return f"{base[:-1]}-times" if timed else base


def mapped_columns(table: pd.DataFrame, to: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The label, probability and ambiguity columns of the requested target."""
    if to == "quadrant" or "mapped_label" not in table:
        return table["quadrant"], table["quadrant_prob"], table["ambiguous"]
    return table["mapped_label"], table["mapped_prob"], table["mapped_ambiguous"]


def routes(table: pd.DataFrame, to: str) -> pd.Series:
    """How each row was mapped: ``av``/``category`` for quadrants, ``mapped_route`` otherwise."""
    column = "mapped_route" if to not in ("quadrant", "av") and "mapped_route" in table else None
    return (table[column] if column else table["quadrant_source"]).astype("string")


def per_record(table: pd.DataFrame, table_name: str, to: str) -> pd.DataFrame:
    """One row per (record, route, label) that mapped: ``record`` (an integer per annotation or
    track and time), ``record_id`` (the annotation or track id), ``route``, ``label``, ``prob``,
    ``ambiguous``. A tie (probability but no label) is the label ``(tie)``."""
    import pandas as pd

    label, prob, ambiguous = mapped_columns(table, to)
    frame = pd.DataFrame(
        {
            "record": _record_ids(table, table_name),
            "record_id": table["annotation_id" if table_name == "annotations" else "track_id"],
            "route": routes(table, to),
            "label": label.astype("string").fillna("(tie)"),
            "prob": prob.astype("Float64"),
            "ambiguous": ambiguous.astype("boolean"),
        }
    )
    frame = frame[frame["prob"].notna()]
    return frame.drop_duplicates(["record", "route", "label"]).reset_index(drop=True)


def summary(table: pd.DataFrame, table_name: str, to: str) -> str:
    """Records per label and route, mean probability and share ambiguous, as text."""
    import pandas as pd

    unit = _unit(table, table_name)
    ids = _record_ids(table, table_name)
    total = ids.nunique()
    if to == "av":
        mapped = table["mapped_arousal"].notna() & table["mapped_valence"].notna()
        with_point = ids[mapped.to_numpy()].nunique()
        return f"{with_point} of {total} {unit} have an arousal/valence point"
    records = per_record(table, table_name, to)
    lines = [
        f"counted once per {unit[:-1]} and route; {records['record'].nunique()} of {total} "
        f"{unit} have a mapping"
    ]
    if records.empty:
        return "\n".join(lines)
    grouped = records.groupby(["label", "route"], dropna=False).agg(
        count=("record", "size"), mean_prob=("prob", "mean"), ambiguous_share=("ambiguous", "mean")
    )
    grouped = grouped.reset_index().sort_values(["count", "label"], ascending=[False, True])
    lines.append(f"{'label':<24} {'route':<16} {unit:>11} {'mean_prob':>10} {'ambiguous':>10}")
    for row in grouped.itertuples(index=False):
        mean_prob = "" if pd.isna(row.mean_prob) else f"{row.mean_prob:.3f}"
        share = "" if pd.isna(row.ambiguous_share) else f"{row.ambiguous_share:.1%}"
        lines.append(
            f"{row.label!s:<24} {row.route!s:<16} {row.count:>11} {mean_prob:>10} {share:>10}"
        )
    return "\n".join(lines)


def unmapped_reasons(table: pd.DataFrame, info: Any, to: str) -> list[str]:
    """Why the dimensions none of whose rows mapped did not: one line per reason, naming them."""
    from .scales import has_numeric_range

    if "dimension" not in table or table.empty:
        return []
    if to == "av":
        mapped = table["mapped_arousal"].notna() & table["mapped_valence"].notna()
    else:
        mapped = mapped_columns(table, to)[1].notna()
    dims = table["dimension"].astype("string")
    mapped_dims = set(dims[mapped.to_numpy()].dropna().unique())
    by_reason: dict[str, list[str]] = {}
    for name in sorted(set(dims.dropna().unique()) - mapped_dims):
        reason = _reason(name, info, table, dims, has_numeric_range)
        by_reason.setdefault(reason, []).append(name)
    return [f"{', '.join(names)}: {reason}" for reason, names in by_reason.items()]


def _reason(name: str, info: Any, table: pd.DataFrame, dims: pd.Series, numeric: Any) -> str:
    dimension = info.dimension(name)
    if dimension is None:
        return "not declared in the catalog"
    rows = table[(dims == name).fillna(False).to_numpy()]
    if getattr(dimension, "vocabulary", None):
        if rows["category"].notna().any():
            return f"its {dimension.vocabulary} categories have no placement for this target"
        return f"no value is a category of {dimension.vocabulary}"
    if name in _axis_names(info):
        return "arousal/valence without its partner in the same record, or on an axis"
    if numeric(dimension):
        return (
            "ratings that are neither arousal/valence nor a category of a vocabulary (how much "
            "one word fits, liking, familiarity): no point or category to place"
        )
    return "neither a rating with a numeric range nor a vocabulary category"


def _axis_names(info: Any) -> set[str]:
    from .correspondences import axis_readings
    from .unify import AROUSAL_DIMENSIONS, VALENCE_DIMENSIONS

    readings = (r.dimension for r in axis_readings(info.id))
    return {*AROUSAL_DIMENSIONS, *VALENCE_DIMENSIONS, *readings}
