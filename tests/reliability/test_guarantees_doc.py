"""docs/guarantees.md shows exactly the figures of the latest reliability results."""

from __future__ import annotations

import importlib.util

import pytest

from tests.reliability import harness

_spec = importlib.util.spec_from_file_location(
    "gen_guarantees_doc", harness.REPO_ROOT / "scripts" / "gen_guarantees_doc.py"
)
gen = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(gen)  # type: ignore[union-attr]


def test_the_guarantees_page_equals_the_rendering_of_the_committed_results():
    results = gen.load_results(gen.SNAPSHOT)
    if not results or not gen.PAGE.is_file():
        pytest.skip("no committed reliability results or no docs/guarantees.md yet")
    assert gen.PAGE.read_text(encoding="utf-8") == gen.render(results), (
        "docs/guarantees.md is stale: run python scripts/gen_guarantees_doc.py"
    )


def test_the_rendering_shows_the_figures_it_is_given():
    rows = [
        {
            "fault": "hang",
            "description": "d",
            "way": "w",
            "outcome": "clear error (DownloadError)",
            "later_offline": "OfflineError",
            "later_online": "same tables",
        },
    ]
    crash = [
        {
            "phase": "cache",
            "seed": 1,
            "delay_s": 0.1,
            "killed_mid_phase": True,
            "recovered_identical": True,
        }
    ] * 7
    text = gen.render({"faults": rows, "crash": crash})
    assert "1 faults x 1 entry points = 1 runs: 1 clear error (DownloadError)" in text
    assert "| cache | 7 | 7 | 7 |" in text
