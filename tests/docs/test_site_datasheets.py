"""Every datasheet page of the site, as a reader sees it in a desktop browser (issue 17).

Uses the site built once per session (tests/docs/conftest.py: with the real ISMIR 2020 data
from ``../shared/mirror`` when it is beside the checkout, so CJK group labels are on a page),
served on 127.0.0.1, and opens each catalog dataset's page in headless Chromium at 1280 × 800.
A small script, injected into a copy of the page, reports from the live DOM: the first thing
under the title is the summary; every image loaded and is no taller than the window; no table
is wider than the content column; a heatmap cell gives α with its interval on hover (its
``title``, which the browser shows as the tooltip); and CJK text is drawn with glyphs, not boxes
(its canvas rendering differs from a private-use character's, which no font has, and from
another CJK character's, and the declared font reports the glyphs).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from mer_datasets.catalog import default_catalog
from tests.docs.browser import chromium
from tests.docs.conftest import BuiltSite

WINDOW = (1280, 800)
#: The summary may run this many window heights (a screen, allowing for the site's header).
SUMMARY_SCREENS = 1.25
CJK = re.compile(r"[\u2e80-\u9fff]")
#: A heatmap cell's hover text: α with its 95% interval.
INTERVAL = re.compile(r"α = -?\d\.\d{3} \(95% interval -?\d\.\d{3} to -?\d\.\d{3}\)")

CHECK_SCRIPT = r"""
<script>
(function () {
  function report(result) {
    var pre = document.createElement('pre');
    pre.id = 'mer-check';
    pre.textContent = JSON.stringify(result);
    document.body.appendChild(pre);
  }
  function blocks(article) {
    var out = [];
    var h1 = article.querySelector('h1');
    var el = h1 ? h1.nextElementSibling : null;
    while (el) {
      var empty = !el.textContent.trim() && !el.querySelector('img');
      if (el.tagName !== 'STYLE' && !empty) { out.push(el); }
      el = el.nextElementSibling;
    }
    return out;
  }
  function pixels(ctx, text) {
    ctx.clearRect(0, 0, 160, 60);
    ctx.fillText(text, 4, 44);
    return Array.prototype.join.call(ctx.getImageData(0, 0, 160, 60).data, ',');
  }
  window.addEventListener('load', function () {
    document.fonts.ready.then(function () {
      var article = document.querySelector('article') || document.body;
      var first = blocks(article)[0];
      var images = Array.prototype.map.call(article.querySelectorAll('img'), function (img) {
        var box = img.getBoundingClientRect();
        return {src: img.getAttribute('src'), alt: img.alt, complete: img.complete,
                naturalWidth: img.naturalWidth, height: box.height, width: box.width};
      });
      var cjk = null;
      var walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        var match = walker.currentNode.textContent.match(/[\u2e80-\u9fff]/g);
        if (match) { cjk = {chars: match, el: walker.currentNode.parentElement}; break; }
      }
      var cjkResult = null;
      if (cjk) {
        var style = getComputedStyle(cjk.el);
        var canvas = document.createElement('canvas');
        canvas.width = 160; canvas.height = 60;
        var ctx = canvas.getContext('2d');
        ctx.font = '32px ' + style.fontFamily;
        var a = cjk.chars[0];
        var b = (a === '\u4e2d') ? '\u6587' : '\u4e2d';
        cjkResult = {
          text: a, fontFamily: style.fontFamily,
          differsFromMissingGlyph: pixels(ctx, a) !== pixels(ctx, '\ue000'),
          differsFromOtherCjk: pixels(ctx, a) !== pixels(ctx, b),
          declaredFontHasIt: document.fonts.check('32px "MER datasheet CJK"', a)
        };
      }
      var column = article.getBoundingClientRect();
      var tables = Array.prototype.map.call(article.querySelectorAll('table'), function (t) {
        var box = t.getBoundingClientRect();
        return {width: t.scrollWidth, right: box.right, room: column.width,
                columnRight: column.right, heatmap: t.classList.contains('mer-heatmap'),
                first: (t.querySelector('th') || t).textContent.trim().slice(0, 30)};
      });
      var cell = article.querySelector('table.mer-heatmap td[title]');
      var hover = null;
      if (cell) {
        cell.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
        hover = {title: cell.getAttribute('title'), text: cell.textContent,
                 background: getComputedStyle(cell).backgroundColor};
      }
      var h2s = article.querySelectorAll('h2');
      var summaryHeight = null;
      if (h2s.length > 1) {
        summaryHeight = h2s[1].getBoundingClientRect().top - h2s[0].getBoundingClientRect().top;
      }
      report({
        innerWidth: window.innerWidth, innerHeight: window.innerHeight,
        summaryHeight: summaryHeight,
        firstTag: first ? first.tagName : null,
        firstText: first ? first.textContent.trim().slice(0, 40) : null,
        images: images, cjk: cjkResult, tables: tables, hover: hover
      });
    });
  });
})();
</script>
"""


def _chromium() -> str:
    found = chromium()
    if found is None:
        pytest.skip(
            "headless browser test skipped: chromium is not installed (apt-get install chromium)"
        )
    return found


def _check(site: Path, server: str, dataset_id: str, tmp_path: Path) -> dict:
    page = site / "datasheets" / dataset_id / "index.html"
    text = page.read_text(encoding="utf-8")
    (page.parent / "check.html").write_text(
        text.replace("</body>", CHECK_SCRIPT + "</body>"), encoding="utf-8"
    )
    done = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / ('profile-' + dataset_id)}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            "--hide-scrollbars",
            "--virtual-time-budget=15000",
            "--dump-dom",
            f"{server}datasheets/{dataset_id}/check.html",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="mer-check">(.*?)</pre>', done.stdout, re.S)
    assert found, f"{dataset_id}: the check script did not report (page did not finish loading)"
    return json.loads(html.unescape(found.group(1)))


@pytest.mark.slow
def test_every_datasheet_page_opens_with_its_summary_and_every_figure_fits_the_screen(
    built_site: BuiltSite, server: str, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib", reason="figures need the figures extra")
    site, with_data = built_site.path, built_site.with_data
    heatmaps = []
    cjk_pages = []
    heights: dict[str, float] = {}
    for dataset_id in default_catalog().ids():
        result = _check(site, server, dataset_id, tmp_path)
        assert result["firstTag"] == "H2" and result["firstText"].startswith("Summary"), (
            dataset_id,
            result,
        )
        heights[dataset_id] = result["summaryHeight"]
        for image in result["images"]:
            assert image["complete"] and image["naturalWidth"] > 0, (dataset_id, image)
            assert image["alt"], (dataset_id, image)
            assert image["height"] <= result["innerHeight"], (
                dataset_id,
                image,
                result["innerHeight"],
            )
        for table in result["tables"]:  # wraps within the content column, no sideways scroll
            assert table["width"] <= table["room"] + 1, (dataset_id, table)
            assert table["right"] <= table["columnRight"] + 1, (dataset_id, table)
        if result["hover"] is not None:
            assert INTERVAL.search(result["hover"]["title"]), (dataset_id, result["hover"])
            assert result["hover"]["background"] not in ("", "rgba(0, 0, 0, 0)")
            heatmaps.append(dataset_id)
        source = (site / "datasheets" / dataset_id / "index.html").read_text(encoding="utf-8")
        if CJK.search(source):
            cjk = result["cjk"]
            assert cjk, dataset_id
            assert cjk["differsFromMissingGlyph"] and cjk["differsFromOtherCjk"], (dataset_id, cjk)
            cjk_pages.append(dataset_id)
    # "One screen": the summary ends within SUMMARY_SCREENS window heights on every page.
    too_long = {k: v for k, v in heights.items() if v is None or v > SUMMARY_SCREENS * WINDOW[1]}
    assert not too_long, (too_long, heights)
    assert "sample" in heatmaps, heatmaps  # the sample always has data: α per group on hover
    if with_data:
        assert "ismir2020-agreement" in cjk_pages  # its rater groups include 中文 / 汉语 / 中国
    elif not cjk_pages:
        pytest.skip(
            "pages and figures checked; no page has CJK text without ../shared/mirror, so the "
            "CJK rendering check did not run"
        )


@pytest.mark.slow
def test_a_datasheet_with_data_has_its_figures_and_agreement_csv_beside_it(
    built_site: BuiltSite,
) -> None:
    folder = built_site.path / "datasheets"
    assert (folder / "sample-agreement.csv").read_text(encoding="utf-8").startswith("grouping,")
    page = (folder / "sample" / "index.html").read_text(encoding="utf-8")
    assert "sample-agreement.csv" in page and "sample-agreement.png" in page
    titles = re.findall(r'<td title="([^"]*)"', page)
    computed = [html.unescape(t) for t in titles if t != "not computed"]
    assert computed and all(INTERVAL.search(t) for t in computed), computed[:3]
