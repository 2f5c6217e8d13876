"""CSV files written beside a datasheet page: every long table, complete and downloadable.

Why: every group × dimension × metric of agreement is hundreds of rows, every listed item and
every value count hundreds more; on the page they bury the answer a reader came for, yet someone
checking a number needs all of them. So the page shows short tables (a few rows) and links
these files, which hold every row. Main-flow tables are cut from the same :class:`LongTable`
rows, so a CSV always holds everything its table left out. They need only the standard library.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AGREEMENT_FIELDS = (
    "grouping",
    "dimension",
    "group",
    "metric",
    "level",
    "value",
    "ci_low",
    "ci_high",
    "ci_method",
    "n_items",
    "n_raters",
    "n_judgments",
    "duplicates_policy",
    "n_duplicates",
)


@dataclass(frozen=True)
class Companion:
    """One CSV next to the page: file name (relative), what it holds, the table's key."""

    file: str
    title: str
    section: str


@dataclass(frozen=True)
class LongTable:
    """A complete table: ``key`` names the file (``<prefix><key>.csv``), ``rows`` hold every row."""

    key: str
    title: str
    fields: tuple[str, ...]
    rows: list[dict[str, Any]]


def agreement_rows(sheet: dict[str, Any]) -> list[dict[str, Any]]:
    """Every agreement record, overall (grouping ``all raters``) and per rater group."""
    agreement = (sheet.get("generated") or {}).get("agreement")
    if not agreement:
        return []
    rows = [{**r, "grouping": "all raters"} for r in agreement["overall"]]
    for group in agreement["by_group"]:
        rows += [{**r, "grouping": group["column"]} for r in group["records"]]
    return rows


def dimension_rows(sheet: dict[str, Any]) -> list[dict[str, Any]]:
    """The catalog's dimensions (known without the data)."""
    return [
        {
            "dimension": d["name"],
            "scale": d["scale"],
            "level": d["level"],
            "min": d["min"],
            "max": d["max"],
            "categories": "; ".join(d["categories"] or []),
            "in": "; ".join(d["in"]),
            "description": " ".join(str(d.get("description") or "").split()),
        }
        for d in sheet["catalog"]["dimensions"]
    ]


def count_rows(gen: dict[str, Any]) -> list[dict[str, Any]]:
    c = gen["counts"]
    return [
        {
            "dimension": dim,
            "judgments": d["judgments"],
            "tracks": d["tracks"],
            "raters": d["raters"],
            "raters_per_track_min": d["raters_per_track_min"],
            "raters_per_track_median": d["raters_per_track_median"],
            "raters_per_track_max": d["raters_per_track_max"],
            "published_label_rows": c["label_rows_per_dimension"].get(dim),
        }
        for dim, d in c["dimensions"].items()
    ] + [
        {"dimension": dim, "published_label_rows": n}
        for dim, n in c["label_rows_per_dimension"].items()
        if dim not in c["dimensions"]
    ]


SUMMARY_FIELDS = ("n", "min", "q25", "median", "mean", "q75", "max")


def _summary(s: dict[str, Any] | None) -> dict[str, Any]:
    s = s or {}
    return {"n": s.get("count"), **{k: s.get(k) for k in SUMMARY_FIELDS[1:]}}


def distribution_rows(gen: dict[str, Any]) -> list[dict[str, Any]]:
    """Rating summaries and value counts, judged labels, published labels: one row each.

    ``row`` is ``summary`` (the n/min/.../max columns) or ``value`` (value, count, share).
    """
    rows: list[dict[str, Any]] = []
    for dim, dist in gen["rating_distributions"].items():
        rows.append(
            {"of": "ratings", "dimension": dim, "row": "summary", **_summary(dist["summary"])}
        )
        for c in dist.get("counts") or []:
            rows.append({"of": "ratings", "dimension": dim, "row": "value", **c})
    labels = gen["label_distributions"]
    for dim, counts in labels["judgments"].items():
        rows += [{"of": "judged labels", "dimension": dim, "row": "value", **c} for c in counts]
    for entry in labels["published"]:
        base = {"of": "published", "dimension": entry["dimension"], "statistic": entry["statistic"]}
        if "counts" in entry:
            rows += [{**base, "row": "value", **c} for c in entry["counts"]]
        else:
            rows.append({**base, "row": "summary", **_summary(entry.get("summary"))})
    return rows


