"""The CUR reconciliation job: CUR 2.0 + our invocations in, `reconciliation` and `allocations`.

Per billing period:

    read the export's Bedrock lines -> bucket both sides -> reconcile, allocate -> stage
    -> figures, drift, quality gates (allocations = the bill, bucket by bucket) on the staged
    rows -> publish the period's partition of both tables -> summary

Re-running a period replaces it: CUR restates the open month daily and closed months for
about two weeks.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs.billing import bill_tags, cur_files, findings
from bedrock_costs.billing.allocation import allocate, bucket_sums, totals
from bedrock_costs.billing.buckets import (
    bucket_level,
    call_kinds,
    cur_buckets,
    log_buckets,
    reconcile,
)
from bedrock_costs.billing.cur_lines import bedrock_lines, is_bedrock_line
from bedrock_costs.billing.drift import billed_rates, find_drift, propose_rows
from bedrock_costs.config import ReconcileConfig
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.schemas import BILL_PRINCIPAL_TAG_PREFIX, BILL_TAG_PREFIX
from bedrock_costs.contract.vocabulary import CURRENCY, SUCCEEDED
from bedrock_costs.io import catalog, snapshots, storage
from bedrock_costs.io.session import apply_run_settings
from bedrock_costs.io.tables import AsOf, read_table
from bedrock_costs.pipelines.publish import Staging, staged_publish
from bedrock_costs.pipelines.reconcile_summary import ReconcileSummary
from bedrock_costs.quality import checks as quality_checks
from bedrock_costs.quality.results import QualityReport, gate
from bedrock_costs.quality.runner import Validator, evaluate
from bedrock_costs.reference.price_file import PriceRow, load_prices, to_csv
from bedrock_costs.reference.price_refresh import describe

TABLES = ("reconciliation", "allocations")
PARTITION = "billing_period"
MAX_CURRENCIES = 20
Progress = Callable[[str], None]


def validate(config: ReconcileConfig) -> tuple[list[PriceRow], list[cur_files.BillingPeriod]]:
    """Everything checkable before Spark starts; a bad input writes nothing."""
    quality_checks.check_policies(config.quality)
    prices = load_prices(config.pricing_path)
    periods = cur_files.find_periods(config.cur_path, config.billing_period)
    if config.billing_period is None and config.recent_periods is not None:
        periods = sorted(periods, key=lambda p: p.period)[-config.recent_periods :]
    if not storage.exists(storage.join(config.output_path, "invocations")):
        raise UsageError(
            "no invocations table here: run `bedrock-costs run` first", file=config.output_path
        )
    return prices, periods


def run_reconcile(
    spark: SparkSession,
    config: ReconcileConfig,
    progress: Progress = lambda _: None,
    validator: Validator | None = None,
) -> list[ReconcileSummary]:
    prices, periods = validate(config)
    apply_run_settings(spark)
    for period in periods:
        cur_files.check_files(spark, period)
    if not catalog.table_exists(spark, config.database, "invocations"):
        raise UsageError(
            f"no {config.database}.invocations table in the catalog: run `bedrock-costs run` first",
            file=config.output_path,
        )
    # one snapshot of the invocations for every period, recorded in each summary
    read = snapshots.snapshot_id(spark, config.database, "invocations")
    invocations = read_table(spark, config.database, "invocations", as_of=AsOf(snapshot=read))
    summaries = []
    for period in periods:
        progress(f"reconciling billing period {period.period} ({len(period.files)} CUR files)")
        summaries.append(_one_period(spark, config, prices, period, (invocations, read), validator))
    return summaries


def _refuse_other_currencies(lines: DataFrame, period: cur_files.BillingPeriod) -> None:
    """CUR amounts are in the line's currency; the prices and estimates in USD: lines in another
    currency were summed as USD. They are refused (exit 2, nothing written), not converted."""
    other = (
        lines.where(F.col("currency") != CURRENCY).groupBy("currency").count().take(MAX_CURRENCIES)
    )
    if other:
        found = ", ".join(f"{r['count']:,} in {r['currency']}" for r in other)
        raise UsageError(
            f"Bedrock line items of {period.period} are not in {CURRENCY} ({found}): their cost "
            f"cannot be compared with {CURRENCY} prices; nothing was written",
            file=period.files[0] if period.files else None,
        )


def _one_period(
    spark: SparkSession,
    config: ReconcileConfig,
    prices: list[PriceRow],
    period: cur_files.BillingPeriod,
    read: tuple[DataFrame, int | None],
    validator: Validator | None,
) -> ReconcileSummary:
    invocations, invocations_snapshot = read
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    line_items = cur_files.read_line_items(spark, period)
    lines = bedrock_lines(spark, line_items, period=period.period)
    lines = lines.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        _refuse_other_currencies(lines, period)
        by_principal = bool(lines.where(F.col("principal").isNotNull()).limit(1).take(1))
        summary = ReconcileSummary(period.period, run_id, list(period.files), by_principal)
        in_period = invocations.where(
            F.col("usage_date").between(F.lit(period.first_day), F.lit(period.last_day))
        )
        calls = call_kinds(in_period, by_principal=by_principal)
        parts = cur_buckets(lines, by_principal=by_principal).persist()
        buckets = bucket_level(parts).persist()
        tag_plan = _plan_bill_tags(spark, config, lines, line_items, summary)
        try:
            with staged_publish(spark, config.database, config.output_path, run_id) as staging:
                replaced: set[str | None] = {period.period}
                tables = {
                    "reconciliation": reconcile(buckets, log_buckets(calls), period.period),
                    "allocations": allocate(
                        calls, parts, by_principal=by_principal, period=period.period
                    ),
                }
                for table, rows in tables.items():
                    staging.write(
                        table,
                        bill_tags.promote(rows, tag_plan.columns),
                        replaced,
                        PARTITION,
                        extra_columns=tag_plan.columns,
                    )
                _figures(config, staging, summary, lines, buckets, prices)
                _check_quality(config, staging, summary, validator)
        finally:
            buckets.unpersist()
            parts.unpersist()
    finally:
        lines.unpersist()
    summary.snapshots = {
        "invocations": invocations_snapshot,
        **{table: staging.published(table) for table in TABLES},
    }
    _tag_close(spark, config.database, summary)
    summary.status = SUCCEEDED
    summary.save(config.output_path)
    return summary


def _plan_bill_tags(
    spark: SparkSession,
    config: ReconcileConfig,
    lines: DataFrame,
    line_items: DataFrame,
    summary: ReconcileSummary,
) -> bill_tags.BillTagPlan:
    """The bill_tag_ and bill_principal_tag_ columns both tables get: every one either table
    has (the set only grows), then the period's new keys, most frequent first; the summary
    names them, the keys left out and the key spellings the export uses."""
    existing: list[str] = []
    for table in TABLES:
        for prefix in (BILL_TAG_PREFIX, BILL_PRINCIPAL_TAG_PREFIX):
            found = catalog.existing_tag_columns(spark, config.database, prefix, table)
            existing += [c for c in found if c not in existing]
    plan = bill_tags.plan(bill_tags.key_usage(lines), existing, config.max_tag_columns)
    summary.bill_tags = {
        "columns": list(plan.columns),
        "not_promoted": [k.key for k in plan.not_promoted],
        "key_spellings": bill_tags.raw_spellings(line_items.where(is_bedrock_line())),
    }
    return plan


def _tag_close(spark: SparkSession, database: str, summary: ReconcileSummary) -> None:
    """Tag the snapshots of this reconciliation `reconciled-<period>` (moved by a re-run):
    `maintain` keeps tagged snapshots, so a closed month stays reproducible."""
    for table, snapshot in summary.snapshots.items():
        if snapshot is not None:
            snapshots.tag(spark, database, table, f"reconciled-{summary.billing_period}", snapshot)


def _figures(
    config: ReconcileConfig,
    staging: Staging,
    summary: ReconcileSummary,
    lines: DataFrame,
    buckets: DataFrame,
    prices: list[PriceRow],
) -> None:
    """The summary's figures from the staged rows, and the price rows drift proposes."""
    allocations = staging.read("allocations")
    allocated, unattributed, billed = totals(allocations, buckets)
    summary.allocated_total, summary.unattributed_total = allocated, unattributed
    summary.cur_total = billed
    summary.add(findings.summarise(staging.read("reconciliation")))
    summary.findings["pricing_units"] = findings.unit_findings(lines)
    drifts = find_drift(billed_rates(lines), prices)
    summary.drift = [d.to_dict() for d in drifts]
    if drifts:
        proposal = propose_rows(drifts, prices, summary.billing_period)
        path = storage.join(
            config.output_path, "_reconcile", f"{summary.billing_period}-price-rows.csv"
        )
        storage.write_text(path, to_csv(proposal.added))
        changes = describe(proposal, prices).replace("\n= 0 prices unchanged", "")
        storage.write_text(path.replace(".csv", ".txt"), changes + "\n")
        summary.proposed_prices = path
    summary.rows = {t: staging.read(t).count() for t in TABLES}


