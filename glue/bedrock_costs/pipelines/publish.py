"""The one publish mechanism of every pipeline: stage, verify, publish.

    with staged_publish(output_path, run_id) as staging:
        staging.write("invocations", frame)          # under <output>/_staging/<run_id>/
        ... verify what staging.read(...) returns ...
        staging.replace("invocations", partitions)    # what to publish, once the block ends

The tables are published when the block ends without an exception, all of them together:
each processed partition of each table is swapped for its staged folder, and if any move
fails every move before it is undone. On any exception (inside the block or while
publishing) nothing stays published, and the staging folder is always removed (and
`_staging/` itself, when no other run is staging).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession

from bedrock_costs.io import partitions, storage
from bedrock_costs.io.partitions import PARTITION_COLUMN, Swap
from bedrock_costs.io.tables import read_table

STAGING = "_staging"


@dataclass
class Staging:
    """A run's staging folder and what to publish from it."""

    output_path: str
    root: str
    plan: list[tuple[str, set[str | None], str]] = field(default_factory=list)
    published: dict[str, list[str]] = field(default_factory=dict)  # table -> folders written

    def write(
        self,
        table: str,
        frame: DataFrame,
        column: str = PARTITION_COLUMN,
        *,
        files: int = 1,
        partitions_hint: int = 1,
    ) -> None:
        partitions.stage(
            frame,
            storage.join(self.root, table),
            column,
            files=files,
            partitions=partitions_hint,
        )

    def read(self, spark: SparkSession, table: str, tag_columns: tuple[str, ...] = ()) -> DataFrame:
        return read_table(spark, self.root, table, tag_columns)

    def replace(
        self, table: str, processed: set[str | None], column: str = PARTITION_COLUMN
    ) -> None:
        """Publish `table` when the block ends: each processed partition is replaced by its
        staged folder, or removed when the run staged none for it."""
        self.plan.append((table, processed, column))


@contextmanager
def staged_publish(output_path: str, run_id: str) -> Iterator[Staging]:
    staging = Staging(output_path, storage.join(output_path, STAGING, run_id))
    try:
        yield staging
        swap = Swap(backup=storage.join(staging.root, "_replaced"))
        try:
            for table, processed, column in staging.plan:
                staging.published[table] = swap.replace(
                    storage.join(staging.root, table),
                    storage.join(output_path, table),
                    processed,
                    column,
                )
        except BaseException:
            swap.undo()
            raise
    finally:
        storage.delete_tree(staging.root)
        storage.remove_if_empty(storage.join(output_path, STAGING))
