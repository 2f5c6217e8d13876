"""Real ISMIR 2020 agreement study: rated quadrants and the personalization run on openSMILE.

The study's files are served from ``../shared/mirror`` by a loopback HTTP server and loaded
through the real downloader (annotations) and the assets subsystem (openSMILE features).
Expected figures are recomputed from the raw ``data_ratings.all.csv`` with the csv module.
Skipped with a reason when ``../shared`` is absent.
"""

from __future__ import annotations

import csv
from collections import Counter

import pandas as pd
import pytest

import mer_datasets
from mer_datasets.cli import main
from mer_datasets.personal.labels import personal_labels
from tests.download.server import LoopbackServer

pytestmark = pytest.mark.real_data

DATASET = "ismir2020-agreement"
# the raw CSV's column names of the paper's grouping (Gómez-Cañón et al. 2020, Table 1)
GROUPS = {
    "Q1": ["joy", "surprise", "power"],
    "Q2": ["anger", "fear", "tension"],
    "Q3": ["sad", "bitter"],
    "Q4": ["peace", "tender", "transcendence"],
}


@pytest.fixture
def study(shared_mirror, tmp_path):
    """A flat loopback mirror (<id>/<filename>) of the study's files, and a data home."""
    root = shared_mirror / DATASET / "agreement-emotion"
    server = LoopbackServer()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        server.add_file(f"/{DATASET}/{path.name}", path.read_bytes())
    server.start()
    yield server, root, tmp_path / "home"
    server.stop()


def _expected_rated_quadrants(root) -> tuple[Counter, int]:
    counts: Counter = Counter()
    ties = 0
    with (root / "results" / "data_ratings.all.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            means = {
                q: sum(float(row[w]) for w in words) / len(words) for q, words in GROUPS.items()
            }
            top = max(means.values())
            best = [q for q, m in means.items() if m == top]
            if len(best) > 1:
                ties += 1
            else:
                counts[best[0]] += 1
    return counts, ties


def test_rated_quadrants_match_the_raw_ratings(study):
    server, root, home = study
    dataset = mer_datasets.load_dataset(DATASET, data_home=home, mirror=server.base, progress=False)
    labels = personal_labels(dataset.annotations, target="rated_quadrant")
    expected, ties = _expected_rated_quadrants(root)
    assert labels.table["label"].value_counts().to_dict() == dict(expected)
    assert labels.dropped == {"rating_tie": ties}
    assert len(labels.table) + ties == 126 * 22  # every (rater, excerpt) rated once


@pytest.mark.slow
def test_personalize_runs_on_the_opensmile_features_and_gives_the_full_table(study, capsys):
    pytest.importorskip("sklearn", reason="scikit-learn (extra 'learn') absent")
    server, _, home = study
    out = home.parent / "results.csv"
    args = ["personalize", DATASET, "--mirror", server.base, "--data-home", str(home), "-q",
            "--target", "rated_quadrant", "--features", "opensmile", "--epochs", "2",
            "--queries", "3", "--max-raters", "3", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "3 rater(s), 22 tracks with opensmile features (0 without)" in text
    table = pd.read_csv(out, dtype={"rater_id": str})
    assert len(table) == 3 * 4 * 3 * 3  # raters x strategies x models x epochs 0..2
    assert set(table["strategy"]) == {"hc", "mc", "mix", "rand"}
    assert set(table["model"]) == {"logreg", "gnb", "extratrees"}
    assert sorted(set(table["n_queried"])) == [0, 3, 6]
    assert table["value"].between(0, 1).all() and table["metric"].eq("f1_weighted").all()
