"""The invocation-cost job: logs in, priced `invocations` and `quarantine` tables out.

validate inputs -> list log files -> parse, window, mark first of each request (cached)
-> count -> plan tag columns -> build both tables -> write them to the run's branches ->
accounting identity and quality gates on those rows -> publish (one commit per table)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs.config import RunConfig
from bedrock_costs.contract.errors import QualityGateError, UsageError
from bedrock_costs.contract.schemas import PROFILE_TAG_PREFIX
from bedrock_costs.contract.vocabulary import AWS_SAMPLE_FORMAT, QUALITY_FAILED, SUCCEEDED
from bedrock_costs.invocations import counts, tags
from bedrock_costs.invocations.costs import prices_frame, unit_prices_frame
from bedrock_costs.invocations.log_files import (
    log_folders,
)
from bedrock_costs.invocations.model_ids import profiles_frame
from bedrock_costs.invocations.tables import (
    build_invocations,
    build_quarantine,
)
from bedrock_costs.io import catalog, storage
from bedrock_costs.io.partitions import files_per_partition
from bedrock_costs.io.session import apply_run_settings, shuffle_partitions
from bedrock_costs.io.tables import read_table
from bedrock_costs.pipelines.log_reading import (
    processed_partitions,
    read_records,
    refuse_partial_days,
)
from bedrock_costs.pipelines.publish import Staging, staged_publish
from bedrock_costs.pipelines.run_summary import RunSummary
from bedrock_costs.quality import checks as quality_checks
from bedrock_costs.quality.frames import invocations_frame
from bedrock_costs.quality.results import gate
from bedrock_costs.quality.runner import Validator, evaluate
from bedrock_costs.reference.aws_sample_price_file import WARNING
from bedrock_costs.reference.price_file import PriceRow, load_prices
from bedrock_costs.reference.profile_file import Profiles, load_profile_table
from bedrock_costs.reference.unit_price_file import (
    UnitPriceRow,
    default_unit_pricing_path,
    load_unit_prices,
)

TABLES = ("invocations", "quarantine")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class JobInputs:
    """Everything validated before Spark starts or any log is read."""

    prices: list[PriceRow]
    profiles: Profiles
    warnings: tuple[str, ...] = ()
    unit_prices: tuple[UnitPriceRow, ...] = ()


def validate_inputs(config: RunConfig) -> JobInputs:
    """The input files and options, checked whole: a bad one is a usage error, nothing written."""
    if not storage.exists(config.logs_path):
        raise UsageError("the logs path does not exist", file=config.logs_path)
    quality_checks.check_policies(config.quality)
    prices = load_prices(config.pricing_path, fmt=config.pricing_format)
    warnings = (
        (WARNING.format(path=config.pricing_path),)
        if config.pricing_format == AWS_SAMPLE_FORMAT
        else ()
    )
    unit_prices = load_unit_prices(config.unit_pricing_path or default_unit_pricing_path())
    return JobInputs(prices, load_profile_table(config.profiles_path), warnings, tuple(unit_prices))


def run_invocation_costs(
    spark: SparkSession,
    config: RunConfig,
    inputs: JobInputs | None = None,
    progress: Progress = lambda _: None,
    validator: Validator | None = None,
) -> RunSummary:
    """Run the job for the configured window; returns the summary it also saved.

    `validator` decides the quality checks (great_expectations unless told otherwise)."""
    inputs = inputs or validate_inputs(config)
    summary = RunSummary.start(config.window)
    summary.warnings += inputs.warnings
    apply_run_settings(spark)
    files, sources = log_folders(config.logs_path, config.window)
    summary.files_read = len(files)
    progress(f"reading {len(files):,} log files")
    with shuffle_partitions(spark, len(files)):
        records, lines = read_records(spark, config, files, summary)
        try:
            refuse_partial_days(spark, config, sources, records, lines)
            _publish(spark, config, inputs, summary, records, lines, progress, validator)
        except QualityGateError:
            summary.finish(config.output_path, QUALITY_FAILED)
            raise
        finally:
            records.unpersist()
    summary.finish(config.output_path, SUCCEEDED)
    return summary


def _publish(
    spark: SparkSession,
    config: RunConfig,
    inputs: JobInputs,
    summary: RunSummary,
    records: DataFrame,
    lines: counts.LineCounts,
    progress: Progress,
    validator: Validator | None,
) -> None:
    """Both tables written to the run's branches, counted, checked, then published (or not
    at all)."""
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
        records, previous_quarantine(spark, config), detected_at=summary.started_at
    )
    processed = processed_partitions(config.window, lines.dates)
    with staged_publish(spark, config.database, config.output_path, summary.run_id) as staging:
        progress("writing invocations and quarantine")
        staging.write(
            "invocations",
            invocations,
            processed,
            extra_columns=plan.all_columns,
            files=files_per_partition(lines.largest_day),
            partitions_hint=len(lines.dates),
        )
        staging.write("quarantine", quarantine, processed)
        written = counts.staged_counts(staging.read("invocations"), staging.read("quarantine"))
        records.unpersist()  # what follows reads the staged rows
        summary.count(lines, written, plan, config.database)  # the accounting identity
        _check_quality(config, staging, summary, progress, validator)
        summary.partitions_written += staging.written("invocations")
        summary.quarantine_partitions_written += staging.written("quarantine")


def _check_quality(
    config: RunConfig,
    staging: Staging,
    summary: RunSummary,
    progress: Progress,
    validator: Validator | None,
) -> None:
    checks = quality_checks.invocation_checks(config.quality)
    on_lines = quality_checks.line_checks(config.quality)
    progress(f"checking data quality ({len(checks) + len(on_lines)} checks)")
    invocations = staging.read("invocations")
    frame = invocations_frame(invocations)
    share = summary.quarantined_total / summary.lines_read if summary.lines_read else 0.0
    lines = invocations.sparkSession.createDataFrame([(share,)], "quarantined_share double")
    suites = [("invocations", frame, checks), ("lines", lines, on_lines)]
    report = evaluate(summary.run_id, "invocation-costs", suites, validator)
    summary.quality = report.summary(config.output_path)
    gate(report, config.output_path)


def plan_tags(
    spark: SparkSession, config: RunConfig, records: DataFrame, profiles: DataFrame
) -> tags.TagPlan:
    """Which tag_ and profile_tag_ columns this run writes: existing ones, then new ones."""
    usage = counts.tag_usage(records)
    plan = tags.plan_tag_columns(
        usage[: counts.MAX_TAG_KEYS],
        catalog.existing_tag_columns(spark, config.database),
        config.max_tag_columns,
    )
    if len(usage) > counts.MAX_TAG_KEYS:
        plan = dataclasses.replace(plan, keys_cut_at=counts.MAX_TAG_KEYS)
    profile_columns = tags.plan_profile_columns(
        counts.profile_tag_keys(profiles),
        catalog.existing_tag_columns(spark, config.database, PROFILE_TAG_PREFIX),
    )
    return dataclasses.replace(plan, profile_columns=profile_columns)


def previous_quarantine(spark: SparkSession, config: RunConfig) -> DataFrame | None:
    """The window's quarantined lines as published, for their first detection times."""
    if not catalog.table_exists(spark, config.database, "quarantine"):
        return None
    frame = read_table(spark, config.database, "quarantine")
    if config.window:
        frame = frame.where(
            F.col("usage_date").between(*config.window) | F.col("usage_date").isNull()
        )
    return frame
