"""Which calls in a written invocations table had no price, and the price rows that would fix it."""

from __future__ import annotations

import csv
import io

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from bedrock_costs.contract.vocabulary import CURRENCY, NO_PRICE, PRICED
from bedrock_costs.reference.price_file import HEADER

GROUP = ("pricing_status", "model", "model_id", "region", "routing", "service_tier")


def unpriced_groups(invocations: DataFrame) -> DataFrame:
    """One row per unpriced (status, model, model_id, region, routing, tier): calls, tokens, days.

    model_id is kept only where no model was resolved; a resolved model's id forms all share
    one price row.
    """
    unpriced = invocations.where(F.col("pricing_status") != PRICED)
    keys = [
        F.when(F.col("model").isNull(), F.col("model_id")).alias("model_id")
        if c == "model_id"
        else F.col(c)
        for c in GROUP
    ]
    return (
        unpriced.groupBy(*keys)
        .agg(
            F.count(F.lit(1)).alias("calls"),
            F.sum("input_tokens").alias("input_tokens"),
            F.sum("output_tokens").alias("output_tokens"),
            F.sum("cache_read_tokens").alias("cache_read_tokens"),
            F.sum("cache_write_tokens").alias("cache_write_tokens"),
            F.min("usage_date").alias("first_day"),
            F.max("usage_date").alias("last_day"),
        )
        .orderBy(F.desc("calls"), *GROUP)
    )


def suggested_rows(groups: list[dict]) -> str:
    """Price-table rows, prices left blank, for each no_price group: what to fill in and add."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    seen = set()
    for g in groups:
        key = (g["model"], g["region"], g["routing"], g["service_tier"])
        if g["pricing_status"] != NO_PRICE or key in seen:
            continue
        seen.add(key)
        writer.writerow(
            {
                "model": g["model"],
                "region": g["region"],
                "routing": g["routing"],
                "tier": g["service_tier"],
                "min_input_tokens": "0",
                "effective_from": g["first_day"].isoformat(),
                "currency": CURRENCY,
                "source": f"TODO: {g['calls']} calls had no price",
            }
        )
    return out.getvalue()
