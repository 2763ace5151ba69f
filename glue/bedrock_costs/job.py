"""The invocation-cost job: logs in, priced `invocations` and `quarantine` tables out."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from bedrock_costs import catalog, quality, schemas, stats, storage, tags, writer
from bedrock_costs.aws_sample_prices import WARNING
from bedrock_costs.config import RunConfig
from bedrock_costs.errors import UsageError
from bedrock_costs.identity import principal
from bedrock_costs.logfiles import list_log_files
from bedrock_costs.price_table import PriceRow, load_prices
from bedrock_costs.pricing import apply_prices, apply_unit_prices, prices_frame, unit_prices_frame
from bedrock_costs.profiles import load_profile_table, profiles_frame
from bedrock_costs.records import parse_records, read_lines
from bedrock_costs.resolve import resolve_models
from bedrock_costs.session import RUN_SETTINGS
from bedrock_costs.summary import RunSummary
from bedrock_costs.unit_prices import UnitPriceRow, default_unit_pricing_path, load_unit_prices

FILES_PER_SHUFFLE_PARTITION = 16  # 16 objects of the sample's 500 records: ~8k rows per partition
_SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"


@dataclass(frozen=True)
class JobInputs:
    """Everything validated before Spark starts or any log is read."""

    prices: list[PriceRow]
    profiles: dict[str, tuple[str, dict[str, str]]]
    warnings: tuple[str, ...] = ()
    unit_prices: tuple[UnitPriceRow, ...] = ()


def validate_inputs(config: RunConfig) -> JobInputs:
    if not storage.exists(config.logs_path):
        raise UsageError("the logs path does not exist", file=config.logs_path)
    prices = load_prices(config.pricing_path, fmt=config.pricing_format)
    warnings = (
        (WARNING.format(path=config.pricing_path),) if config.pricing_format == "aws-sample" else ()
    )
    unit_prices = load_unit_prices(config.unit_pricing_path or default_unit_pricing_path())
    return JobInputs(prices, load_profile_table(config.profiles_path), warnings, tuple(unit_prices))


def run_invocation_costs(
    spark: SparkSession,
    config: RunConfig,
    inputs: JobInputs | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> RunSummary:
    """Run the job for the configured window; returns the summary it also saved."""
    inputs = inputs or validate_inputs(config)
    started = datetime.now(UTC).replace(microsecond=0)
    summary = RunSummary(
        run_id=f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}", started_at=started
    )
    if config.window:
        summary.window = {
            "start": config.window[0].isoformat(),
            "end": config.window[1].isoformat(),
        }
    for key, value in RUN_SETTINGS.items():
        spark.conf.set(key, value)

    files = list_log_files(config.logs_path, config.window)
    summary.files_read = len(files)
    progress(f"reading {len(files):,} log files")
    with shuffle_partitions(spark, len(files)):
        return _run(spark, config, inputs, summary, files, started, progress)


@contextmanager
def shuffle_partitions(spark: SparkSession, files: int) -> Iterator[None]:
    """At least one shuffle partition per FILES_PER_SHUFFLE_PARTITION log objects, for this run.

    The parsed rows are cached after the dedupe shuffle, one block per shuffle partition: with a
    fixed few partitions a large input makes blocks the heap cannot build (5M records with 4
    partitions ran out of a 1 GB heap). Adaptive execution merges partitions that turn out small,
    so a small input still runs as a few tasks.
    """
    current = spark.conf.get(_SHUFFLE_PARTITIONS) or "200"
    wanted = max(int(current), -(-files // FILES_PER_SHUFFLE_PARTITION))
    spark.conf.set(_SHUFFLE_PARTITIONS, str(wanted))
    try:
        yield
    finally:
        spark.conf.set(_SHUFFLE_PARTITIONS, current)


def _run(
    spark: SparkSession,
    config: RunConfig,
    inputs: JobInputs,
    summary: RunSummary,
    files: list[str],
    started: datetime,
    progress: Callable[[str], None],
) -> RunSummary:
    records = (
        read_lines(spark, files)
        .transform(parse_records)
        .transform(assign_window, window=config.window)
        .transform(mark_first_of_each_request)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    try:
        lines = stats.line_counts(records)
        progress(
            f"read {lines.lines_read:,} lines: {lines.distinct_calls:,} calls in "
            f"{len(lines.dates):,} days, {sum(lines.quarantined.values()):,} quarantined, "
            f"{lines.duplicates:,} duplicates, {lines.out_of_window:,} outside the window"
        )
        profiles = profiles_frame(spark, inputs.profiles)
        plan = plan_tags(spark, config, records, profiles)
        invocations = build_invocations(
            records,
            prices_frame(spark, inputs.prices),
            unit_prices_frame(spark, list(inputs.unit_prices)),
            profiles,
            plan,
            default_tier=config.default_tier,
        )
        quarantine = build_quarantine(
            records, previous_quarantine(spark, config), detected_at=started
        )
        staging = storage.join(config.output_path, "_staging", summary.run_id)
        progress("writing invocations and quarantine")
        writer.stage(
            invocations,
            storage.join(staging, "invocations"),
            files=writer.files_per_partition(lines.largest_day),
            partitions=len(lines.dates),
        )
        writer.stage(quarantine, storage.join(staging, "quarantine"))
        written = stats.staged_counts(spark, staging, plan.all_columns)
    finally:
        records.unpersist()
    try:
        stats.fill_summary(summary, lines, written, plan, config.database)  # the accounting
        summary.warnings[:0] = inputs.warnings
        checks = quality.invocation_checks(config.quality)
        progress(f"checking data quality ({len(checks)} great_expectations checks)")
        report = quality.QualityReport(summary.run_id, "invocation-costs")
        report.results = quality.validate(
            "invocations",
            quality.invocations_frame(stats.read_staged(spark, staging, "invocations")),
            checks,
        )
        summary.quality = report.summary(config.output_path)
        quality.gate(report, config.output_path)
    except BaseException as exc:  # nothing is published: the staged files go
        storage.delete_tree(staging)
        if isinstance(exc, quality.QualityGateError):
            _finish(summary, config, "quality_failed")
        raise
    publish_run(config, staging, _processed_partitions(config.window, lines.dates), summary)
    progress("registering tables")
    catalog.register_tables(spark, config.database, config.output_path, plan.all_columns)
    _finish(summary, config, "succeeded")
    return summary


def _finish(summary: RunSummary, config: RunConfig, status: str) -> None:
    summary.status = status
    summary.finished_at = datetime.now(UTC).replace(microsecond=0)
    summary.save(config.output_path)


def plan_tags(
    spark: SparkSession, config: RunConfig, records: DataFrame, profiles: DataFrame
) -> tags.TagPlan:
    """Which tag_ and profile_tag_ columns this run writes: existing ones, then new ones."""
    plan = tags.plan_tag_columns(
        stats.tag_usage(records),
        catalog.existing_tag_columns(spark, config.database),
        config.max_tag_columns,
    )
    profile_columns = tags.plan_profile_columns(
        stats.profile_tag_keys(profiles),
        catalog.existing_tag_columns(spark, config.database, tags.PROFILE_PREFIX),
    )
    return dataclasses.replace(plan, profile_columns=profile_columns)


def publish_run(
    config: RunConfig, staging: str, partitions: set[str | None], summary: RunSummary
) -> None:
    """Swap the staged partitions into the live tables, then drop the staging folder."""
    for table in ("invocations", "quarantine"):
        live = storage.join(config.output_path, table)
        folders = writer.publish(storage.join(staging, table), live, partitions)
        values = [f.split("=", 1)[1] for f in folders]
        if table == "invocations":
            summary.partitions_written += values
        else:
            summary.quarantine_partitions_written += values
    storage.delete_tree(staging)


def assign_window(records: DataFrame, *, window: tuple[date, date] | None) -> DataFrame:
    """Adds usage_date (record date, else hour-folder date) and in_window (undated: always)."""
    usage_date = F.coalesce(F.to_date("event_time"), F.col("path_date"))
    if window is None:
        in_window = F.lit(True)
    else:
        in_window = F.coalesce(usage_date.between(F.lit(window[0]), F.lit(window[1])), F.lit(True))
    return records.select(
        *records.columns, usage_date.alias("usage_date"), in_window.alias("in_window")
    )


def build_invocations(
    records: DataFrame,
    prices: DataFrame,
    unit_prices: DataFrame,
    profiles: DataFrame,
    plan: tags.TagPlan,
    *,
    default_tier: str = "standard",
) -> DataFrame:
    """One row per distinct request_id in the window, priced, in the table's column order."""
    calls = records.where(F.col("is_first"))
    priced = (
        calls.transform(with_default_tier, default_tier)
        .transform(resolve_models, profiles)
        .transform(add_principals)
        .transform(apply_unit_prices, unit_prices)
        .transform(apply_prices, prices)
        .transform(tags.promote_tags, plan.columns)
        .transform(
            tags.promote_tags,
            plan.profile_columns,
            source="profile_tags",
            prefix=tags.PROFILE_PREFIX,
        )
    )
    return priced.select(*schemas.load("invocations").names, *plan.all_columns, "usage_date")


