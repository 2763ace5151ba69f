"""The one publish mechanism of every pipeline: write, audit, publish (Iceberg branches).

    with staged_publish(spark, database, output_path, run_id) as staging:
        staging.write("invocations", frame, {"2026-07-14", None})   # on the run's branch
        ... verify what staging.read("invocations") returns ...

Each table is written to a branch of its own for this run: the processed partitions replaced
there, invisible to readers of the published table. When the block ends without an exception
every table is published, each in one atomic commit (`main` fast-forwarded to the branch); if
publishing one fails, the tables published before it are put back. On any exception nothing
stays published: the run's branches are removed, the files only they held are deleted, and
columns the run added to a table are dropped again.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs.io import catalog, partitions, snapshots
from bedrock_costs.io.catalog_settings import is_embedded
from bedrock_costs.io.partitions import PARTITION_COLUMN
from bedrock_costs.io.tables import read_table

BRANCH_PREFIX = snapshots.BRANCH_PREFIX  # the branches runs write to
# a run's branch this old in the Glue Data Catalog belongs to a killed run (jobs time out sooner)
ABANDONED_AFTER = timedelta(hours=24)


@dataclass
class _Written:
    base: int  # the snapshot the run's branch started from
    column: str
    replaced: set[str | None]
    added_columns: list[str]
    published: int | None = None


@dataclass
class Staging:
    """A run's branches and what it wrote to them."""

    spark: SparkSession
    database: str
    output_path: str
    branch: str
    tables: dict[str, _Written] = field(default_factory=dict)

    def write(
        self,
        table: str,
        frame: DataFrame,
        replace: set[str | None],
        column: str = PARTITION_COLUMN,
        *,
        extra_columns: tuple[str, ...] = (),
        files: int = 1,
        partitions_hint: int = 1,
    ) -> None:
        """The `replace` partitions of `table` replaced by `frame`'s rows on the run's branch
        (the table is created, or given the `extra_columns` it lacks, first)."""
        added = catalog.ensure_table(
            self.spark, self.database, self.output_path, table, extra_columns
        )
        _discard_abandoned(self.spark, self.database, table, self.branch)
        base = snapshots.create_branch(self.spark, self.database, table, self.branch)
        self.tables[table] = _Written(base, column, replace, added)
        target = f"{catalog.qualified(self.database, table)}.`branch_{self.branch}`"
        partitions.overwrite(
            frame, target, replace, column, files=files, partitions=partitions_hint
        )

    def read(self, table: str) -> DataFrame:
        """The rows this run wrote: the replaced partitions of its branch of the table."""
        done = self.tables[table]
        frame = read_table(self.spark, self.database, table, branch=self.branch)
        return frame.where(partitions.replaced(frame, done.column, done.replaced))

    def written(self, table: str) -> list[str | None]:
        """The replaced partitions that hold rows after this run, as text, sorted (None: the
        partition of rows without a value, last)."""
        done = self.tables[table]
        values = (
            self.read(table)
            .select(F.col(done.column).cast("string").alias("value"))
            .distinct()
            .collect()  # one row per partition value: a window's days at most
        )
        found = {r.value for r in values}
        return sorted(v for v in found if v is not None) + ([None] if None in found else [])

    def published(self, table: str) -> int | None:
        """The snapshot of `table` this run published (None before the block ended)."""
        return self.tables[table].published


@contextmanager
def staged_publish(
    spark: SparkSession, database: str, output_path: str, run_id: str
) -> Iterator[Staging]:
    staging = Staging(spark, database, output_path, f"{BRANCH_PREFIX}{run_id}")
    try:
        yield staging
        _publish_all(staging)
    except BaseException:
        _discard(staging)
        raise


def _publish_all(staging: Staging) -> None:
    done: list[str] = []
    try:
        for table, written in staging.tables.items():
            written.published = snapshots.publish(
                staging.spark, staging.database, table, staging.branch
            )
            done.append(table)
    except BaseException:
        for table in reversed(done):
            written = staging.tables[table]
            if written.published is not None:
                snapshots.restore(
                    staging.spark, staging.database, table, written.base, written.published
                )
                written.published = None
        raise


def _discard_abandoned(spark: SparkSession, database: str, table: str, own: str) -> None:
    """The branches killed runs left on `table` (and the files only they hold: a quarantine
    branch holds raw prompts) are removed by the next run that writes the table. With the
    embedded catalog the writer lock is held, so no other run is live: every other branch is
    abandoned. With the Glue Data Catalog, one older than ABANDONED_AFTER (a job's timeout is
    less) is; `maintain` removes the rest."""
    embedded = _is_embedded_catalog(spark)
    oldest = datetime.now(UTC) - (timedelta(0) if embedded else ABANDONED_AFTER)
    for branch in snapshots.branches(spark, database, table):
        started = snapshots.branch_started(branch)
        if branch != own and started is not None and started <= oldest:
            snapshots.discard_unpublished(spark, database, table, branch)


def _is_embedded_catalog(spark: SparkSession) -> bool:
    """Whether the session's catalog is the embedded SQLite one (held under the writer lock)."""
    current = spark.catalog.currentCatalog()
    return is_embedded(spark.conf.get(f"spark.sql.catalog.{current}.uri", "") or "")


def _discard(staging: Staging) -> None:
    """Everything the run left: its branches, their files, the columns it added."""
    for table, written in staging.tables.items():
        snapshots.discard(staging.spark, staging.database, table, staging.branch, written.base)
        catalog.drop_columns(staging.spark, staging.database, table, written.added_columns)
