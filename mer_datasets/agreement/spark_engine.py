"""Agreement on data that lives on a cluster: the report's grouped aggregations through PySpark.

Why Spark and not a home-made distribution: crowd-sourced judgments that outgrow one machine
already live in a cluster's tables, and every statistic of the report needs only per-item,
per-rater and per-(item, value) sums (agreement/sql_report.py). Those run as Spark SQL on a
temporary view of the judgments, and the small results (one row per item at most) are finished
in NumPy exactly as the DuckDB and in-memory engines finish them: the same numbers (tests to
1e-9 in local mode), the bootstrap drawn on the per-item statistics on the driver.

Entry points: :func:`spark_records` / :func:`spark_alpha` take a Spark DataFrame (an existing
SparkSession: a notebook, ``spark-submit``); ``mer-datasets agreement FILE --engine spark``
reads Parquet through ``SparkSession.builder.getOrCreate()`` (local mode unless the environment,
e.g. spark-submit, says otherwise). Optional dependency: ``pip install 'mer-datasets[spark]'``
and a Java runtime. Rows are ordered by ``monotonically_increasing_id()`` (partition, then row),
which is the file order for a Parquet file read in order; items come in order of first
appearance, as in memory.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..errors import AgreementError

_VIEWS = itertools.count()


def _pyspark() -> Any:
    try:
        import pyspark.sql
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise AgreementError(
            "the spark engine needs the optional dependency pyspark (and Java): "
            "pip install 'mer-datasets[spark]'"
        ) from error
    return pyspark.sql


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def spark_source(frame: Any):
    """An :class:`~.sql_report.Source` on Spark DataFrame ``frame`` (a temporary view with a
    ``_row`` order column)."""
    from pyspark.sql import functions

    from .sql_report import Source

    if "_row" in frame.columns:
        raise AgreementError("the input has a column named '_row', which the engine uses itself")
    session = frame.sparkSession
    view = f"mer_judgments_{next(_VIEWS)}"
    frame.withColumn("_row", functions.monotonically_increasing_id()).createOrReplaceTempView(view)
    columns = {name: kind.upper() for name, kind in frame.dtypes}

    session.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")

    def run(sql: str) -> dict[str, np.ndarray]:
        try:
            table = session.sql(sql).toPandas()
        except Exception as error:  # pyspark's AnalysisException and friends: data or type errors
            if type(error).__module__.startswith(("pyspark", "py4j")):
                raise AgreementError(f"Spark could not compute the report: {error}") from None
            raise
        return {name: _plain(table[name].to_numpy()) for name in table.columns}

    return Source(view, columns, run, _quoted, text_type="STRING", quantile_function="percentile")


def _plain(column: np.ndarray) -> np.ndarray:
    """Decimal results (Spark's sums of integer columns can be DECIMAL) as floats."""
    from decimal import Decimal

    if column.dtype == object and column.size and isinstance(column[0], Decimal):
        return column.astype(np.float64)
    return column


def spark_records(
    frame: Any,
    *,
    item: str = "item",
    rater: str | None = "rater",
    value: str = "value",
    dimension: str | None = "dimension",
    levels: dict[str, str] | None = None,
    dimensions: list[str] | None = None,
    where: str | None = None,
    by: str | None = None,
    duplicates: str = "latest",
    bootstrap: int = 1000,
    seed: int | None = 0,
    expected: str = "group",
    metrics: list[str] | tuple[str, ...] | None = None,
    order: str | None = "timestamp",
    bootstrap_interval: str = "percentile",
    bootstrap_totals: str = "auto",
) -> list[dict[str, Any]]:
    """The agreement records (:data:`~.records.RECORD_COLUMNS`) of the judgments in Spark
    DataFrame ``frame``: one row per judgment, columns named by ``item``, ``rater``, ``value``
    (numbers or labels), ``dimension`` (optional) and ``order`` (optional timestamp ordering
    repeated judgments). ``where`` is the ``--where`` language; see sql_report.py for what is
    computed and what is named as not computed out of core."""
    from .sql_report import report_records

    _pyspark()
    source = spark_source(frame)
    roles = {"item": item, "rater": rater, "value": value, "dimension": dimension}
    for role in ("item", "value"):
        if roles[role] not in source.columns:
            raise AgreementError(
                f"no {role} column {roles[role]!r} in the DataFrame "
                f"(columns: {', '.join(source.columns)})"
            )
    roles = {k: v for k, v in roles.items() if v is not None and v in source.columns}
    return report_records(
        source, roles, dimensions=dimensions, levels=levels, where=where, by=by,
        duplicates=duplicates, bootstrap=bootstrap, seed=seed, expected=expected,
        metrics=metrics, order=order, bootstrap_interval=bootstrap_interval,
        bootstrap_totals=bootstrap_totals,
    )  # fmt: skip


def spark_alpha(
    frame: Any, *, item: str = "item", value: str = "value", level: str = "nominal"
) -> float:
    """Krippendorff's alpha of a Spark DataFrame of judgments (every row one judgment)."""
    from .alpha import alpha_from_sums, check_level, expected_of
    from .sql_report import plan, statistics

    check_level(level)
    _pyspark()
    source = spark_source(frame)
    p = plan(source, {"item": item, "value": value}, level=level, duplicates="all")
    _, stats = statistics(source, p)
    total, n_ref = expected_of(stats)
    return alpha_from_sums(float(stats.within.sum()), total, int(round(stats.m.sum())), n_ref)


def spark_file_source(target: str):
    """``mer-datasets agreement FILE --engine spark``: Parquet ``target`` (a file, a directory,
    a glob) read by the active or a new SparkSession, as an :class:`~.sql_report.Source`."""
    pyspark_sql = _pyspark()
    session = pyspark_sql.SparkSession.builder.appName("mer-datasets agreement").getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return spark_source(session.read.parquet(target))
