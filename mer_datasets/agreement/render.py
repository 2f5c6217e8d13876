"""Agreement records as text: a terminal table, markdown, JSON, CSV or HTML, without pandas.

Why without pandas: the CLI's fast path never imports it, and both paths render the same
records with the same code, so the output of ``mer-datasets agreement`` does not depend on
which path produced it.
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .records import RECORD_COLUMNS

FORMATS: tuple[str, ...] = ("table", "markdown", "json", "csv", "html")
#: Terminal table: (record key, heading, right-aligned).
_TABLE_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("dimension", "dimension", False),
    ("protocol", "protocol", False),
    ("group", "group", False),
    ("metric", "metric", False),
    ("level", "level", False),
    ("value", "value", True),
    ("ci", "95% CI", True),
    ("n_items", "items", True),
    ("n_raters", "raters", True),
    ("n_judgments", "judgments", True),
    ("n_unmapped", "unmapped", True),
    ("note", "note", False),
)
#: Columns shown only when some record has them (rating protocols, derived dimensions, notes).
_OPTIONAL: frozenset[str] = frozenset({"protocol", "n_unmapped", "note"})
#: Terminal table footer: the choices behind the figures, stated once.
_FACTS: tuple[tuple[str, str], ...] = (
    ("ci_method", "intervals"),
    ("expected_from", "expected disagreement from"),
    ("duplicates_policy", "repeated judgments (same rater, item, dimension)"),
    ("by", "grouping (--by)"),
)


def plain(value: Any) -> Any:
    """A JSON-ready scalar: None for missing and non-finite numbers, numpy scalars as Python."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


#: How to read alpha's size, stated under every terminal table that shows an alpha.
ALPHA_READING = (
    "reading alpha: 1 = perfect agreement, 0 = no better than chance; alpha >= 0.800 reliable, "
    "0.667 to 0.800 for tentative conclusions only, below 0.667 not reliable "
    "(Krippendorff 2004, Content Analysis, 2nd ed., p. 241)"
)


def render_records(records: Sequence[dict[str, Any]], fmt: str, context: Sequence[str] = ()) -> str:
    """``records`` (keys :data:`RECORD_COLUMNS`) in format ``fmt`` (one of :data:`FORMATS`).

    ``context``: lines about the request (filter, grouping, the data's nature) that the text
    formats (table, markdown) print under the figures; machine formats carry only the records.
    """
    text = _render(records, fmt)
    if context and fmt in ("table", "markdown"):
        blank = [""] if fmt == "markdown" else []  # ends the markdown table
        text += "".join(f"{line}\n" for line in (*blank, *context))
    return text


def _render(records: Sequence[dict[str, Any]], fmt: str) -> str:
    rows = [{column: plain(record.get(column)) for column in RECORD_COLUMNS} for record in records]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt == "csv":
        return _csv(rows)
    if fmt == "markdown":
        return _markdown(rows)
    if fmt == "html":
        return _html(rows)
    if fmt == "table":
        return _terminal_table(rows)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _cell(value: Any, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.{digits}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.000"
    return str(value)


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RECORD_COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else repr(row[c]) if isinstance(row[c], float) else row[c] for c in RECORD_COLUMNS])  # fmt: skip
    return buffer.getvalue()


def _markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(RECORD_COLUMNS) + " |", "|" + "---|" * len(RECORD_COLUMNS)]
    for row in rows:
        cells = (_cell(row[c]).replace("|", "\\|") for c in RECORD_COLUMNS)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _html(rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in RECORD_COLUMNS)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{html.escape(_cell(row[c]))}</td>" for c in RECORD_COLUMNS)
        + "</tr>\n"
        for row in rows
    )
    return (
        f'<table class="agreement">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n'
        "</table>\n"
    )


def _terminal_table(rows: list[dict[str, Any]]) -> str:
    """The figures, then the choices behind them once (not repeated on every row)."""
    if not rows:
        return "no judgments left (after the filter, if any): nothing to report\n"
    shown = []
    for row in rows:
        low, high = row["ci_low"], row["ci_high"]
        shown.append(
            {
                **row,
                "group": "all raters" if row["group"] is None else str(row["group"]),
                "value": _cell(row["value"], 3),
                "ci": f"[{_cell(low, 3)}, {_cell(high, 3)}]" if low is not None else "",
            }
        )
    columns = [
        c for c in _TABLE_COLUMNS if c[0] not in _OPTIONAL or any(r[c[0]] is not None and r[c[0]] != "" for r in rows)
    ]  # fmt: skip
    cells = [[_cell(row[key]) for key, _, _ in columns] for row in shown]
    widths = [
        max([len(heading)] + [len(line[i]) for line in cells])
        for i, (_, heading, _) in enumerate(columns)
    ]

    def line(values: list[str]) -> str:
        parts = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, (_, _, right) in zip(values, widths, columns)
        ]
        return "  ".join(parts).rstrip()

    lines = [line([heading for _, heading, _ in columns]), *(line(c) for c in cells), ""]
    for key, label in _FACTS:
        values = sorted({str(row[key]) for row in rows if row[key] is not None})
        if values:
            lines.append(f"{label}: {', '.join(values)}")
    repeats: dict[str, int] = {}
    for row in rows:
        if row["n_duplicates"]:
            repeats[row["dimension"]] = max(repeats.get(row["dimension"], 0), row["n_duplicates"])
    if repeats:
        lines.append(
            "judgments set aside as repeats: "
            + ", ".join(f"{d} {n}" for d, n in sorted(repeats.items()))
        )
    if any(row["metric"] == "krippendorff_alpha" for row in rows):
        lines.append(ALPHA_READING)
    return "\n".join(lines) + "\n"
