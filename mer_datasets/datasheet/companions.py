"""CSV files written beside a datasheet page: the long tables, downloadable.

Why: every group × dimension × metric of agreement is hundreds of rows; on the page it buries
the answer a reader came for, yet someone checking a number needs all of them with intervals.
The page links these files; they need nothing beyond the standard library.
"""

from __future__ import annotations

import csv
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
)


@dataclass(frozen=True)
class Companion:
    """One CSV next to the page: file name (relative), what it holds, section it belongs to."""

    file: str
    title: str
    section: str


def agreement_rows(sheet: dict[str, Any]) -> list[dict[str, Any]]:
    """Every agreement record, overall (grouping ``all raters``) and per rater group."""
    agreement = (sheet.get("generated") or {}).get("agreement")
    if not agreement:
        return []
    rows = [{**r, "grouping": "all raters"} for r in agreement["overall"]]
    for group in agreement["by_group"]:
        rows += [{**r, "grouping": group["column"]} for r in group["records"]]
    return rows


def write_companions(
    sheet: dict[str, Any], directory: str | Path, *, prefix: str = ""
) -> list[Companion]:
    """Write the CSVs that apply into ``directory`` (none when the data is unavailable)."""
    rows = agreement_rows(sheet)
    if not rows:
        return []
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{prefix}agreement.csv"
    with (directory / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=AGREEMENT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row.get(k) for k in AGREEMENT_FIELDS})
    return [
        Companion(
            name,
            "agreement per grouping, group, dimension and metric, with intervals (CSV)",
            "agreement",
        )
    ]
