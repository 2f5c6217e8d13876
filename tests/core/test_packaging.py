"""The installed package carries its catalog, schemas and datasheets (not only a checkout)."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


@pytest.mark.slow
def test_a_wheel_installed_into_a_fresh_venv_lists_and_validates_the_catalog(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(REPO_ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if build.returncode != 0 and "No module named build" in build.stderr:
        pytest.fail("the `build` package is a test dependency: pip install -e '.[test]'")
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next(dist.glob("mer_datasets-*.whl"))

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    install = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert install.returncode == 0, install.stderr[-3000:]

    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    clean_env["MER_DATASETS_HOME"] = str(tmp_path / "home")
    elsewhere = tmp_path / "elsewhere"  # not the checkout: nothing can be read from the source tree
    elsewhere.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(bin_dir / "mer-datasets"), *args],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=elsewhere,
            env=clean_env,
        )

    where = subprocess.run(
        [
            str(bin_dir / "python"),
            "-c",
            "import mer_datasets, mer_datasets.resources as r; print(mer_datasets.__file__); print(r.data_root())",
        ],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env=clean_env,
    )
    package_file, data_root = where.stdout.split()
    assert Path(package_file).is_relative_to(env_dir), package_file
    assert Path(data_root).is_relative_to(env_dir), data_root
    assert (Path(data_root) / "datasheets").is_dir()

    listed = run("list")
    assert listed.returncode == 0, listed.stderr
    assert "trompa-mer" in listed.stdout and "sample" in listed.stdout
    validated = run("validate-catalog")
    assert validated.returncode == 0, validated.stderr
    assert "valid" in validated.stdout
    stats = run("stats", "sample", "--json")
    assert stats.returncode == 0, stats.stderr
    # the README's main job: an agreement report on the embedded sample, no network
    report = run("agreement", "sample")
    assert report.returncode == 0, report.stderr
    assert "krippendorff_alpha" in report.stdout and "valence" in report.stdout
