"""Every datasheet page of the site, as a reader sees it in a desktop browser (issue 17).

Builds the site (with the real ISMIR 2020 data from ``../shared/mirror`` when it is beside the
checkout, so CJK group labels are on a page), serves it on 127.0.0.1 and opens each catalog
dataset's page in headless Chromium at 1280 × 800. A small script, injected into a copy of the
page, reports from the live DOM: the first thing under the title is the summary; every image
loaded and is no taller than the window; and CJK text is drawn with glyphs, not boxes (its
canvas rendering differs from a private-use character's, which no font has, and from another
CJK character's, and the declared font reports the glyphs).
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mer_datasets.catalog import default_catalog
from tests.conftest import SHARED_MIRROR
from tests.docs.browser import chromium, serving

REPO_ROOT = Path(__file__).resolve().parents[2]
WINDOW = (1280, 800)
#: The summary may run this many window heights (a screen, allowing for the site's header).
SUMMARY_SCREENS = 1.25
CJK = re.compile(r"[\u2e80-\u9fff]")
#: With the shared mirror, these datasets are built with data (the CJK labels are in ISMIR 2020).
REAL_DATA_DATASETS = "ismir2020-agreement"

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
        images: images, cjk: cjkResult
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


@pytest.fixture(scope="module")
def datasheet_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bool]:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[docs]')")
    pytest.importorskip("material", reason="mkdocs-material is not installed")
    pytest.importorskip("matplotlib", reason="figures need the figures extra")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "MER_DATASETS_DOCS_BOOTSTRAP": "30", "NO_MKDOCS_2_WARNING": "1"}
    env.pop("MER_DATASETS_DOCS_MIRROR", None)
    with_data = SHARED_MIRROR is not None and (SHARED_MIRROR / REAL_DATA_DATASETS).is_dir()
    if with_data:
        env["MER_DATASETS_DOCS_MIRROR"] = str(SHARED_MIRROR)
        env["MER_DATASETS_DOCS_DATASETS"] = REAL_DATA_DATASETS
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "-f",
        str(REPO_ROOT / "mkdocs.yml"),
    ]
    result = subprocess.run(
        [*command, "-d", str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, with_data


@pytest.fixture(scope="module")
def server(datasheet_site: tuple[Path, bool]) -> Iterator[str]:
    with serving(datasheet_site[0]) as url:
        yield url


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
    datasheet_site: tuple[Path, bool], server: str, tmp_path: Path
) -> None:
    site, with_data = datasheet_site
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
        source = (site / "datasheets" / dataset_id / "index.html").read_text(encoding="utf-8")
        if CJK.search(source):
            cjk = result["cjk"]
            assert cjk, dataset_id
            assert cjk["differsFromMissingGlyph"] and cjk["differsFromOtherCjk"], (dataset_id, cjk)
            cjk_pages.append(dataset_id)
    # "One screen": the summary ends within SUMMARY_SCREENS window heights on every page.
    too_long = {k: v for k, v in heights.items() if v is None or v > SUMMARY_SCREENS * WINDOW[1]}
    assert not too_long, (too_long, heights)
    if with_data:
        assert "ismir2020-agreement" in cjk_pages  # its rater groups include 中文 / 汉语 / 中国
    elif not cjk_pages:
        pytest.skip(
            "pages and figures checked; no page has CJK text without ../shared/mirror, so the "
            "CJK rendering check did not run"
        )


@pytest.mark.slow
def test_a_datasheet_with_data_has_its_figures_and_agreement_csv_beside_it(
    datasheet_site: tuple[Path, bool],
) -> None:
    site, _ = datasheet_site
    folder = site / "datasheets"
    assert (folder / "sample-agreement.csv").read_text(encoding="utf-8").startswith("grouping,")
    page = (folder / "sample" / "index.html").read_text(encoding="utf-8")
    assert "sample-agreement.csv" in page and "sample-agreement.png" in page
