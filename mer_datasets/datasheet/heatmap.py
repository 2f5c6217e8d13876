"""The agreement heatmap as an HTML table: colour per cell, α with its interval on hover.

Why HTML beside the PNG: a PNG cell has room for α but not for its interval, and a reader
comparing groups needs both. In a browser each cell's ``title`` gives "α = 0.312 (0.250 to
0.371)" with its items and raters; the colours are inline CSS (the same scale as the PNG), so
the table needs no script and no stylesheet of the site. For print, every value with its
interval is in the agreement CSV beside the page. Pure Python: no matplotlib needed.
"""

from __future__ import annotations

import html
from typing import Any

from .figures import _heatmap_rows

#: ColorBrewer RdYlBu (11 classes), low to high: the PNG heatmap's colour map.
RDYLBU = (
    "#a50026",
    "#d73027",
    "#f46d43",
    "#fdae61",
    "#fee090",
    "#ffffbf",
    "#e0f3f8",
    "#abd9e9",
    "#74add1",
    "#4575b4",
    "#313695",
)
#: α mapped to the ends of the scale (as the PNG: vmin -0.2, vmax 1.0).
VMIN, VMAX = -0.2, 1.0


def colour(value: float) -> tuple[str, str]:
    """(background, text colour) of ``value``, interpolated on :data:`RDYLBU`."""
    t = min(1.0, max(0.0, (value - VMIN) / (VMAX - VMIN)))
    position = t * (len(RDYLBU) - 1)
    i = min(int(position), len(RDYLBU) - 2)
    frac = position - i
    a, b = RDYLBU[i], RDYLBU[i + 1]
    rgb = [
        round(int(a[k : k + 2], 16) * (1 - frac) + int(b[k : k + 2], 16) * frac) for k in (1, 3, 5)
    ]
    text = "#fff" if t < 0.15 or t > 0.8 else "#000"
    return "#" + "".join(f"{c:02x}" for c in rgb), text


def cell_title(row: str, dim: str, record: dict[str, Any]) -> str:
    """The hover text of one cell: α, its interval, items and raters."""
    value = f"α = {record['value']:.3f}"
    if record.get("ci_low") is not None and record.get("ci_high") is not None:
        value += f" (95% interval {record['ci_low']:.3f} to {record['ci_high']:.3f})"
    counts = []
    if record.get("n_items") is not None:
        counts.append(f"{record['n_items']} items")
    if record.get("n_raters") is not None:
        counts.append(f"{record['n_raters']} raters")
    return f"{dim}, {row}: {value}" + (f"; {', '.join(counts)}" if counts else "")


def _short(value: float) -> str:
    """Two decimals without the leading zero (``.31``, ``-.05``; ``.00`` never signed)."""
    if round(value, 2) == 0:
        return ".00"
    text = f"{value:.2f}"
    return text.replace("0.", ".", 1) if abs(value) < 1 else text


TABLE_STYLE = (
    "border-collapse:collapse;table-layout:fixed;width:100%;font-size:.6rem;line-height:1.2"
)
HEAD_STYLE = "padding:2px 1px;vertical-align:bottom;font-weight:600;overflow:hidden"
VERTICAL = "writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;max-height:9em"
#: Dimension names are written vertically when there are more columns than this.
VERTICAL_ABOVE = 6
ROW_STYLE = "padding:1px 4px;text-align:left;font-weight:400;overflow-wrap:anywhere"


def heatmap_html(sheet: dict[str, Any]) -> str | None:
    """The heatmap of Krippendorff's α, rater group (rows) × dimension (columns), or None.

    The rows of one grouping column on one line and no blank line inside, so Markdown passes
    it through as one raw HTML block and the page source stays as short as the figure it
    replaces.
    """
    agreement = (sheet.get("generated") or {}).get("agreement")
    if not agreement:
        return None
    rows, dims, cells = _heatmap_rows(agreement)
    if not rows:
        return None
    esc = html.escape
    turn = VERTICAL if len(dims) > VERTICAL_ABOVE else "white-space:normal"
    head = "".join(
        f'<th scope="col" title="{esc(d, quote=True)}" style="{HEAD_STYLE}">'
        f'<span style="{turn}">{esc(d)}</span></th>'
        for d in dims
    )
    lines = [
        '<div class="mer-heatmap" style="max-width:100%;overflow-x:auto;margin:.8em 0">',
        f'<table class="mer-heatmap" style="{TABLE_STYLE}">',
        '<caption style="caption-side:bottom;text-align:left;font-size:.7rem;padding-top:.3em">'
        "Krippendorff's α per rater group (rows) and dimension (columns); blue: higher, red: "
        "lower (≥ .667 tentative, ≥ .800 reliable). Hover a cell for its 95% interval.</caption>",
        f'<thead><tr><th scope="col" style="width:12em;{HEAD_STYLE}">Raters</th>{head}</tr></thead>',
        "<tbody>",
    ]
    lines = ["".join(lines)]
    grouping = None
    for row in rows:
        tds = []
        for dim in dims:
            record = cells.get((row, dim))
            if record is None:
                tds.append('<td title="not computed" style="background:#eee"></td>')
                continue
            background, text = colour(float(record["value"]))
            tds.append(
                f'<td title="{esc(cell_title(row, dim, record), quote=True)}" '
                f'style="background:{background};color:{text};text-align:center;padding:2px 0">'
                f"{_short(float(record['value']))}</td>"
            )
        line = f'<tr><th scope="row" style="{ROW_STYLE}">{esc(row)}</th>{"".join(tds)}</tr>'
        column = row.split(" = ", 1)[0]
        if column == grouping:
            lines[-1] += line
        else:
            lines.append(line)
            grouping = column
    lines.append("</tbody></table></div>")
    return "\n".join(lines)
