"""Reading an output table from the session's catalog: its published rows (`main`), a run's
branch, or the table as it was at a snapshot or a time ("as of")."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.io import snapshots
from bedrock_costs.io.as_of import AsOf
from bedrock_costs.io.catalog import qualified


def read_table(
    spark: SparkSession,
    database: str,
    table: str,
    *,
    branch: str | None = None,
    as_of: AsOf | None = None,
    missing_ok: bool = False,
) -> DataFrame:
    """The table's rows: published, on `branch`, or `as_of` a snapshot or time. A time before
    the table's first commit is a usage error, or no rows with `missing_ok`."""
    reader = spark.read
    if branch is not None:
        reader = reader.option("branch", branch)
    if as_of is not None:
        snapshot = _snapshot(spark, database, table, as_of)
        if snapshot is None:
            if missing_ok:
                return spark.table(qualified(database, table)).limit(0)
            raise UsageError(f"{database}.{table} has no snapshot as of {as_of.text()}")
        reader = reader.option("snapshot-id", str(snapshot))
    return reader.table(qualified(database, table))


def _snapshot(spark: SparkSession, database: str, table: str, as_of: AsOf) -> int | None:
    if as_of.snapshot is not None:
        found = snapshots.exists(spark, database, table, as_of.snapshot)
        return as_of.snapshot if found else None
    return snapshots.as_of(spark, database, table, as_of.millis())
