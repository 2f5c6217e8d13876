"""``mer-datasets agreement`` with --derive, --midpoint, --sd-ddof and --quantile-method."""

from __future__ import annotations

import json

import pytest

from mer_datasets.cli import main

from .test_records_derived import handmade


def write(tmp_path):
    path = tmp_path / "ratings.csv"
    handmade().drop(columns="label").to_csv(path, index=False)
    return path


def test_a_file_needs_the_midpoints_of_its_scales_to_derive_quadrants(tmp_path, capsys):
    path = write(tmp_path)
    assert main(["agreement", str(path), "--derive", "quadrant", "--bootstrap", "0"]) == 1
    assert "--midpoint arousal=X --midpoint valence=X" in capsys.readouterr().err


def test_the_derived_quadrant_and_its_unmapped_count_on_the_command_line(tmp_path, capsys):
    path = write(tmp_path)
    argv = ["agreement", str(path), "--derive", "quadrant", "--midpoint", "arousal=5",
            "--midpoint", "valence=5", "--dimension", "quadrant", "--bootstrap", "0",
            "--format", "json"]  # fmt: skip
    assert main(argv) == 0
    (record,) = [
        r for r in json.loads(capsys.readouterr().out) if r["metric"] == "krippendorff_alpha"
    ]
    assert record["dimension"] == "quadrant" and record["value"] == pytest.approx(1 / 3, abs=1e-15)
    assert record["n_unmapped"] == 2
    assert main(argv[:-2]) == 0
    text = capsys.readouterr().out
    assert "unmapped" in text and "on_axis 1, missing_valence 1" in text


def test_split_is_refused_on_the_command_line_with_the_reason(tmp_path, capsys):
    path = write(tmp_path)
    argv = ["agreement", str(path), "--derive", "quadrant:split", "--midpoint", "arousal=5",
            "--midpoint", "valence=5", "--bootstrap", "0"]  # fmt: skip
    assert main(argv) == 1
    assert "one label per judgment" in capsys.readouterr().err


def test_the_items_report_states_its_spread_convention(tmp_path, capsys):
    path = write(tmp_path)
    argv = ["agreement", str(path), "--items", "--dimension", "valence", "--sd-ddof", "0",
            "--quantile-method", "median_unbiased"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "population SD (N); quartiles by numpy quantile method 'median_unbiased'" in out
    assert main([*argv[:-1], "type7"]) == 1
    assert "unknown quantile_method 'type7'" in capsys.readouterr().err
