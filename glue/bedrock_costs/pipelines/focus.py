"""The FOCUS export job: the `focus` table, one billing period at a time.

per period: allocations (when reconciled) or priced call kinds (estimates) -> FOCUS rows
-> written to the run's branch -> totals from those rows -> publish the period's partition
"""

from __future__ import annotations

import secrets
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs.billing.buckets import call_kinds
from bedrock_costs.billing.focus import from_allocations, from_estimates
from bedrock_costs.config import FocusConfig
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.vocabulary import ALLOCATED, ESTIMATED
from bedrock_costs.io import catalog, storage
from bedrock_costs.io.session import apply_run_settings
from bedrock_costs.io.tables import read_table
from bedrock_costs.pipelines.publish import staged_publish

PARTITION = "billing_period"


@dataclass(frozen=True)
class FocusExport:
    billing_period: str
    cost_basis: str
    rows: int
    billed_cost: Decimal
    left_out: int  # unpriced call kinds without an allocation


def validate(config: FocusConfig) -> None:
    """A usage error when there is nothing to export from."""
    if not storage.exists(storage.join(config.output_path, "invocations")):
        raise UsageError(
            "no invocations table here: run `bedrock-costs run` first", file=config.output_path
        )


def run_focus(spark: SparkSession, config: FocusConfig) -> list[FocusExport]:
    """Write the `focus` table for each billing period (allocated when reconciled)."""
    validate(config)
    apply_run_settings(spark)
    database = config.database
    periods = [config.billing_period] if config.billing_period else _months(spark, database)
    invocations = read_table(spark, database, "invocations")
    reconciled = set(catalog.partition_values(spark, database, "allocations", PARTITION))
    return [
        _one_period(spark, config, period, invocations, period in reconciled) for period in periods
    ]


def _one_period(
    spark: SparkSession,
    config: FocusConfig,
    period: str,
    invocations: DataFrame,
    reconciled: bool,
) -> FocusExport:
    first = date.fromisoformat(f"{period}-01")
    last = first.replace(day=monthrange(first.year, first.month)[1])
    left_out = 0
    if reconciled:
        allocations = read_table(spark, config.database, "allocations").where(
            F.col(PARTITION) == period
        )
        frame, basis = from_allocations(allocations, first), ALLOCATED
    else:
        calls = call_kinds(
            invocations.where(F.col("usage_date").between(F.lit(first), F.lit(last))),
            by_principal=False,
        )
        frame, basis = from_estimates(calls, first), ESTIMATED
        left_out = calls.where(F.col("estimated_cost").isNull()).count()
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-focus-{period}-{secrets.token_hex(4)}"
    with staged_publish(spark, config.database, config.output_path, run_id) as staging:
        staging.write("focus", frame, {period}, PARTITION)
        found = staging.read("focus").agg(F.count("*"), F.sum("BilledCost")).take(1)
        rows, billed = (found[0][0], found[0][1]) if found else (0, None)
    return FocusExport(period, basis, rows, billed or Decimal(0), left_out)


def _months(spark: SparkSession, database: str) -> list[str]:
    """Billing periods with invocations, from the table's partitions (no data read)."""
    days = catalog.partition_values(spark, database, "invocations", "usage_date")
    return sorted({day[:7] for day in days})
