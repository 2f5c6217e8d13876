"""The documentation site builds with --strict and renders in a headless browser.

Uses the site built once per session (tests/docs/conftest.py), served on 127.0.0.1; opens the catalog and the
sample datasheet in headless Chromium (DOM dump + screenshot into test-artifacts/), and checks
tables, figures (non-empty PNGs with alt text) and that every internal link answers 200.
"""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from tests.docs.browser import chromium

pytestmark = pytest.mark.slow  # the slow tier: run by .ci/run and the README's test command

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


_chromium = chromium


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[dict[str, str | None]] = []
        self.tables = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self.tables += 1
        if tag == "img":
            self.images.append(attributes)
        for key in ("href", "src"):
            if attributes.get(key):
                self.links.append(str(attributes[key]))


def _browser(url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    chromium = _chromium()
    if chromium is None:
        pytest.skip(
            "headless browser test skipped: chromium is not installed (apt-get install chromium)"
        )
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    command = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *extra,
        url,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=180)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - local server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_site_builds_with_every_generated_page(site: Path) -> None:
    for page in (
        "catalog/index.html",
        "cli/index.html",
        "api/index.html",
        "datasheets/sample/index.html",
    ):
        assert (site / page).is_file(), page
    cli_page = (site / "cli" / "index.html").read_text(encoding="utf-8")
    assert "mer-datasets agreement" in cli_page and "--offline" in cli_page


@pytest.mark.parametrize(
    ("page", "name", "min_tables", "min_images"),
    [("catalog/", "catalog", 1, 0), ("datasheets/sample/", "datasheet-sample", 5, 3)],
)
def test_page_renders_in_headless_chromium_with_tables_figures_and_working_links(
    site: Path, server: str, tmp_path: Path, page: str, name: str, min_tables: int, min_images: int
) -> None:
    url = urljoin(server, page)
    dump = _browser(url, tmp_path, "--dump-dom")
    assert dump.returncode == 0, dump.stderr[-2000:]
    parser = _PageParser()
    parser.feed(dump.stdout)
    assert parser.tables >= min_tables
    figures = [img for img in parser.images if str(img.get("src", "")).endswith(".png")]
    assert len(figures) >= min_images
    for image in figures:
        assert image.get("alt"), image
        path = site / urlsplit(urljoin(url, str(image["src"]))).path.lstrip("/")
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 1000, path
    internal = {
        urljoin(url, link).split("#")[0]
        for link in parser.links
        if not link.startswith(("#", "mailto:", "javascript:", "data:"))
        and urljoin(url, link).startswith(server)
    }
    assert internal
    broken = sorted(link for link in internal if _status(link) != 200)
    assert not broken, broken

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / f"{name}.png"
    shot = _browser(
        url, tmp_path, f"--screenshot={screenshot}", "--window-size=1280,2000", "--hide-scrollbars"
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert screenshot.read_bytes().startswith(PNG_SIGNATURE)
