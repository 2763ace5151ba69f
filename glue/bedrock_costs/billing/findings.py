"""The reconciliation's findings: headline shares, statuses and the gaps it names, computed
from small aggregates of the staged reconciliation rows and CUR lines (bounded `take`s, never
row-level data on the driver)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bedrock_costs.contract.vocabulary import MATCHED, STATED, USAGE

MAX_FINDINGS = 1_000


def summarise(rec: DataFrame) -> dict[str, Any]:
    """The summary's figures from the staged reconciliation rows (small aggregates only)."""
    usage = rec.where(F.col("charge_category") == USAGE)
    figures: dict[str, Any] = {}
    figures["cur_by_category"] = {
        r["charge_category"]: r["cost"]
        for r in rec.groupBy("charge_category")
        .agg(F.sum("cur_unblended_cost").alias("cost"))
        .take(10)
        if r["cost"] is not None
    }
    estimated = usage.agg(F.sum("estimated_cost")).take(1)
    figures["estimated_total"] = (estimated[0][0] if estimated else None) or Decimal(0)
    figures["statuses"] = {
        r["status"]: {
            "buckets": r["buckets"],
            "cur_cost": r["cur"] or Decimal(0),
            "estimated_cost": r["est"] or Decimal(0),
        }
        for r in rec.groupBy("status")
        .agg(
            F.count("*").alias("buckets"),
            F.sum("cur_unblended_cost").alias("cur"),
            F.sum("estimated_cost").alias("est"),
        )
        .orderBy(F.desc("cur"))
        .take(10)
    }
    figures["usage_matched_share"] = _shares(usage, None).get("")
    figures["matched_share_by_account"] = _shares(usage, "account_id")
    figures["matched_share_by_region"] = _shares(usage, "region")
    figures["findings"] = _findings(rec, usage)
    return figures


def _findings(rec: DataFrame, usage: DataFrame) -> dict[str, list[dict]]:
    return {
        "logs_missing": _groups(
            usage.where(F.col("status") == "logs_missing"),
            ["account_id", "region", "model"],
            F.array_join(F.array_sort(F.flatten(F.collect_set("usage_types"))), " ").alias(
                "usage_types"
            ),
        ),
        "over_under": _groups(
            usage.where(F.col("status").isin("over", "under")),
            ["status", "account_id", "region", "model", "token_kind", "routing", "tier"],
            F.sum("estimated_cost").alias("estimated_cost"),
            F.min("usage_date").cast("string").alias("first_day"),
        ),
        "cur_missing": _groups(
            usage.where(F.col("status") == "cur_missing"),
            ["account_id", "region", "model"],
            F.sum("calls").alias("calls"),
            F.sum("estimated_cost").alias("estimated_cost"),
        ),
        "unmapped": _groups(
            usage.where(F.col("status") == "unmapped").withColumn(
                "name", F.coalesce("unmapped_usage_type", "model")
            ),
            ["name"],
            F.count("*").alias("buckets"),
        ),
        "marketplace": _groups(
            usage.where(F.col("marketplace")),
            ["model"],
            F.count("*").alias("buckets"),
            F.sum((F.col("status") == MATCHED).cast("int")).alias("matched_buckets"),
        ),
        "not_usage": _groups(
            rec.where(F.col("charge_category") != USAGE),
            ["charge_category"],
            F.array_sort(F.flatten(F.collect_set("line_item_types"))).alias("line_item_types"),
        ),
    }


def _groups(frame: DataFrame, by: list[str], *extra: Column) -> list[dict]:
    rows = (
        frame.groupBy(*by)
        .agg(
            F.sum("cur_unblended_cost").alias("cur_cost"),
            F.countDistinct("usage_date").alias("days"),
            *extra,
        )
        .orderBy(F.desc_nulls_last(F.abs(F.col("cur_cost"))))
        .take(MAX_FINDINGS)
    )
    return [r.asDict() for r in rows]


def _shares(usage: DataFrame, by: str | None) -> dict[str, Decimal | None]:
    """Matched billed usage dollars / billed usage dollars, per value of `by` (or overall)."""
    key = F.col(by) if by else F.lit("")
    rows = (
        usage.groupBy(key.alias("k"))
        .agg(
            F.sum(F.when(F.col("status") == MATCHED, F.col("cur_unblended_cost"))).alias("m"),
            F.sum("cur_unblended_cost").alias("b"),
        )
        .orderBy("k")
        .take(1000)
    )
    return {r["k"]: (r["m"] or Decimal(0)) / r["b"] if r["b"] else None for r in rows}


def unit_findings(lines: DataFrame) -> list[dict]:
    """Usage types billed in more than one pricing unit, or in a unit we had to assume."""
    per_unit = (
        lines.where(F.col("token_kind").isNotNull() & (F.col("charge_category") == USAGE))
        .groupBy("usage_type", "pricing_unit", "unit_basis")
        .agg(F.min("usage_date").alias("first"), F.max("usage_date").alias("last"))
    )
    grouped = (
        per_unit.groupBy("usage_type")
        .agg(
            F.array_sort(
                F.collect_list(F.struct("first", "last", "pricing_unit", "unit_basis"))
            ).alias("units")
        )
        .where((F.size("units") > 1) | F.exists("units", lambda u: u["unit_basis"] != STATED))
        .orderBy("usage_type")
        .take(MAX_FINDINGS)
    )
    basis = {"assumed": " (no unit stated: read as millions of tokens)", "described": ""}
    found = []
    for r in grouped:
        parts = [
            f"{u['pricing_unit']!r} {u['first']}..{u['last']}" + basis.get(u["unit_basis"], "")
            for u in r["units"]
        ]
        note = ("changes unit: " if len(r["units"]) > 1 else "") + "; ".join(parts)
        found.append({"usage_type": r["usage_type"], "note": note, "units": len(r["units"])})
    return found
