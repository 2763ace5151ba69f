"""The report's figures about the bill and the runs: reconciliation per period from the tables
and the saved summaries, and the newest quality results of each job."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from bedrock_costs.contract.vocabulary import UNATTRIBUTED
from bedrock_costs.io import storage
from bedrock_costs.io.catalog import table_exists
from bedrock_costs.io.tables import AsOf, read_table
from bedrock_costs.report.values import MAX_ROWS, plain


def reconciliation(
    spark: SparkSession, output_path: str, database: str, as_of: AsOf | None = None
) -> list[dict[str, Any]]:
    """Per reconciled billing period: buckets by status, unattributed dollars, the summary's
    matched share and price drift. Empty when reconciliation has not run (by `as_of`)."""
    if not table_exists(spark, database, "reconciliation"):
        return []
    statuses = (
        read_table(spark, database, "reconciliation", as_of=as_of, missing_ok=True)
        .groupBy("billing_period", "status")
        .agg(
            F.count(F.lit(1)).alias("buckets"),
            F.sum("cur_unblended_cost").alias("cur_cost"),
            F.sum("estimated_cost").alias("estimated_cost"),
        )
        .orderBy("billing_period", "status")
        .take(MAX_ROWS)
    )
    unattributed = {
        r["billing_period"]: r["cost"]
        for r in read_table(spark, database, "allocations", as_of=as_of, missing_ok=True)
        .groupBy("billing_period")
        .agg(
            F.sum(
                F.when(F.col("allocation") == UNATTRIBUTED, F.col("allocated_cost")).otherwise(
                    F.lit(0)
                )
            ).alias("cost")
        )
        .take(MAX_ROWS)
    }
    periods: dict[str, dict[str, Any]] = {}
    for row in statuses:
        period = periods.setdefault(
            row["billing_period"], {"billing_period": row["billing_period"], "statuses": []}
        )
        period["statuses"].append(
            plain({k: row[k] for k in ("status", "buckets", "cur_cost", "estimated_cost")})
        )
    for name, period in periods.items():
        period["unattributed_cost"] = plain(unattributed.get(name, Decimal(0)))
        summary = _read_json(storage.join(output_path, "_reconcile", f"{name}.json"))
        period["usage_matched_share"] = summary.get("usage_matched_share")
        period["cur_total"] = summary.get("cur_total")
        period["estimated_total"] = summary.get("estimated_total")
        period["drift"] = summary.get("drift", [])
    return list(periods.values())


def quality_results(output_path: str) -> list[dict[str, Any]]:
    """The newest quality results of each job (the invocation job, each reconciled period)."""
    folder = storage.join(output_path, "_quality")
    if not storage.exists(folder):
        return []
    newest: dict[str, dict[str, Any]] = {}
    for path in storage.list_dir(folder)[1]:
        if path.endswith(".json"):
            result = _read_json(path)
            newest[result.get("job", path)] = result  # files sort by run id, oldest first
    return [newest[job] for job in sorted(newest)]


def newest_json(output_path: str, folder: str) -> dict[str, Any]:
    path = storage.join(output_path, folder)
    if not storage.exists(path):
        return {}
    files = [f for f in storage.list_dir(path)[1] if f.endswith(".json")]
    return _read_json(files[-1]) if files else {}


def _read_json(path: str) -> dict[str, Any]:
    return json.loads(storage.read_text(path)) if storage.exists(path) else {}
