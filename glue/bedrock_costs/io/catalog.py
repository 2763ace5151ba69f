"""The output tables in the session's catalog: Apache Iceberg v2 tables, created from
`schemas/*.json` at `<output>/<table>`, whose columns only grow (Iceberg schema evolution: a
metadata change, no data rewritten).

A table the catalog does not know is never created over data already at its location: Iceberg
metadata there is registered again (a catalog file lost, a Glue database deleted), and
Hive-style partition folders an earlier version wrote are imported into the new table, in one
commit, before any run writes to it."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from bedrock_costs.contract import schemas
from bedrock_costs.contract.errors import PublishConflict, UsageError
from bedrock_costs.contract.schemas import TABLE_PROPERTIES, TAG_PREFIX
from bedrock_costs.io import locations, snapshots, storage

IMPORTED = "bedrock-costs.imported-from"  # snapshot property of a Hive-style import


def qualified(database: str, table: str) -> str:
    return f"`{database}`.`{table}`"


def sql_string(text: str) -> str:
    """A Spark SQL string literal: a location with an apostrophe ("bob's") stays one string."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def table_exists(spark: SparkSession, database: str, table: str) -> bool:
    return spark.catalog.tableExists(f"{database}.{table}")


def columns(spark: SparkSession, database: str, table: str) -> list[str]:
    return [c.name for c in spark.catalog.listColumns(f"{database}.{table}")]


def existing_tag_columns(
    spark: SparkSession, database: str, prefix: str = TAG_PREFIX, table: str = "invocations"
) -> list[str]:
    """Tag columns `table` already has, in table order (the set only grows)."""
    if not table_exists(spark, database, table):
        return []
    return [c for c in columns(spark, database, table) if c.startswith(prefix)]


def ensure_table(
    spark: SparkSession,
    database: str,
    output_path: str,
    table: str,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """Create the table from its schema file (or register, or import, what its location holds)
    and give it the `extra` string columns it lacks; returns the columns this call added after
    that (the run's own schema change, which a failed run undoes)."""
    try:
        spark.sql(f"CREATE NAMESPACE IF NOT EXISTS `{database}`")
    except Exception as exc:  # another run created it between the check and the create
        if "already exists" not in str(exc).lower():
            raise
    schema = schemas.load(table)
    location = storage.spark_path(storage.join(output_path, table))
    if not table_exists(spark, database, table):
        metadata = locations.latest_metadata(location)
        if metadata:
            snapshots.register(spark, database, table, metadata)
        else:
            _create(spark, database, table, location)
    key = schema.partition_keys[0].name
    if snapshots.snapshot_id(spark, database, table) is None:
        folders = locations.hive_partitions(location, key)
        if folders:
            _import_hive(spark, database, table, location, folders)
    have = set(columns(spark, database, table))
    wanted = [*[(c.name, c.type) for c in schema.columns], *[(t, "string") for t in extra]]
    new = [(column, kind) for column, kind in wanted if column not in have]
    if new:
        spark.sql(f"ALTER TABLE {qualified(database, table)} ADD COLUMNS ({_ddl(new)})")
    return [column for column, _ in new]


def _create(spark: SparkSession, database: str, table: str, location: str) -> None:
    schema = schemas.load(table)
    wanted = [(c.name, c.type) for c in schema.columns]
    keys = [(c.name, c.type) for c in schema.partition_keys]
    properties = ", ".join(f"'{k}'='{v}'" for k, v in TABLE_PROPERTIES.items())
    try:
        spark.sql(
            f"CREATE TABLE {qualified(database, table)} ({_ddl([*wanted, *keys])}) "
            f"USING iceberg PARTITIONED BY ({', '.join(f'`{name}`' for name, _ in keys)}) "
            f"LOCATION {sql_string(location)} TBLPROPERTIES ({properties})"
        )
    except Exception as exc:
        if "already exists" not in str(exc).lower():
            raise
        if table_exists(spark, database, table):  # another run created it at the same time
            return
        raise UsageError(  # the catalog has the name, but not as an Iceberg table
            f"{database}.{table} is in the catalog but is not an Iceberg table (a table an "
            "earlier version defined): deploy.sh migrates it, see docs/deploy.md, "
            "'Iceberg tables'"
        ) from None


def _import_hive(
    spark: SparkSession, database: str, table: str, location: str, folders: list[str]
) -> None:
    """The rows of an earlier version's Hive-style partition folders, appended to the empty
    table in one commit (its tag columns added first). The old files stay where they are until
    `maintain` removes them as files no table version references."""
    frame = (
        spark.read.option("basePath", location)
        .option("mergeSchema", "true")
        .parquet(*(storage.spark_path(f) for f in folders))
    )
    have = spark.table(qualified(database, table)).schema
    new = [f for f in frame.schema if f.name not in have.names]
    if new:
        added = [(f.name, f.dataType.simpleString()) for f in new]
        spark.sql(f"ALTER TABLE {qualified(database, table)} ADD COLUMNS ({_ddl(added)})")
    names = set(frame.columns)
    rows = frame.select(
        *(
            (F.col(f"`{f.name}`") if f.name in names else F.lit(None))
            .cast(f.dataType)
            .alias(f.name)
            for f in [*have.fields, *new]
        )
    )
    branch = f"{snapshots.BRANCH_PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%SZ}-import-{uuid4().hex[:8]}"
    base = snapshots.create_branch(spark, database, table, branch)
    target = f"{qualified(database, table)}.`branch_{branch}`"
    rows.writeTo(target).option("fanout-enabled", "true").option(
        f"snapshot-property.{IMPORTED}", location
    ).append()
    try:  # published only if no other process imported (or wrote) the table meanwhile
        snapshots.publish(spark, database, table, branch)
    except PublishConflict:
        snapshots.discard(spark, database, table, branch, base)


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
