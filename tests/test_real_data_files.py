"""Real files (../shared/mirror): ingest them, and serve them through the downloader's mirror path.

Both paths verify every file against the checksums recorded in catalog.yaml. Skipped with a
reason when ../shared/mirror is absent.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
import warnings
import zipfile
from pathlib import Path

import pytest

from mer_datasets.agreement.records import agreement_records
from mer_datasets.agreement.render import render_records
from mer_datasets.agreement.report import agreement_report, to_json_records
from mer_datasets.cached_agreement import cached_judgments
from mer_datasets.catalog import default_catalog
from mer_datasets.dataset import default_levels, load_dataset
from mer_datasets.download.store import download_dataset, ingest_dataset, verify_dataset
from mer_datasets.errors import ChecksumWarning
from mer_datasets.loaders.base import find_member

DOWNLOADABLE = [
    info
    for info in default_catalog()
    if info.access in ("open", "manual", "gated") and info.versions[0].remotes
]


def _present(info, mirror: Path) -> bool:
    root = mirror / info.id
    if not root.is_dir():
        return False
    return all(
        find_member(root, m.path) is not None for m in info.version().members() if not m.optional
    )


@pytest.mark.parametrize("info", DOWNLOADABLE, ids=lambda i: i.id)
def test_every_dataset_whose_files_are_mirrored_ingests_and_verifies_against_the_catalog(
    info, shared_mirror, tmp_path
):
    if not _present(info, shared_mirror):
        pytest.skip(f"{info.id}: its files are not in ../shared/mirror")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChecksumWarning)  # the pins are of exactly these bytes
        ingest_dataset(info, shared_mirror / info.id, None, data_home=tmp_path)
    statuses = verify_dataset(info, None, data_home=tmp_path)
    by_path = {s.path: s.status for s in statuses}
    for member in info.version().members():
        if member.optional and find_member(shared_mirror / info.id, member.path) is None:
            continue
        assert by_path.get(member.path) == "ok", (member.path, by_path)
    # end to end: the ingested real files parse and validate offline (counts are checked
    # independently of the loaders in tests/loaders/test_<id>.py)
    dataset = load_dataset(info.id, data_home=tmp_path, offline=True)
    assert len(dataset.tracks) > 0 and (len(dataset.annotations) + len(dataset.labels)) > 0
    # the counts typed into the catalog (from the datasets' papers and pages) match the data
    annotations = dataset.annotations
    counts = info.counts
    items = annotations["track_id"].nunique() if len(annotations) else len(dataset.tracks)
    if counts.get("items") is not None:
        assert counts["items"] == items, ("items", counts["items"], items)
    if counts.get("raters") is not None:
        assert counts["raters"] == annotations["rater_id"].nunique()
    if counts.get("annotations") is not None:
        assert counts["annotations"] == annotations["annotation_id"].nunique()
    # the CLI's pandas-free path (cache -> pyarrow -> numpy) gives every digit the DataFrame
    # path gives, on the real judgments
    if len(annotations):
        judgments = cached_judgments(info, info.version(), data_home=tmp_path)
        assert judgments is not None
        levels = default_levels(info)
        fast = agreement_records(judgments, levels=levels, bootstrap=200)
        full = to_json_records(
            agreement_report(annotations, dataset.raters, levels=levels, bootstrap=200)
        )
        assert render_records(fast, "json") == render_records(full, "json")


class _RouteHandler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, Path] = {}
    log: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.log.append(self.path)
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


def _routes_for(info, mirror: Path, scratch: Path) -> dict[str, Path]:
    """``/<id>/<filename>`` -> a mirrored file, or a zip built from mirrored members."""
    from urllib.parse import quote

    routes = {}
    root = mirror / info.id
    for remote in info.version().remotes:
        url_path = f"/{info.id}/{quote(remote.filename)}"
        if remote.kind == "file":
            found = find_member(root, remote.path)
            if found is not None:
                routes[url_path] = found
        else:
            archive = scratch / remote.filename
            with zipfile.ZipFile(archive, "w") as zf:
                for member in remote.members:
                    found = find_member(root, member.path)
                    if found is not None:
                        zf.write(found, member.path)
            routes[url_path] = archive
    return routes


@pytest.mark.parametrize(
    "info", [i for i in DOWNLOADABLE if i.access in ("open", "manual")], ids=lambda i: i.id
)
def test_mirrored_files_download_through_the_mirror_path_and_verify(info, shared_mirror, tmp_path):
    if not _present(info, shared_mirror):
        pytest.skip(f"{info.id}: its files are not in ../shared/mirror")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    handler = type(
        "Handler",
        (_RouteHandler,),
        {"routes": _routes_for(info, shared_mirror, scratch), "log": []},
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        mirror_url = f"http://127.0.0.1:{server.server_address[1]}"
        with warnings.catch_warnings():
            warnings.simplefilter("error", ChecksumWarning)
            download_dataset(
                info, None, data_home=tmp_path / "home", mirror=mirror_url, progress=False
            )
    finally:
        server.shutdown()
        server.server_close()
    assert handler.log, "nothing was requested from the mirror"
    statuses = verify_dataset(info, None, data_home=tmp_path / "home")
    for status in statuses:
        member = next((m for m in info.version().members() if m.path == status.path), None)
        if member is not None and member.optional:
            assert status.status in ("ok", "unpinned", "missing-optional"), status
            continue
        assert status.status in ("ok", "unpinned"), status
    for member in info.version().members():
        if member.sha256 and not member.optional:
            local = tmp_path / "home" / info.id / info.version().version / "files" / member.path
            assert hashlib.sha256(local.read_bytes()).hexdigest() == member.sha256
