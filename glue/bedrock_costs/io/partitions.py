"""Writing a table's rows: exactly the processed partitions of an Iceberg table (or of a branch
of one) replaced by a frame's rows, in one commit, with a task layout that bounds file sizes."""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DateType

PARTITION_COLUMN = "usage_date"
ROWS_PER_FILE = 2_000_000  # about 160 MB of `invocations` Parquet


def files_per_partition(largest_partition_rows: int, rows_per_file: int = ROWS_PER_FILE) -> int:
    return max(1, -(-largest_partition_rows // rows_per_file))


def replaced(frame: DataFrame, column: str, values: set[str | None]) -> Column:
    """The rows of the partitions in `values` (None: the partition of rows without a value)."""
    dated = isinstance(frame.schema[column].dataType, DateType)
    known = [date.fromisoformat(v) if dated else v for v in sorted(v for v in values if v)]
    condition = F.col(column).isin(known) if known else F.lit(False)
    return condition | F.col(column).isNull() if None in values else condition


def overwrite(
    frame: DataFrame,
    target: str,
    values: set[str | None],
    column: str = PARTITION_COLUMN,
    *,
    files: int = 1,
    partitions: int = 1,
    spread_by: str = "request_id",
) -> None:
    """The partitions `values` of `target` (a table, or `<table>.branch_<name>`) replaced by the
    rows of `frame`, which must lie in them; partitions without rows end up empty.

    One file per partition, or up to `files`: with files > 1 the rows of each of the (about
    `partitions`) partitions are spread over that many writing tasks by a hash of `spread_by`,
    so a large day is written in parallel and no file grows without bound (a task count given
    explicitly is not coalesced by adaptive execution). A task may hold several partitions:
    Iceberg's fan-out writer keeps one file open per partition.
    """
    if files > 1:
        spread = F.pmod(F.xxhash64(spread_by), F.lit(files))
        frame = frame.repartition(files * max(1, partitions), column, spread)
    else:
        frame = frame.repartition(column)
    frame.writeTo(target).option("fanout-enabled", "true").overwrite(
        replaced(frame, column, values)
    )
