"""The HTML heatmap of agreement: one cell per group × dimension, α and its interval on hover.

Checked against the sheet's own records (every α with an interval appears in exactly one cell
title), and the colour scale at its ends and middle against ColorBrewer's RdYlBu.
"""

from __future__ import annotations

import html
import re

from mer_datasets.datasheet.build import build_datasheet
from mer_datasets.datasheet.heatmap import RDYLBU, colour, heatmap_html
from mer_datasets.datasheet.render import render_html, render_markdown

from .test_build import BOOTSTRAP, synthetic_dataset


def test_every_alpha_with_its_interval_is_one_cell_title() -> None:
    sheet = build_datasheet(synthetic_dataset(), bootstrap=BOOTSTRAP, seed=0)
    table = heatmap_html(sheet)
    assert table is not None and "\n\n" not in table  # one raw HTML block in Markdown
    titles = [html.unescape(t) for t in re.findall(r'<td title="([^"]*)"', table)]
    agreement = sheet["generated"]["agreement"]
    records = [("all raters", r) for r in agreement["overall"]] + [
        (f"{g['column']} = {r['group']}", r)
        for g in agreement["by_group"]
        for r in g["records"]
        if r["group"] is not None
    ]
    expected = [
        f"{r['dimension']}, {row}: α = {r['value']:.3f} "
        f"(95% interval {r['ci_low']:.3f} to {r['ci_high']:.3f})"
        for row, r in records
        if r["metric"] == "krippendorff_alpha" and r["value"] is not None
    ]
    assert expected
    for text in expected:
        assert sum(t.startswith(text) for t in titles) == 1, text
    computed = [t for t in titles if t != "not computed"]
    assert len(computed) == len(expected)


def test_the_colour_scale_is_rdylbu_from_minus_point_two_to_one() -> None:
    assert colour(-0.2)[0] == RDYLBU[0] and colour(-5)[0] == RDYLBU[0]
    assert colour(1.0)[0] == RDYLBU[-1] and colour(0.4)[0] == RDYLBU[5]
    assert colour(1.0)[1] == "#fff" and colour(0.4)[1] == "#000"


def test_html_pages_carry_the_heatmap_and_plain_markdown_does_not() -> None:
    sheet = build_datasheet(synthetic_dataset(), bootstrap=BOOTSTRAP, seed=0)
    assert 'class="mer-heatmap"' in render_html(sheet)
    assert 'class="mer-heatmap"' in render_markdown(sheet, html_heatmap=True)
    assert 'class="mer-heatmap"' not in render_markdown(sheet)
