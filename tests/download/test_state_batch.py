"""VersionStore.batch: many records, one state.json write, nothing lost on an error."""

from __future__ import annotations

import pytest

from mer_datasets.download import install
from mer_datasets.download.install import VersionStore
from mer_datasets.download.layout import VersionLayout
from mer_datasets.download.state import read_state


def _store(tmp_path):
    layout = VersionLayout(tmp_path / "home", "toy", "1.0")
    return VersionStore.open(layout), layout


def _file(layout, name, data=b"x"):
    path = layout.member_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_a_batch_writes_the_state_once_and_keeps_every_record(tmp_path, monkeypatch):
    store, layout = _store(tmp_path)
    writes = []
    original = install.write_state
    monkeypatch.setattr(install, "write_state", lambda *a: (writes.append(1), original(*a)))
    with store.batch():
        for i in range(5):
            store.record(f"a/{i}.mp3", _file(layout, f"a/{i}.mp3"), f"{i:064x}", "download", "u")
        assert not layout.state_path.exists()  # nothing written yet
    assert len(writes) == 1
    on_disk = read_state(layout.state_path)
    assert sorted(on_disk) == [f"a/{i}.mp3" for i in range(5)]
    assert on_disk["a/3.mp3"].sha256 == f"{3:064x}"


def test_records_made_before_an_error_in_a_batch_are_written(tmp_path):
    store, layout = _store(tmp_path)
    with pytest.raises(RuntimeError), store.batch():
        store.record("a/1.mp3", _file(layout, "a/1.mp3"), "1" * 64, "download", "u")
        raise RuntimeError("interrupted")
    assert list(read_state(layout.state_path)) == ["a/1.mp3"]


def test_a_long_batch_flushes_every_batch_flush_records(tmp_path, monkeypatch):
    store, layout = _store(tmp_path)
    monkeypatch.setattr(VersionStore, "BATCH_FLUSH", 2)
    with store.batch():
        for i in range(3):
            store.record(f"a/{i}.mp3", _file(layout, f"a/{i}.mp3"), f"{i:064x}", "download", "u")
        assert sorted(read_state(layout.state_path)) == ["a/0.mp3", "a/1.mp3"]
    assert len(read_state(layout.state_path)) == 3
