"""The CUR reconciliation job: CUR 2.0 + our invocations in, `reconciliation` and `allocations`.

Per billing period: read and check the export, decode its Bedrock lines, bucket both sides,
reconcile, allocate, check that every bucket's allocations sum exactly to its bill, then swap
the period's partition of both tables (re-running a period replaces it: CUR restates the open
month daily and closed months for about two weeks).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs import catalog, cur, quality, schemas, storage, writer
from bedrock_costs.allocate import allocate, bucket_mismatches
from bedrock_costs.config import DEFAULT_DATABASE
from bedrock_costs.drift import billed_rates, find_drift, propose_rows
from bedrock_costs.errors import AccountingError, UsageError
from bedrock_costs.price_refresh import describe
from bedrock_costs.price_table import PriceRow, default_pricing_path, load_prices, to_csv
from bedrock_costs.quality import QualityConfig
from bedrock_costs.reconcile import call_kinds, cur_buckets, log_buckets, reconcile
from bedrock_costs.reconcile_summary import ReconcileSummary, summarise, unit_findings
from bedrock_costs.session import RUN_SETTINGS

TABLES = ("reconciliation", "allocations")
PARTITION = "billing_period"


@dataclass(frozen=True)
class ReconcileConfig:
    output_path: str
    cur_path: str
    billing_period: str | None = None
    pricing_path: str = field(default_factory=default_pricing_path)
    database: str = DEFAULT_DATABASE
    quality: QualityConfig = field(default_factory=QualityConfig)


def validate(config: ReconcileConfig) -> tuple[list[PriceRow], list[cur.BillingPeriod]]:
    """Everything checkable before Spark starts; a bad input writes nothing."""
    prices = load_prices(config.pricing_path)
    periods = cur.find_periods(config.cur_path, config.billing_period)
    if not storage.exists(storage.join(config.output_path, "invocations")):
        raise UsageError(
            "no invocations table here: run `bedrock-costs run` first", file=config.output_path
        )
    return prices, periods


def run_reconcile(
    spark: SparkSession,
    config: ReconcileConfig,
    progress: Callable[[str], None] = lambda _: None,
) -> list[ReconcileSummary]:
    prices, periods = validate(config)
    for key, value in RUN_SETTINGS.items():
        spark.conf.set(key, value)
    for period in periods:
        cur.check_files(spark, period)
    invocations = spark.read.schema(schemas.load("invocations").spark_type()).parquet(
        storage.spark_path(storage.join(config.output_path, "invocations"))
    )
    summaries = []
    for period in periods:
        progress(f"reconciling billing period {period.period} ({len(period.files)} CUR files)")
        summaries.append(_one_period(spark, config, prices, period, invocations))
    progress("registering tables")
    for table in TABLES:
        catalog.register_table(spark, config.database, config.output_path, table)
    return summaries


def _one_period(
    spark: SparkSession,
    config: ReconcileConfig,
    prices: list[PriceRow],
    period: cur.BillingPeriod,
    invocations: DataFrame,
) -> ReconcileSummary:
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    lines = cur.read_bedrock_lines(spark, period).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        by_principal = bool(lines.where(F.col("principal").isNotNull()).limit(1).take(1))
        in_period = invocations.where(
            F.col("usage_date").between(F.lit(period.first_day), F.lit(period.last_day))
        )
        calls = call_kinds(in_period, by_principal=by_principal)
        buckets = cur_buckets(lines, by_principal=by_principal).persist()
        staging = storage.join(config.output_path, "_staging", run_id)
        rows = {
            "reconciliation": reconcile(buckets, log_buckets(calls), period.period),
            "allocations": allocate(
                calls, buckets, by_principal=by_principal, period=period.period
            ),
        }
        for table, frame in rows.items():
            writer.stage(frame, storage.join(staging, table), PARTITION)
        staged = {
            t: spark.read.schema(schemas.load(t).spark_type()).parquet(
                storage.spark_path(storage.join(staging, t))
            )
            for t in TABLES
        }
        summary = ReconcileSummary(period.period, run_id, list(period.files), by_principal)
        _check_allocations(staged["allocations"], buckets, summary)
        summarise(staged["reconciliation"], summary)
        unit_findings(lines, summary)
        drifts = find_drift(billed_rates(lines), prices)
        buckets.unpersist()
    finally:
        lines.unpersist()
    summary.drift = [d.to_dict() for d in drifts]
    if drifts:
        proposal = propose_rows(drifts, prices, period.period)
        path = storage.join(config.output_path, "_reconcile", f"{period.period}-price-rows.csv")
        storage.write_text(path, to_csv(proposal.added))
        changes = describe(proposal, prices).replace("\n= 0 prices unchanged", "")
        storage.write_text(path.replace(".csv", ".txt"), changes + "\n")
        summary.proposed_prices = path
    summary.rows = {t: staged[t].count() for t in TABLES}
    try:
        _check_quality(config, staged, summary)
    except BaseException:
        # the period's published rows and their summary stay as they were; the results say why
        storage.delete_tree(staging)
        raise
    for table in TABLES:
        writer.publish(
            storage.join(staging, table),
            storage.join(config.output_path, table),
            {period.period},
            PARTITION,
        )
    storage.delete_tree(staging)
    summary.status = "succeeded"
    summary.save(config.output_path)
    return summary


def _check_quality(
    config: ReconcileConfig, staged: dict[str, DataFrame], summary: ReconcileSummary
) -> None:
    """The reconciliation, allocation and per-bucket sum checks; raises if a `fail` one fails."""
    report = quality.QualityReport(summary.run_id, f"cur-reconcile {summary.billing_period}")
    checks = config.quality
    report.results = [
        *quality.validate(
            "reconciliation", staged["reconciliation"], quality.reconciliation_checks(checks)
        ),
        *quality.validate("allocations", staged["allocations"], quality.allocation_checks(checks)),
        *quality.validate(
            "allocations_by_bucket",
            quality.bucket_sums_frame(staged["reconciliation"], staged["allocations"]),
            quality.bucket_sum_checks(checks),
        ),
    ]
    summary.quality = report.summary(config.output_path)
    quality.gate(report, config.output_path)


def _check_allocations(
    allocations: DataFrame, buckets: DataFrame, summary: ReconcileSummary
) -> None:
    """Every bucket's allocations sum exactly to its bill, or nothing is published."""
    wrong = bucket_mismatches(allocations, buckets).take(3)
    totals = allocations.agg(
        F.sum("allocated_cost").alias("all"),
        F.sum(F.when(F.col("allocation") == "unattributed", F.col("allocated_cost"))).alias("un"),
    ).first()
    billed = buckets.agg(F.sum("cur_unblended_cost")).first()
    assert totals is not None and billed is not None
    allocated, bill = totals["all"] or Decimal(0), billed[0] or Decimal(0)
    if wrong or allocated != bill:
        raise AccountingError(
            f"allocations of {summary.billing_period} do not sum to the CUR: {allocated} "
            f"allocated, {bill} billed; buckets off: {[r.asDict() for r in wrong]}"
        )
    summary.allocated_total, summary.unattributed_total = allocated, totals["un"] or Decimal(0)
    summary.cur_total = bill
    summary.allocation_check = "= CUR total exactly, every bucket exact"
