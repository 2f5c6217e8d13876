"""The block list a datasheet page is described in, and the formatting its cells share.

Why a module of its own: the computed sections (:mod:`.computed`), the summary and the page
(:mod:`.render`) all build :class:`Block` lists; keeping the type here avoids circular imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .figures import Figure

SECTION_TITLES = {
    "counts": "Counts",
    "rater_attributes": "Raters' attributes",
    "judgments_per_rater": "Judgments per rater and raters per track",
    "rating_distributions": "Rating distributions",
    "label_distributions": "Label distributions",
    "agreement": "Agreement",
    "consensus_entropy": "Most and least agreed items",
    "intra_rater": "Duplicates and intra-rater consistency",
    "ground_truth_vs_raters": "Published ground truth and per-rater judgments",
    "quirks": "Loader quirks report",
}


#: Anchor ids of the computed sections (the summary's numbers link to them).
ANCHORS = {key: key.replace("_", "-") for key in SECTION_TITLES} | {"av_scatter": "av-scatter"}


@dataclass
class Block:
    kind: str  # heading | paragraph | table | figure | list | code | note | anchor | html
    text: str = ""
    level: int = 2
    headers: Sequence[str] = ()
    rows: Sequence[Sequence[Any]] = ()
    items: Sequence[str] = ()
    figure: Figure | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e9:
            return f"{value:.0f}"
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.1f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt(v) for v in value)
    return str(value)


def share(value: float) -> str:
    return f"{100 * value:.1f}%"


def link(text: Any, anchor: str) -> str:
    return f"[{text}](#{anchor})"


#: Rows a table in the main flow shows; longer tables show their first rows and link their CSV.
MAIN_ROWS = 6


def csv_link(key: str, companions: Sequence[Any]) -> str:
    """A link to the CSV companion ``key``, or where to get it when none was written."""
    found = next((c for c in companions if c.section == key), None)
    if found is not None:
        return f"[`{found.file}`]({found.file})"
    return f"the `{key}` CSV that `mer-datasets datasheet` writes beside the page"


def capped(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    key: str,
    companions: Sequence[Any],
    *,
    noun: str = "rows",
    more: str | None = None,
) -> list[Block]:
    """A main-flow table of at most :data:`MAIN_ROWS` rows; a longer one says where the rest is.

    Every caller builds ``rows`` from the same records its CSV companion holds in full
    (:func:`.companions.long_tables`), so nothing left out here is lost. ``more`` names what
    else the CSV holds, linked when the table is short (a cut table links the CSV anyway).
    """
    if len(rows) <= MAIN_ROWS:
        table = [Block("table", headers=headers, rows=rows)]
        if more:  # the CSV holds more than the table's rows (e.g. every value count)
            table.append(Block("paragraph", f"{more}: {csv_link(key, companions)}."))
        return table
    return [
        Block("table", headers=headers, rows=rows[:MAIN_ROWS]),
        Block(
            "paragraph",
            f"First {MAIN_ROWS} of {len(rows)} {noun}; all of them: {csv_link(key, companions)}.",
        ),
    ]
