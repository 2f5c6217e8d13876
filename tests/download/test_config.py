"""config.py: precedence of arguments over environment over defaults, and a private data home."""

from __future__ import annotations

import os

import platformdirs

from mer_datasets.config import (
    data_home_path,
    resolve_data_home,
    resolve_mirror,
    resolve_offline,
    resolve_settings,
)


def test_the_data_home_argument_wins_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MER_DATASETS_HOME", str(tmp_path / "env"))
    assert data_home_path(tmp_path / "arg") == tmp_path / "arg"
    assert data_home_path() == tmp_path / "env"


def test_without_argument_or_environment_the_data_home_is_the_user_data_dir(monkeypatch):
    monkeypatch.delenv("MER_DATASETS_HOME", raising=False)
    assert str(data_home_path()) == platformdirs.user_data_dir("mer-datasets")


def test_the_mirror_argument_wins_over_the_environment(monkeypatch):
    assert resolve_mirror() is None
    monkeypatch.setenv("MER_DATASETS_MIRROR", "https://mirror.example.org/mer")
    assert resolve_mirror() == "https://mirror.example.org/mer"
    assert resolve_mirror("/srv/mer") == "/srv/mer"


def test_offline_reads_1_true_yes_from_the_environment_and_the_argument_wins(monkeypatch):
    assert resolve_offline() is False
    for word in ("1", "true", "YES", "True"):
        monkeypatch.setenv("MER_DATASETS_OFFLINE", word)
        assert resolve_offline() is True
    assert resolve_offline(False) is False
    monkeypatch.setenv("MER_DATASETS_OFFLINE", "0")
    assert resolve_offline() is False
    assert resolve_offline(True) is True


def test_a_new_data_home_is_created_with_mode_700(tmp_path):
    old_umask = os.umask(0)
    try:
        home = resolve_data_home(tmp_path / "a" / "b")
    finally:
        os.umask(old_umask)
    assert home.is_dir() and home.stat().st_mode & 0o777 == 0o700


def test_an_existing_data_home_keeps_looser_or_stricter_permissions(tmp_path):
    for mode in (0o755, 0o500):
        home = tmp_path / f"home-{mode:o}"
        home.mkdir()
        os.chmod(home, mode)
        settings = resolve_settings(home)
        assert settings.data_home == home
        assert home.stat().st_mode & 0o777 == mode
        os.chmod(home, 0o700)
