"""Unlucky folders and degenerate data: a typed error or the defined answer, never a traceback.

Cases from the adversarial probe (issue 18, items 12, 20 and 22): ``ingest`` of an empty folder
or of a dataset with no files, a source folder with an unreadable sibling folder, ICC on
degenerate designs through the CLI, group tests over hundreds of groups, and ``croissant`` /
``card --out`` into an existing folder. Bounded and offline; the SIGKILL, read-only and cache
cases are in ``test_cache_integrity.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mer_datasets.cli import main
from mer_datasets.download.store import ingest_dataset
from mer_datasets.errors import IngestError
from tests.reliability import harness


def test_ingest_of_a_dataset_listed_for_reference_only_is_an_error_not_zero_files(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["ingest", "pmemo", str(empty)]) == 1
    err = capsys.readouterr().err
    assert "nothing to ingest" in err and "Traceback" not in err
    _record("ingest-reference-only-dataset", "18.22", "ingest", "IngestError", "not 0 files")


def test_ingest_of_an_empty_folder_names_the_missing_files(tmp_path):
    entry, _ = harness.pinned_entry("trompa-mer", None)
    info = harness.catalog_of(entry).get("trompa-mer")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(IngestError, match="not found"):
        ingest_dataset(info, empty, data_home=tmp_path / "home")
    _record("ingest-empty-folder", "18.22", "ingest", "IngestError", "names the missing files")


def test_an_unreadable_sibling_folder_does_not_abort_ingest(tmp_path, monkeypatch):
    """(Simulated: the suite may run as root, whom chmod does not stop.)"""
    entry, _ = harness.pinned_entry("trompa-mer", None)
    info = harness.catalog_of(entry).get("trompa-mer")
    source = tmp_path / "src"
    for remote in entry["versions"][0]["remotes"]:
        target = source / "trompa" / remote["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(harness.fixture_file("trompa-mer", remote["path"]).read_bytes())
    locked = source / "locked"
    locked.mkdir()
    real_is_file = Path.is_file

    def is_file(self):
        if locked in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    summary = ingest_dataset(info, source, data_home=tmp_path / "home")
    assert len(summary.ingested) == len(entry["versions"][0]["remotes"])
    _record(
        "ingest-unreadable-sibling",
        "18.22",
        "ingest",
        "ingested",
        f"{len(summary.ingested)} of {len(summary.ingested)} files",
    )


@pytest.mark.parametrize(
    "case, matrix",
    [
        ("identical", [[3, 3, 3]] * 4),
        ("perfect", [[1, 1, 1], [2, 2, 2], [5, 5, 5], [3, 3, 3]]),
        ("equal-item-means", [[1, 2, 3], [3, 2, 1], [2, 3, 1], [1, 3, 2]]),
    ],
)
def test_icc_of_a_degenerate_design_through_the_library_gives_values_or_reasons(case, matrix):
    import warnings

    import pandas as pd

    from mer_datasets.agreement.icc import icc

    table = pd.DataFrame(
        [(i, j, v) for i, row in enumerate(matrix) for j, v in enumerate(row)],
        columns=["item", "rater", "value"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = icc(table)
    assert (result["value"].notna() | result["note"].str.startswith("undefined")).all()
    _record(f"icc-library-{case}", "18.12", "icc()", "value or reason", "no numpy warning")


def test_group_tests_over_three_hundred_groups_are_refused_with_how_to_narrow():
    import numpy as np

    from mer_datasets.agreement.groups import TooManyGroupsError, group_differences_of

    samples = {f"g{i}": np.array([1.0, 2.0, float(i % 5)]) for i in range(300)}
    with pytest.raises(TooManyGroupsError) as refused:
        group_differences_of(samples, by="valence")
    assert "--where" in str(refused.value) and "300 groups" in str(refused.value)
    json.dumps(str(refused.value))
    _record("group-tests-300-groups", "18.20", "group tests", "TooManyGroupsError", "names --where")


def _record(case: str, item: str, surface: str, outcome: str, figure: str) -> None:
    harness.record(
        "degenerate", case=case, item=item, surface=surface, outcome=outcome, figure=figure
    )


def test_croissant_into_an_existing_folder_writes_inside_it_and_leaves_no_debris(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    assert main(["croissant", "sample", "--out", str(out), "--bootstrap", "0"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [
        "sample-croissant-tables",
        "sample-croissant.json",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no X.tmp, no X-tables/
    _record("croissant-into-folder", "18.22", "croissant --out", "written inside", "no .tmp left")


def test_card_over_an_edited_readme_is_refused_and_leaves_it_untouched(tmp_path, capsys):
    (tmp_path / "README.md").write_text("my edited card\n", encoding="utf-8")
    assert main(["card", "sample", "--out", str(tmp_path), "--bootstrap", "0"]) == 1
    err = capsys.readouterr().err
    assert "README.md" in err and "--force" in err and "Traceback" not in err
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "my edited card\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]
    _record("card-over-edited-readme", "18.22", "card --out", "refused, exit 1", "README untouched")
