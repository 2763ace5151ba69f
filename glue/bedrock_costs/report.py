"""Headline numbers of the registered tables, for the demo and people at a terminal."""

from __future__ import annotations

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def headline(spark: SparkSession, database: str, *, top: int = 12) -> str:
    """Cost by model (priced calls), then unpriced calls by status, from the catalog tables."""
    calls = spark.table(f"`{database}`.`invocations`")
    by_model = (
        calls.where(F.col("pricing_status") == "priced")
        .groupBy("model", "routing")
        .agg(F.count(F.lit(1)).alias("calls"), F.sum("total_cost").alias("cost"))
        .orderBy(F.desc("cost"))
        .take(top)
    )
    unpriced = (
        calls.where(F.col("pricing_status") != "priced")
        .groupBy("pricing_status")
        .agg(F.count(F.lit(1)).alias("calls"))
        .orderBy("pricing_status")
        .take(top)
    )
    lines = ["", "3. cost by model (priced calls, USD):"]
    lines += [
        f"  {r['model']:<48} {r['routing']:<9} {r['calls']:>8,} calls  {r['cost']:>14,.6f}"
        for r in by_model
    ]
    lines.append(
        "   unpriced calls: "
        + (", ".join(f"{r['pricing_status']} {r['calls']:,}" for r in unpriced) or "none")
    )
    return "\n".join(lines)
