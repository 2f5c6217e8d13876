"""The Spark engine (local mode) gives the in-memory report's records to 1e-9: the same grouped
queries as DuckDB (agreement/sql_report.py) through Spark SQL. Skipped, with the reason, where
pyspark or a Java runtime is missing; slow: a local Spark session takes seconds to start."""

import json
import shutil

import pytest

pyspark = pytest.importorskip("pyspark", reason="the spark engine needs pyspark (extra 'spark')")
if shutil.which("java") is None:  # pragma: no cover - depends on the machine
    pytest.skip("the spark engine needs a Java runtime (java on PATH)", allow_module_level=True)

from mer_datasets.errors import AgreementError  # noqa: E402

from .test_duckdb_report import (  # noqa: E402
    assert_same_items,
    assert_same_report,
    crowd_table,
    report,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("mer-datasets tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


OPTIONS = [  # few: every query costs a Spark job (about a second in local mode on 2 cores)
    (),
    ("--duplicates", "mean", "--where", "not (familiarity == null or lang in ['es'])"),
    ("--level", "nominal", "--metrics", "krippendorff_alpha,fleiss_kappa"),
]


@pytest.mark.parametrize("options", OPTIONS, ids=" ".join)
def test_cli_report_equals_memory(spark, tmp_path, capsys, options):
    path = tmp_path / "crowd.parquet"
    crowd_table(3).to_parquet(path)
    memory = report(capsys, path, "memory", *options)
    assert_same_report(memory, report(capsys, path, "spark", *options))


def test_dataframe_api(spark, tmp_path, capsys):
    from mer_datasets.agreement.alpha import krippendorff_alpha
    from mer_datasets.agreement.spark_engine import spark_alpha, spark_records

    table = crowd_table(5, complete=True)
    path = tmp_path / "complete.parquet"
    table.to_parquet(path)
    frame = spark.createDataFrame(table)
    valence = table[table["dimension"] == "valence"]
    ours = spark_alpha(frame.filter("dimension = 'valence'"), item="song", level="interval")
    assert abs(ours - krippendorff_alpha(valence, item="song", level="interval")) <= 1e-9
    records = spark_records(frame, item="song", rater="listener", bootstrap=40)
    memory = report(capsys, path, "memory")
    assert_same_report(memory, json.loads(json.dumps(records)))
    with pytest.raises(AgreementError, match="no item column"):
        spark_records(frame, item="nope")


def test_items_report_equals_memory(spark, tmp_path, capsys):
    path = tmp_path / "labels.parquet"
    crowd_table(11, labels=True).to_parquet(path)
    memory = report(capsys, path, "memory", "--items")
    assert_same_items(memory, report(capsys, path, "spark", "--items"))
    path = tmp_path / "values.parquet"
    crowd_table(12).to_parquet(path)
    memory = report(capsys, path, "memory", "--items", "--level", "ordinal")
    assert_same_items(memory, report(capsys, path, "spark", "--items", "--level", "ordinal"))


def test_raters_report_equals_memory(spark, tmp_path, capsys):
    from .test_sql_raters import assert_same_raters

    path = tmp_path / "crowd.parquet"
    crowd_table(3).to_parquet(path)
    memory = report(capsys, path, "memory", "--raters")
    assert_same_raters(memory, report(capsys, path, "spark", "--raters"))
    path = tmp_path / "labels.parquet"
    crowd_table(8, labels=True).to_parquet(path)
    memory = report(capsys, path, "memory", "--raters")
    assert_same_raters(memory, report(capsys, path, "spark", "--raters"))


def test_spread_conventions_and_sibling_where_equal_memory(spark, tmp_path, capsys):
    """Spark runs sql_spread's order-statistic query (an inline VALUES table of positions) and
    sql_where's sibling join as DuckDB does."""
    from .test_sql_where import records_table

    path = tmp_path / "records.parquet"
    records_table(3).to_parquet(path)
    for method in ("median_unbiased", "nearest"):
        options = ("--items", "--sd-ddof", "0", "--quantile-method", method)
        memory = report(capsys, path, "memory", *options)
        assert_same_items(memory, report(capsys, path, "spark", *options))
    options = ("--where", "arousal > 0 and valence != 0.5", "--bootstrap", "0")
    assert_same_report(
        report(capsys, path, "memory", *options), report(capsys, path, "spark", *options)
    )
