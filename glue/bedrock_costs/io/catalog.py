"""Registering the output tables in the session's catalog (Hive metastore or Glue Data Catalog)."""

from __future__ import annotations

from pyspark.sql import SparkSession

from bedrock_costs.contract import schemas
from bedrock_costs.contract.schemas import TAG_PREFIX
from bedrock_costs.io import storage


def existing_tag_columns(spark: SparkSession, database: str, prefix: str = TAG_PREFIX) -> list[str]:
    """Tag columns the invocations table already has, in table order (the set only grows)."""
    if not spark.catalog.tableExists(f"{database}.invocations"):
        return []
    return [
        c.name
        for c in spark.catalog.listColumns(f"{database}.invocations")
        if c.name.startswith(prefix)
    ]


def register_tables(
    spark: SparkSession, database: str, output_path: str, tag_columns: tuple[str, ...]
) -> None:
    """Create or extend both tables, then make the catalog's partitions match the folders."""
    register_table(spark, database, output_path, "invocations", tag_columns)
    register_table(spark, database, output_path, "quarantine")


def register_table(
    spark: SparkSession,
    database: str,
    output_path: str,
    table: str,
    extra: tuple[str, ...] = (),
) -> None:
    """Create or extend one table (its schema file plus `extra` string columns), sync partitions."""
    spark.sql(f"CREATE DATABASE IF NOT EXISTS `{database}`")
    name = f"`{database}`.`{table}`"
    schema = schemas.load(table)
    location = storage.spark_path(storage.join(output_path, table))
    if not spark.catalog.tableExists(f"{database}.{table}"):
        columns = [*[(c.name, c.type) for c in schema.columns], *[(t, "string") for t in extra]]
        partitions = ", ".join(f"`{c.name}` {c.type}" for c in schema.partition_keys)
        spark.sql(
            f"CREATE EXTERNAL TABLE {name} ({_ddl(columns)}) PARTITIONED BY ({partitions}) "
            f"STORED AS PARQUET LOCATION '{location}' "
            f"TBLPROPERTIES ('parquet.compression'='SNAPPY')"
        )
    else:
        have = {c.name for c in spark.catalog.listColumns(f"{database}.{table}")}
        wanted = [*[(c.name, c.type) for c in schema.columns], *[(t, "string") for t in extra]]
        new = [(column, kind) for column, kind in wanted if column not in have]
        if new:
            spark.sql(f"ALTER TABLE {name} ADD COLUMNS ({_ddl(new)})")
    spark.sql(f"MSCK REPAIR TABLE {name} SYNC PARTITIONS")
    spark.catalog.refreshTable(f"{database}.{table}")  # a long-lived session sees the new files


def _ddl(columns: list[tuple[str, str]]) -> str:
    return ", ".join(f"`{name}` {kind}" for name, kind in columns)
