"""Table maintenance (`bedrock-costs maintain`, weekly in Glue): per table, remove the branches
killed runs left, expire old snapshots (tagged ones stay: month-end closes), delete files no
snapshot references, and compact small files.

Run it when no job is running: a job that started before a compaction commit fails cleanly at
its publish (run it again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pyspark.sql import SparkSession

from bedrock_costs.config import MaintainConfig
from bedrock_costs.io import catalog, snapshots

TABLES = ("invocations", "quarantine", "reconciliation", "allocations", "focus")


@dataclass
class Maintained:
    table: str
    branches_removed: list[str] = field(default_factory=list)
    snapshots_expired: int = 0
    files_deleted: int = 0  # data and metadata files of expired snapshots, and orphans
    files_compacted: int = 0  # small data files rewritten into fewer

    def human(self) -> str:
        return (
            f"{self.table:<15} {len(self.branches_removed):>3} stale branches, "
            f"{self.snapshots_expired:>4} snapshots expired, {self.files_deleted:>5} files "
            f"deleted, {self.files_compacted:>4} small files compacted"
        )


def run_maintain(
    spark: SparkSession,
    config: MaintainConfig,
    progress: Callable[[str], None] = lambda _: None,
    now: datetime | None = None,
) -> list[Maintained]:
    now = now or datetime.now(UTC)
    done = []
    for table in TABLES:
        if catalog.table_exists(spark, config.database, table):
            progress(f"maintaining {config.database}.{table}")
            done.append(_one_table(spark, config, table, now))
    return done


def _one_table(
    spark: SparkSession, config: MaintainConfig, table: str, now: datetime
) -> Maintained:
    result = Maintained(table)
    stale = now - timedelta(hours=config.stale_branch_hours)
    for branch in snapshots.branches(spark, config.database, table):
        started = snapshots.branch_started(branch)
        if started is not None and started < stale:
            snapshots.discard_unpublished(spark, config.database, table, branch)
            result.branches_removed.append(branch)
    name = f"{config.database}.{table}"
    procedure = f"`{spark.catalog.currentCatalog()}`.system"
    expired = spark.sql(
        f"CALL {procedure}.expire_snapshots(table => '{name}', "
        f"older_than => TIMESTAMP '{_sql_time(now - timedelta(days=config.keep_days))}', "
        "retain_last => 1)"
    ).take(1)[0]
    result.snapshots_expired = int(expired["deleted_manifest_lists_count"])
    result.files_deleted = int(expired["deleted_data_files_count"]) + int(
        expired["deleted_manifest_files_count"]
    )
    # never closer than Iceberg's safety interval: a file younger than a day may be a write
    # in progress
    orphan_age = min(
        now - timedelta(days=config.orphan_days), datetime.now(UTC) - timedelta(days=1)
    )
    orphans = spark.sql(
        f"CALL {procedure}.remove_orphan_files(table => '{name}', "
        f"older_than => TIMESTAMP '{_sql_time(orphan_age)}')"
    ).count()
    result.files_deleted += orphans
    compacted = spark.sql(
        f"CALL {procedure}.rewrite_data_files(table => '{name}', "
        "options => map('min-input-files', '2'))"
    ).take(1)[0]
    result.files_compacted = int(compacted["rewritten_data_files_count"])
    return result


def _sql_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
