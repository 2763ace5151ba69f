"""Writing a run's partitions so that re-running a window replaces exactly its partitions.

Each table is first written whole to `<output>/_staging/<run_id>/<table>/`; only after the
run's accounting checks pass is each processed partition folder of the live table removed
and replaced by its staged folder, if any. A failed run leaves the live tables untouched.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from bedrock_costs import storage

PARTITION_COLUMN = "usage_date"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def partition_folder(value: str | None, column: str = PARTITION_COLUMN) -> str:
    return f"{column}={value if value is not None else NULL_PARTITION}"


ROWS_PER_FILE = 2_000_000  # about 160 MB of `invocations` Parquet


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
    """Parquet (snappy) under a fresh staging folder: one file per partition, or up to `files`.

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


def publish(
    staged_table: str,
    live_table: str,
    partitions: set[str | None],
    column: str = PARTITION_COLUMN,
) -> list[str]:
    """Replace each processed partition by its staged folder, if any; return those written."""
    staged = (
        {p.rsplit("/", 1)[-1] for p in storage.list_dir(staged_table)[0]}
        if storage.exists(staged_table)
        else set()
    )
    written = []
    for value in sorted(partitions, key=lambda v: (v is None, v or "")):
        folder = partition_folder(value, column)
        storage.delete_tree(storage.join(live_table, folder))
        if folder in staged:
            storage.move_tree(storage.join(staged_table, folder), storage.join(live_table, folder))
            written.append(folder)
    return written