def mark_first_of_each_request(records: DataFrame) -> DataFrame:
    """Adds is_first: the in-window call kept for its request_id, the first by (source_file,
    line hash) so re-runs agree. Marked once, before the rows are cached, so the counts, the tag
    plan and `invocations` share one shuffle and none needs a distinct count."""
    is_call = F.col("quarantine_reason").isNull() & F.col("in_window")
    earliest = Window.partitionBy("request_id", is_call).orderBy("source_file", "line_hash")
    is_first = is_call & (F.row_number().over(earliest) == 1)
    return records.select(*records.columns, is_first.alias("is_first"))


def with_default_tier(calls: DataFrame, tier: str) -> DataFrame:
    """A call whose log records no service tier gets the run's default (standard unless told)."""
    tier_column = F.coalesce(F.col("service_tier"), F.lit(tier)).alias("service_tier")
    return calls.select(*[tier_column if c == "service_tier" else c for c in calls.columns])


def add_principals(invocations: DataFrame) -> DataFrame:
    kind, name, session = principal(F.col("identity_arn"))
    return invocations.select(
        *invocations.columns,
        kind.alias("principal_type"),
        name.alias("principal_name"),
        session.alias("session_name"),
    )


def build_quarantine(
    records: DataFrame, previous: DataFrame | None, *, detected_at: datetime
) -> DataFrame:
    """In-window quarantined lines; a line quarantined before keeps its first detected_at."""
    bad = records.where(F.col("quarantine_reason").isNotNull() & F.col("in_window")).select(
        "source_file", "raw_record", F.col("quarantine_reason").alias("reason"), "usage_date"
    )
    key = ["source_file", "raw_record", "reason"]
    if previous is None:
        first_seen = F.lit(detected_at)
    else:
        earliest = previous.groupBy(*key).agg(F.min("detected_at").alias("first_seen"))
        bad = bad.join(earliest, on=key, how="left")
        first_seen = F.coalesce(F.col("first_seen"), F.lit(detected_at))
    return bad.select(*key, first_seen.cast("timestamp").alias("detected_at"), "usage_date")


def previous_quarantine(spark: SparkSession, config: RunConfig) -> DataFrame | None:
    path = storage.join(config.output_path, "quarantine")
    if not storage.exists(path):
        return None
    frame = spark.read.schema(schemas.load("quarantine").spark_type()).parquet(
        storage.spark_path(path)
    )
    if config.window:
        frame = frame.where(
            F.col("usage_date").between(*config.window) | F.col("usage_date").isNull()
        )
    return frame


def _processed_partitions(
    window: tuple[date, date] | None, found: set[date | None]
) -> set[str | None]:
    """A window replaces each of its days; a full run replaces each day found. Undated: always."""
    if window is None:
        days = {d for d in found if d is not None}
    else:
        days = {window[0] + timedelta(days=i) for i in range((window[1] - window[0]).days + 1)}
    return {d.isoformat() for d in days} | {None}
