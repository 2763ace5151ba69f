"""Writing a run's partitions so that re-running a window replaces exactly its partitions.

Each table is first written whole to `<output>/_staging/<run_id>/<table>/`; only after the
run's accounting checks pass is each processed partition folder of the live table removed
and replaced by its staged folder, if any. A failed run leaves the live tables untouched.
"""

from __future__ import annotations

from pyspark.sql import DataFrame

from bedrock_costs import storage

PARTITION_COLUMN = "usage_date"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def partition_folder(value: str | None, column: str = PARTITION_COLUMN) -> str:
    return f"{column}={value if value is not None else NULL_PARTITION}"


def stage(frame: DataFrame, path: str, column: str = PARTITION_COLUMN) -> None:
    """One Parquet file per partition (snappy) under a fresh staging folder."""
    (
        frame.repartition(column)
        .write.mode("overwrite")
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
