"""Committed fixtures are exactly what their generators produce (deterministic, no drift)."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.generate import DATA, available, differences, generate_all


def test_every_committed_fixture_equals_a_fresh_generation(tmp_path: Path):
    generated = generate_all(tmp_path)
    assert generated, "no fixture generators found"
    for dataset_id in available().values():
        assert differences(DATA / dataset_id, tmp_path / dataset_id) == [], dataset_id