def _check_quality(
    config: ReconcileConfig,
    staging: Staging,
    summary: ReconcileSummary,
    validator: Validator | None,
) -> None:
    """The reconciliation, allocation and per-bucket sum checks; raises if a `fail` one fails
    (the period's published rows and their summary then stay as they were)."""
    reconciliation = staging.read("reconciliation")
    allocations = staging.read("allocations")
    checks = config.quality
    report = evaluate(
        summary.run_id,
        f"cur-reconcile {summary.billing_period}",
        [
            ("reconciliation", reconciliation, quality_checks.reconciliation_checks(checks)),
            ("allocations", allocations, quality_checks.allocation_checks(checks)),
            (
                "allocations_by_bucket",
                bucket_sums(reconciliation, allocations),
                quality_checks.bucket_sum_checks(checks),
            ),
        ],
        validator,
    )
    summary.quality = report.summary(config.output_path)
    summary.allocation_check = _allocation_check(report, summary)
    gate(report, config.output_path)


def _allocation_check(report: QualityReport, summary: ReconcileSummary) -> str:
    held = all(r.success for r in report.results if r.name == "allocations_sum_to_bill")
    if held and summary.allocated_total == summary.cur_total:
        return "= CUR total exactly, every bucket exact"
    return (
        f"NOT the bill: {summary.allocated_total} allocated, {summary.cur_total} billed "
        "(see allocations_sum_to_bill in the quality results)"
    )
