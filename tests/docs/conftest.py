"""The documentation site, built once per test session for every browser test of tests/docs.

Why one build: the site tests, the layout tests and the datasheet-page tests all read the same
built site; each building its own took about two minutes apiece. The build uses the real data
of every dataset in ``../shared/mirror`` when it is beside the checkout (so every datasheet
page is checked with its tables, heatmap and figures; ISMIR 2020's rater groups put CJK labels
on a page), and only the embedded sample's data otherwise.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import SHARED_MIRROR
from tests.docs.browser import serving

REPO_ROOT = Path(__file__).resolve().parents[2]
#: With the shared mirror every dataset in it is built with data; this one must be (CJK labels).
REAL_DATA_DATASET = "ismir2020-agreement"
#: Bootstrap resamples of the agreement intervals on the test site (enough for intervals).
SITE_BOOTSTRAP = "30"


@dataclass(frozen=True)
class BuiltSite:
    """The built site's folder and whether real data went into its datasheets."""

    path: Path
    with_data: bool


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[docs]')")
    pytest.importorskip("material", reason="mkdocs-material is not installed")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "MER_DATASETS_DOCS_BOOTSTRAP": SITE_BOOTSTRAP, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("MER_DATASETS_DOCS_MIRROR", None)
    env.pop("MER_DATASETS_DOCS_DATASETS", None)
    with_data = SHARED_MIRROR is not None and (SHARED_MIRROR / REAL_DATA_DATASET).is_dir()
    if with_data:
        env["MER_DATASETS_DOCS_MIRROR"] = str(SHARED_MIRROR)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "-f",
            str(REPO_ROOT / "mkdocs.yml"),
            "-d",
            str(out),
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return BuiltSite(out, with_data)


@pytest.fixture(scope="session")
def site(built_site: BuiltSite) -> Path:
    return built_site.path


@pytest.fixture(scope="session")
def server(built_site: BuiltSite) -> Iterator[str]:
    with serving(built_site.path) as url:
        yield url
