"""Reading the logs for the invocation-cost job: lines parsed, windowed and marked (cached) and
counted; the objects Spark cannot read whole; what a run may replace.

A run replaces whole days (`processed_partitions`); it refuses to replace a day that holds calls
of an account and Region whose logs it does not read, and a windowed run does not write again a
request already published near its window.
"""

from __future__ import annotations

from datetime import date, timedelta

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs.config import RunConfig
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.vocabulary import member
from bedrock_costs.invocations import counts
from bedrock_costs.invocations.object_reader import read_objects
from bedrock_costs.invocations.records import parse_records
from bedrock_costs.invocations.tables import assign_window, mark_first_of_each_request
from bedrock_costs.io import catalog
from bedrock_costs.io.tables import read_table
from bedrock_costs.pipelines.run_summary import RunSummary

# how far either side of a window a request already published is looked for (a call logged
# twice is normally delivered within hours: both copies have one timestamp, one day)
NEARBY_DAYS = 7
MAX_SOURCES = 100_000
UNREADABLE = member("quarantine_reason", "unreadable_object")


def read_records(
    spark: SparkSession, config: RunConfig, files: list[str], summary: RunSummary
) -> tuple[DataFrame, counts.LineCounts]:
    """The parsed, marked lines (cached) and their counts.

    A log object that cannot be read whole (not gzip, cut short, access denied) gives its
    complete lines and a quarantine row of its own (object_reader); the run says how many.
    """
    records = _parsed(spark, config, files)
    try:
        lines = counts.line_counts(records)
    except Exception:
        records.unpersist()
        raise
    if lines.unreadable:
        first = (
            records.where(F.col("quarantine_reason") == UNREADABLE)
            .agg(F.min(F.struct("source_file", "raw_record")).alias("first"))
            .first()
        )
        path, problem = first["first"] if first else ("?", "?")
        summary.warnings.append(
            f"{lines.unreadable:,} log objects could not be read whole: their readable lines are "
            f"processed and each is quarantined as unreadable_object (first: {path}: {problem})"
        )
    return records, lines


def refuse_partial_days(
    spark: SparkSession,
    config: RunConfig,
    sources: set[tuple[str, str]],
    records: DataFrame,
    lines: counts.LineCounts,
) -> None:
    """A run replaces whole days. It refuses (nothing written) when a day it would replace
    holds calls of an account and Region whose logs it does not read: a --logs path narrower
    than the runs before (one account's folder) or an empty one deleted them, exit 0."""
    days = sorted(d for d in processed_partitions(config.window, lines.dates) if d)
    if not days or not catalog.table_exists(spark, config.database, "invocations"):
        return
    pairs = ["account_id", "region"]
    table = read_table(spark, config.database, "invocations")
    # (rows without an account or Region — imported from an earlier version's table, or records
    # that named none — cannot be attributed to a folder: replaced as before)
    known = F.col("account_id").isNotNull() & F.col("region").isNotNull()
    published = table.where(F.col("usage_date").isin(days) & known).select(*pairs).distinct()
    read = records.where(F.col("is_first")).select(*pairs).distinct()
    covered = sources | {(r[0], r[1]) for r in read.take(MAX_SOURCES)}
    missing = sorted(
        {(r[0], r[1]) for r in published.take(MAX_SOURCES)} - covered, key=lambda p: str(p)
    )
    if missing:
        account, region = missing[0]
        raise UsageError(
            f"the output holds calls of {len(missing):,} account/Region pair(s) (first: "
            f"{account} {region}) on days this run would replace, and the logs path does not "
            "hold their logs: replacing the days would delete them. Run over the folder that "
            "holds every account's and Region's logs (…/AWSLogs/), or write to another output",
            file=config.logs_path,
        )


def _parsed(spark: SparkSession, config: RunConfig, files: list[str]) -> DataFrame:
    return (
        read_objects(spark, files)
        .transform(parse_records)
        .transform(assign_window, window=config.window)
        .transform(mark_first_of_each_request, published=_published_nearby(spark, config))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )


def _published_nearby(spark: SparkSession, config: RunConfig) -> DataFrame | None:
    """For a window: the request_ids published within NEARBY_DAYS of it (days it does not
    replace). A full run replaces every day it reads; a request on a day it does not read and
    one farther than that are not looked for (reading every id of the table each run)."""
    if config.window is None or not catalog.table_exists(spark, config.database, "invocations"):
        return None
    start, end = config.window
    day = F.col("usage_date")
    before = day.between(start - timedelta(days=NEARBY_DAYS), start - timedelta(days=1))
    after = day.between(end + timedelta(days=1), end + timedelta(days=NEARBY_DAYS))
    table = read_table(spark, config.database, "invocations")
    return table.where(before | after).select("request_id")


def processed_partitions(
    window: tuple[date, date] | None, found: set[date | None]
) -> set[str | None]:
    """A window replaces each of its days; a full run replaces each day found. Undated: always."""
    if window is None:
        days = {d for d in found if d is not None}
    else:
        days = {window[0] + timedelta(days=i) for i in range((window[1] - window[0]).days + 1)}
    return {d.isoformat() for d in days} | {None}
