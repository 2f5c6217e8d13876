"""Real TROMPA-MER 2022-03-07 export: user selection under both counts and personal quadrants.

The export is served from ``../shared/mirror`` by a loopback HTTP server and loaded through the
real downloader (``mer_datasets.load_dataset(..., mirror=URL)``). The expected figures are
computed here from the raw JSON with plain Python, independently of the loader and the library.
Skipped with a reason when ``../shared`` is absent.
"""

from __future__ import annotations

import http.server
import json
import threading
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

import pytest

import mer_datasets
from mer_datasets.personal.activity import select_raters
from mer_datasets.personal.labels import personal_labels
from tests.conftest import NO_MIRROR_REASON, SHARED_MIRROR

pytestmark = pytest.mark.real_data

VERSION = "2022-03-07"
EXPORT = "data_07_03_2022.json"
MIN_ANNOTATIONS = 80  # "users with at least 80 annotations" (the personalization study)
SIGNS = {(1, 1): "Q1", (1, -1): "Q2", (-1, -1): "Q3", (-1, 1): "Q4"}


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, Path] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        path = self.routes.get(self.path)
        if path is None:
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def trompa(tmp_path_factory):
    if SHARED_MIRROR is None:
        pytest.skip(NO_MIRROR_REASON)
    root = SHARED_MIRROR / "trompa-mer"
    info = mer_datasets.dataset_info("trompa-mer")
    routes = {}
    for remote in info.version(VERSION).remotes:
        found = next(root.rglob(Path(remote.path).name), None)
        if found is None:
            pytest.skip(f"trompa-mer: {remote.path} is not in ../shared/mirror")
        routes[f"/trompa-mer/{quote(remote.filename)}"] = found
    handler = type("Handler", (_Handler,), {"routes": routes})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        dataset = mer_datasets.load_dataset(
            "trompa-mer",
            version=VERSION,
            data_home=tmp_path_factory.mktemp("home"),
            mirror=f"http://127.0.0.1:{server.server_address[1]}",
            progress=False,
        )
    finally:
        server.shutdown()
        server.server_close()
    raw = json.loads(next(root.rglob(EXPORT)).read_text(encoding="utf-8"))["annotations"]
    return dataset, raw


def test_user_selection_counts_records_and_distinct_tracks_differently(trompa):
    dataset, raw = trompa
    records = Counter(a["userId"] for a in raw)
    tracks = defaultdict(set)
    for a in raw:
        tracks[a["userId"]].add(a["externalID"])
    by_records = sorted(u for u, n in records.items() if n >= MIN_ANNOTATIONS)
    by_tracks = sorted(u for u, t in tracks.items() if len(t) >= MIN_ANNOTATIONS)
    got_records = select_raters(dataset.annotations, min_judgments=80, count="records")
    got_tracks = select_raters(dataset.annotations, min_judgments=80, count="tracks")
    assert got_records == by_records
    assert got_tracks == by_tracks
    assert len(by_tracks) <= len(by_records)
    print(f"raters with >= 80: {len(by_records)} by records, {len(by_tracks)} by tracks")


def _answer(value) -> int | None:
    if value in ("", None):
        return None
    number = float(value)
    return int(number) if number in (-1.0, 1.0) else None


def test_personal_quadrant_class_counts_match_the_raw_export(trompa):
    dataset, raw = trompa
    latest: dict[tuple[str, str], tuple[int, int, str]] = {}
    for index, a in enumerate(raw):
        arousal, valence = _answer(a["arousalValue"]), _answer(a["valenceValue"])
        if arousal is None or valence is None:
            continue
        key = (a["userId"], a["externalID"])
        order = (int(a["timestamp"]), index)
        if key not in latest or order > latest[key][:2]:
            latest[key] = (*order, SIGNS[(arousal, valence)])
    expected = Counter(q for *_, q in latest.values())

    labels = personal_labels(dataset.annotations, repeats="last")
    assert labels.table["label"].value_counts().to_dict() == dict(expected)
    assert len(labels.table) == len(latest)
    assert labels.table["weight"].eq(1.0).all()  # binary answers: nothing lies on an axis
    assert "on_axis" not in labels.dropped
    print(f"personal quadrants (last of repeats): {dict(sorted(expected.items()))}")
