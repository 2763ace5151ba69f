"""Partition folders: writing a table's rows under a staging folder, and swapping staged
partitions into a live table so that, if any move fails, every move before it is undone."""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from bedrock_costs.io import storage

PARTITION_COLUMN = "usage_date"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
ROWS_PER_FILE = 2_000_000  # about 160 MB of `invocations` Parquet


def partition_folder(value: str | None, column: str = PARTITION_COLUMN) -> str:
    return f"{column}={value if value is not None else NULL_PARTITION}"


def files_per_partition(largest_partition_rows: int, rows_per_file: int = ROWS_PER_FILE) -> int:
    return max(1, -(-largest_partition_rows // rows_per_file))


def stage(
    frame: DataFrame,
    path: str,
    column: str = PARTITION_COLUMN,
    *,
    files: int = 1,
    partitions: int = 1,
    spread_by: str = "request_id",
) -> None:
    """Parquet (snappy) under a fresh folder: one file per partition, or up to `files`.

    With files > 1 the rows of each of the (about `partitions`) partitions are spread over that
    many writing tasks by a hash of `spread_by`, so a large day is written in parallel and no
    file grows without bound (a task count given explicitly is not coalesced by adaptive
    execution).
    """
    if files > 1:
        spread = F.pmod(F.xxhash64(spread_by), F.lit(files))
        frame = frame.repartition(files * max(1, partitions), column, spread)
    else:
        frame = frame.repartition(column)
    (
        frame.write.mode("overwrite")
        .option("compression", "snappy")
        .partitionBy(column)
        .parquet(storage.spark_path(path))
    )


def _folders(table: str) -> set[str]:
    if not storage.exists(table):
        return set()
    return {p.rsplit("/", 1)[-1] for p in storage.list_dir(table)[0]}


@dataclass
class Swap:
    """Moves staged partition folders into live tables, keeping each replaced live folder under
    `backup` until the whole swap is done, so `undo` can put every table back as it was."""

    backup: str
    _done: list[tuple[str, str | None]] = field(default_factory=list)  # live folder, its backup

    def replace(
        self, staged: str, live: str, partitions: set[str | None], column: str = PARTITION_COLUMN
    ) -> list[str]:
        """Each processed partition of `live` replaced by its staged folder, if any; returns
        the folders written."""
        have, new = _folders(live), _folders(staged)
        written = []
        table = live.rstrip("/").rsplit("/", 1)[-1]
        for value in sorted(partitions, key=lambda v: (v is None, v or "")):
            folder = partition_folder(value, column)
            target, kept = storage.join(live, folder), None
            if folder in have:
                kept = storage.join(self.backup, table, folder)
                storage.move_tree(target, kept)
            # from here on, whatever is at `target` came from the staging: undo may clear it
            self._done.append((target, kept))
            if folder in new:
                storage.move_tree(storage.join(staged, folder), target)
                written.append(folder)
        return written

    def undo(self) -> None:
        """Every live folder back as it was before the swap, last move first."""
        for target, kept in reversed(self._done):
            storage.delete_tree(target)
            if kept is not None:
                storage.move_tree(kept, target)
        self._done.clear()
