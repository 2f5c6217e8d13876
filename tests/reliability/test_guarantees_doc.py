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


def test_the_new_surfaces_render_their_counts_in_issue_item_order():
    user = [
        {"case": "b", "item": "18.13", "outcome": "UserFileError", "figure": "f"},
        {"case": "a", "item": "18.6", "outcome": "read", "figure": "g"},
    ]
    arguments = [
        {"case": "w", "item": "18.14", "surface": "--where", "outcome": "WhereError", "figure": ""}
    ] * 3
    degenerate = [
        {"case": "i", "item": "18.12", "surface": "icc()", "outcome": "value", "figure": "1"},
        {"case": "g", "item": "18.20", "surface": "group tests", "outcome": "E", "figure": ""},
    ]
    text = gen.render({"user_files": user, "arguments": arguments, "degenerate": degenerate})
    assert "2 files a researcher might pass" in text
    assert (
        "(1 refused with a file error, 1 read correctly; by issue item: 18.6 (1), 18.13 (1))"
        in text
    )
    assert text.index("| `a` | 18.6 |") < text.index("| `b` | 18.13 |")
    assert "3 hostile or mistyped arguments" in text and "`--where` (3)" in text
    assert "2 cases, each a defined answer" in text and "`icc()` (1), `group tests` (1)" in text
