"""The output tables in the session's catalog: Apache Iceberg v2 tables, created from
`schemas/*.json` at `<output>/<table>`, whose columns only grow (Iceberg schema evolution: a
metadata change, no data rewritten)."""

from __future__ import annotations

from pyspark.sql import SparkSession

from bedrock_costs.contract import schemas
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.schemas import TAG_PREFIX
from bedrock_costs.io import storage

# Snappy Parquet as before Iceberg; each run writes its own task layout (io.partitions), so
# Iceberg adds no shuffle of its own; format v2 is what Athena, Lake Formation and pyiceberg read.
TABLE_PROPERTIES = {
    "format-version": "2",
    "write.parquet.compression-codec": "snappy",
    "write.distribution-mode": "none",
}


def qualified(database: str, table: str) -> str:
    return f"`{database}`.`{table}`"


def table_exists(spark: SparkSession, database: str, table: str) -> bool:
    return spark.catalog.tableExists(f"{database}.{table}")


def columns(spark: SparkSession, database: str, table: str) -> list[str]:
    return [c.name for c in spark.catalog.listColumns(f"{database}.{table}")]


def existing_tag_columns(spark: SparkSession, database: str, prefix: str = TAG_PREFIX) -> list[str]:
    """Tag columns the invocations table already has, in table order (the set only grows)."""
    if not table_exists(spark, database, "invocations"):
        return []
    return [c for c in columns(spark, database, "invocations") if c.startswith(prefix)]


def ensure_table(
    spark: SparkSession,
    database: str,
    output_path: str,
    table: str,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """Create the table (its schema file plus `extra` string columns) or add the columns it
    lacks; returns the columns added to an existing table."""
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS `{database}`")
    schema = schemas.load(table)
    wanted = [*[(c.name, c.type) for c in schema.columns], *[(t, "string") for t in extra]]
    keys = [(c.name, c.type) for c in schema.partition_keys]
    if not table_exists(spark, database, table):
        location = storage.spark_path(storage.join(output_path, table))
        properties = ", ".join(f"'{k}'='{v}'" for k, v in TABLE_PROPERTIES.items())
        try:
            spark.sql(
                f"CREATE TABLE {qualified(database, table)} ({_ddl([*wanted, *keys])}) "
                f"USING iceberg PARTITIONED BY ({', '.join(f'`{name}`' for name, _ in keys)}) "
                f"LOCATION '{location}' TBLPROPERTIES ({properties})"
            )
        except Exception as exc:  # the catalog has the name, but not as an Iceberg table
            if "already exists" not in str(exc).lower():
                raise
            raise UsageError(
                f"{database}.{table} is in the catalog but is not an Iceberg table (a table an "
                "earlier version defined): see docs/deploy.md, 'Iceberg tables'"
            ) from None
        return []
    have = set(columns(spark, database, table))
    new = [(column, kind) for column, kind in wanted if column not in have]
    if new:
        spark.sql(f"ALTER TABLE {qualified(database, table)} ADD COLUMNS ({_ddl(new)})")
    return [column for column, _ in new]


def drop_columns(spark: SparkSession, database: str, table: str, names: list[str]) -> None:
    """Undo `ensure_table`'s additions (a failed run leaves the schema as it found it)."""
    for name in names:
        spark.sql(f"ALTER TABLE {qualified(database, table)} DROP COLUMN `{name}`")


def partition_values(spark: SparkSession, database: str, table: str, column: str) -> list[str]:
    """The table's partition values, from its manifests (no data file is read)."""
    if not table_exists(spark, database, table):
        return []
    rows = spark.sql(
        f"SELECT DISTINCT CAST(partition.`{column}` AS STRING) AS value "
        f"FROM {qualified(database, table)}.partitions"
    ).collect()  # one row per partition: a few hundred days at most
    return sorted(r.value for r in rows if r.value is not None)


def _ddl(columns: list[tuple[str, str]]) -> str:
    return ", ".join(f"`{name}` {kind}" for name, kind in columns)
