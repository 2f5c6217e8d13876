"""``--items`` out of core under every spread convention (agreement/sql_spread.py): the SD with
N - 1 or N, and the quartiles of every quantile method spread.py accepts, equal the in-memory
per-item report to 1e-9; the position probe is checked against numpy itself."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("duckdb")

from mer_datasets.agreement.spread import QUANTILE_METHODS  # noqa: E402
from mer_datasets.agreement.sql_spread import lerp, quantile_positions  # noqa: E402
from mer_datasets.cli import main  # noqa: E402

from .test_duckdb_report import assert_same_items, crowd_table, report  # noqa: E402


@pytest.fixture(scope="module")
def crowd(tmp_path_factory):
    """Unbalanced items (1 to 12 judgments: every position rule meets small and even sizes),
    integer-valued ratings on one dimension so that quartiles tie."""
    more = crowd_table(14).assign(listener=lambda t: t["listener"] + "b")
    table = pd.concat([crowd_table(13), more], ignore_index=True)
    arousal = table["dimension"] == "arousal"
    table.loc[arousal, "value"] = np.round(table.loc[arousal, "value"] * 2)
    path = tmp_path_factory.mktemp("spread") / "crowd.parquet"
    table.to_parquet(path)
    return path


@pytest.mark.parametrize("ddof", ["0", "1"])
@pytest.mark.parametrize("method", QUANTILE_METHODS)
def test_items_equal_memory_under_every_convention(crowd, capsys, method, ddof):
    options = ("--items", "--sd-ddof", ddof, "--quantile-method", method)
    memory = report(capsys, crowd, "memory", *options)
    assert memory and "q25" in memory[0]
    assert_same_items(memory, report(capsys, crowd, "duckdb", *options))


def test_ordinal_level_and_the_stated_convention(crowd, capsys):
    """The ordinal report merges the spread into the entropy ranking; the text output states
    the convention as the in-memory one does."""
    options = ("--items", "--level", "ordinal", "--sd-ddof", "0", "--quantile-method", "weibull")
    assert_same_items(
        report(capsys, crowd, "memory", *options), report(capsys, crowd, "duckdb", *options)
    )
    argv = ["agreement", str(crowd), "--item", "song", "--rater", "listener", *options[:1]]
    argv += ["--quantile-method", "hazen", "--format", "csv"]
    assert main([*argv, "--engine", "duckdb"]) == 0
    duck = capsys.readouterr().out
    assert main([*argv, "--engine", "memory"]) == 0
    assert duck.splitlines()[0] == capsys.readouterr().out.splitlines()[0]
    assert main([*argv[:-2], "--engine", "duckdb"]) == 0
    assert "quartiles by numpy quantile method 'hazen'" in capsys.readouterr().out


@pytest.mark.parametrize("method", QUANTILE_METHODS)
def test_positions_reproduce_numpy(method):
    """x[k] + g (x[k+1] - x[k]) with the probed (k, g) is numpy's quantile of sorted x."""
    rng = np.random.default_rng(1)
    sizes = [1, 2, 3, 4, 5, 7, 10, 31]
    positions = quantile_positions(sizes, method)
    for n in sizes:
        x = np.sort(rng.normal(size=n))
        k, g = positions[n]
        high = np.append(x, np.nan)[np.minimum(k + 1, n)]
        ours = lerp(x[k], high, g)
        assert ours == pytest.approx(np.quantile(x, [0.25, 0.5, 0.75], method=method), abs=1e-12)


def test_unknown_convention_is_refused_out_of_core(crowd, capsys):
    from mer_datasets.agreement.duckdb_engine import duckdb_source
    from mer_datasets.agreement.sql_report import items_frame
    from mer_datasets.errors import AgreementError

    argv = ["agreement", str(crowd), "--item", "song", "--rater", "listener", "--items"]
    assert main([*argv, "--engine", "duckdb", "--quantile-method", "bogus"]) == 1
    assert "unknown quantile_method 'bogus'" in capsys.readouterr().err
    roles = {"item": "song", "rater": "listener", "value": "value"}
    with pytest.raises(AgreementError, match="sd_ddof must be 0"):
        items_frame(duckdb_source(crowd), roles, sd_ddof=2)