def rater_rows(gen: dict[str, Any]) -> list[dict[str, Any]]:
    """Every value of every rater attribute with its count (a summary row when not categorical)."""
    rows: list[dict[str, Any]] = []
    for attr in gen["rater_attributes"]:
        base = {
            "attribute": attr["column"],
            "kind": attr["kind"],
            "distinct": attr["distinct"],
            "missing": attr["missing"],
        }
        if attr["kind"] == "categorical":
            rows += [
                {**base, "value": c["value"], "raters": c["count"], "share": c["share"]}
                for c in attr["counts"]
            ]
        elif attr["kind"] == "numeric":
            rows.append({**base, "value": "(summary)", **_summary(attr.get("summary"))})
        elif attr["kind"] == "datetime":
            rows.append({**base, "value": f"{attr['earliest']} to {attr['latest']}"})
        else:
            rows.append({**base, "value": "(free text, not listed)"})
    return rows


def item_rows(gen: dict[str, Any]) -> list[dict[str, Any]]:
    """Every listed item: the most contested and most agreed of each dimension."""
    items = gen.get("items") or {}
    rows: list[dict[str, Any]] = []
    for dim, entry in (items.get("per_dimension") or {}).items():
        for key in ("most_contested", "most_agreed"):
            rows += [
                {**r, "dimension": dim, "list": key.replace("_", " "), "items": entry["items"]}
                for r in entry[key]
            ]
    return rows


ITEM_FIELDS = ("dimension", "list", "rank", "track_id", "items")


def duplicate_rows(gen: dict[str, Any]) -> list[dict[str, Any]]:
    """Repeated judgments per dimension, their consistency, and what agreement did with them."""
    policy = {
        str(r.get("dimension")): (r.get("duplicates_policy"), r.get("n_duplicates"))
        for r in ((gen.get("agreement") or {}).get("overall") or [])
        if r.get("group") in (None, "", "all")
    }
    return [
        {
            "dimension": dim,
            **e,
            "agreement_policy": policy.get(dim, (None, None))[0],
            "agreement_repeated_pairs": policy.get(dim, (None, None))[1],
        }
        for dim, e in gen["intra_rater"].items()
    ]


def quirk_rows(gen: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows read per source file, then every quirk record with its examples."""
    q = gen["quirks"]
    rows = [
        {"row": "rows read", "file": f, "count": n, "effect": "read"}
        for f, n in q["source_rows"].items()
    ]
    rows += [
        {**r, "row": "quirk", "examples": "; ".join(str(e) for e in r.get("examples") or [])}
        for r in q["records"]
    ]
    return rows


def _fields(rows: Iterable[dict[str, Any]], first: tuple[str, ...]) -> tuple[str, ...]:
    seen = list(first)
    for row in rows:
        seen += [k for k in row if k not in seen]
    return tuple(seen)


def long_tables(sheet: dict[str, Any]) -> list[LongTable]:
    """Every complete table of the page that has rows (the dimensions even without data)."""
    tables = [
        LongTable(
            "dimensions",
            "the catalog's dimensions: scale, level, range, categories, where they are",
            _fields(dimension_rows(sheet), ("dimension",)),
            dimension_rows(sheet),
        )
    ]
    gen = sheet.get("generated")
    if gen:
        made = [
            (
                "agreement",
                "agreement per grouping, group, dimension and metric, with intervals",
                AGREEMENT_FIELDS,
                agreement_rows(sheet),
            ),
            ("counts", "judgments, tracks and raters per dimension", (), count_rows(gen)),
            (
                "distributions",
                "rating summaries and every value count; judged and published labels",
                ("of", "dimension", "statistic", "row", "value", "count", "share", *SUMMARY_FIELDS),
                distribution_rows(gen),
            ),
            (
                "items",
                "the most contested and most agreed items per dimension",
                ITEM_FIELDS,
                item_rows(gen),
            ),
            ("raters", "every value of every rater attribute with its count", (), rater_rows(gen)),
            (
                "duplicates",
                "repeated judgments (one rater, one track, one dimension) and their consistency",
                ("dimension",),
                duplicate_rows(gen),
            ),
            (
                "ground-truth",
                "published labels against the per-rater judgments",
                ("dimension", "comparison"),
                list(gen["ground_truth_vs_raters"]),
            ),
            (
                "quirks",
                "rows read per source file and every loader quirk",
                ("row", "file"),
                quirk_rows(gen),
            ),
        ]
        for key, title, first, rows in made:
            if rows:
                fields = first if key == "agreement" else _fields(rows, first)
                tables.append(LongTable(key, title, fields, rows))
    return tables


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return value


def write_companions(
    sheet: dict[str, Any], directory: str | Path, *, prefix: str = ""
) -> list[Companion]:
    """Write one CSV per :func:`long_tables` table into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for table in long_tables(sheet):
        name = f"{prefix}{table.key}.csv"
        with (directory / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=table.fields, extrasaction="ignore")
            writer.writeheader()
            for row in table.rows:
                writer.writerow({k: _cell(row.get(k)) for k in table.fields})
        written.append(Companion(name, table.title, table.key))
    return written
