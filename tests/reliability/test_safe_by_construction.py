"""Safe by construction: no code execution on data, only https catalog URLs, private data home."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
import yaml

from mer_datasets.catalog import load_catalog, validate_document
from mer_datasets.config import resolve_data_home
from mer_datasets.errors import CatalogError
from tests.reliability import harness

PACKAGE = harness.REPO_ROOT / "mer_datasets"
FORBIDDEN = {
    "pickle": re.compile(r"\bimport\s+pickle\b|\bpickle\.|\bcPickle\b|\bdill\b|read_pickle"),
    "eval/exec": re.compile(r"(?<![\w.])(eval|exec)\s*\("),
    "unsafe yaml": re.compile(r"yaml\.(load|load_all|unsafe_load|full_load)\s*\("),
    "shell=True": re.compile(r"shell\s*=\s*True"),
    "os.system": re.compile(r"\bos\.(system|popen)\s*\("),
    "compile()": re.compile(r"(?<![\w.])compile\s*\([^)]*['\"]exec['\"]"),
}


#: ``yaml.load(..., Loader=<something safe>)``: allowed, and the loader is checked below
SAFE_LOADER_ARGUMENT = re.compile(r"Loader\s*=\s*[\w.]*([Ss]afe)")


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("rule", list(FORBIDDEN))
def test_the_package_source_has_no_code_execution_on_data(rule):
    hits = []
    for path in _sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#", 1)[0]
            if FORBIDDEN[rule].search(code) and not SAFE_LOADER_ARGUMENT.search(code):
                hits.append(f"{path.relative_to(harness.REPO_ROOT)}:{number}: {line.strip()}")
    assert not hits, hits


def test_the_grep_rules_do_catch_what_they_forbid():
    samples = {
        "pickle": "import pickle",
        "eval/exec": "x = eval(text)",
        "unsafe yaml": "yaml.load(handle)",
        "shell=True": "subprocess.run(cmd, shell=True)",
        "os.system": "os.system('ls')",
        "compile()": "compile(src, 'f', 'exec')",
    }
    assert all(FORBIDDEN[rule].search(sample) for rule, sample in samples.items())
    assert not FORBIDDEN["eval/exec"].search("frame.eval_metric(x); model.evaluate(y)")


def test_every_yaml_read_of_the_package_uses_safe_load():
    loads = [
        line.strip()
        for path in _sources()
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"\byaml\.\w*load", line)
    ]
    assert loads and all(
        "safe_load" in line or SAFE_LOADER_ARGUMENT.search(line) for line in loads
    ), loads


def test_the_catalog_yaml_loader_is_a_safe_one():
    from mer_datasets import catalog

    loader = catalog._safe_loader()
    assert issubclass(loader, yaml.constructor.SafeConstructor)
    assert not issubclass(loader, yaml.constructor.FullConstructor)


def test_every_url_of_the_packaged_catalog_is_https():
    document = yaml.safe_load((harness.REPO_ROOT / "catalog.yaml").read_text(encoding="utf-8"))
    urls = [
        remote["url"]
        for entry in document["datasets"]
        for version in entry["versions"]
        for remote in version.get("remotes", [])
        if remote.get("url")
    ]
    assert urls and all(url.startswith("https://") for url in urls)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/x.csv",
        "file:///etc/passwd",
        "ftp://example.org/x.csv",
        "HTTP://example.org/x.csv",
    ],
)
def test_a_catalog_with_a_non_https_url_is_refused(url, tmp_path):
    entry, _ = harness.pinned_entry("trompa-mer", None)
    entry["versions"][0]["remotes"][0]["url"] = url
    document = {"schema_version": 1, "datasets": [entry]}
    assert validate_document(document)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(CatalogError) as refused:
        load_catalog(path)
    assert "url" in str(refused.value)


def test_a_yaml_catalog_with_python_tags_is_refused_without_running_them(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "catalog.yaml"
    path.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(CatalogError):
        load_catalog(path)
    assert not marker.exists()


def test_a_new_data_home_is_private_whatever_the_umask(tmp_path):
    old = os.umask(0o000)
    try:
        home = resolve_data_home(tmp_path / "a" / "home")
    finally:
        os.umask(old)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_an_existing_private_home_is_not_loosened_by_a_download(tmp_path, server, sleeps):
    from mer_datasets.download.store import download_dataset
    from tests.reliability.conftest import quick_options

    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    os.chmod(home, 0o700)
    entry, served = harness.pinned_entry("trompa-mer", server.base)
    harness.serve_entry(server, "trompa-mer", served)
    old = os.umask(0o000)
    try:
        download_dataset(
            harness.catalog_of(entry).get("trompa-mer"),
            data_home=home,
            fetch_options=quick_options(sleeps),
        )
    finally:
        os.umask(old)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
