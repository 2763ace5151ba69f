"""The FOCUS export job: the `focus` table, one billing period at a time.

per period: allocations (when reconciled) or priced call kinds (estimates) -> FOCUS rows
-> stage -> totals from the staged rows -> publish the period's partition -> catalog
"""

from __future__ import annotations

import re
import secrets
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
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


def validate(config: FocusConfig) -> list[str]:
    """The billing periods to export; a usage error when there is nothing to export from."""
    invocations = storage.join(config.output_path, "invocations")
    if not storage.exists(invocations):
        raise UsageError(
            "no invocations table here: run `bedrock-costs run` first", file=config.output_path
        )
    return [config.billing_period] if config.billing_period else _months(invocations)


def run_focus(spark: SparkSession, config: FocusConfig) -> list[FocusExport]:
    """Write the `focus` table for each billing period (allocated when reconciled)."""
    periods = validate(config)
    apply_run_settings(spark)
    invocations = read_table(spark, config.output_path, "invocations")
    exports = [_one_period(spark, config.output_path, period, invocations) for period in periods]
    catalog.register_table(spark, config.database, config.output_path, "focus")
    return exports


def _one_period(
    spark: SparkSession, output_path: str, period: str, invocations: DataFrame
) -> FocusExport:
    first = date.fromisoformat(f"{period}-01")
    last = first.replace(day=monthrange(first.year, first.month)[1])
    left_out = 0
    if storage.exists(storage.join(output_path, "allocations", f"{PARTITION}={period}")):
        allocations = read_table(spark, output_path, "allocations").where(
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
    with staged_publish(output_path, f"focus-{period}-{secrets.token_hex(4)}") as staging:
        staging.write("focus", frame, PARTITION)
        found = staging.read(spark, "focus").agg(F.count("*"), F.sum("BilledCost")).take(1)
        rows, billed = (found[0][0], found[0][1]) if found else (0, None)
        staging.replace("focus", {period}, PARTITION)
    return FocusExport(period, basis, rows, billed or Decimal(0), left_out)


def _months(invocations_path: str) -> list[str]:
    """Billing periods with invocations, from the partition folders (no data read)."""
    months = set()
    for folder in storage.list_dir(invocations_path)[0]:
        m = re.search(r"usage_date=(\d{4}-\d{2})-\d{2}$", folder)
        if m:
            months.add(m[1])
    return sorted(months)
