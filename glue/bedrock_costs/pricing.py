"""Choosing each call's price row and computing its four costs in exact decimals (CONTRACT §3.2)."""

from __future__ import annotations

from collections import defaultdict

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs.price_table import PriceRow

PRICE_TYPE = "decimal(18,6)"
COST_TYPE = "decimal(38,12)"
_CANDIDATE = (
    "struct<region:string,routing:string,min_input_tokens:bigint,effective_from:date,"
    "effective_to:date,input_per_mtok:decimal(18,6),output_per_mtok:decimal(18,6),"
    "cache_read_per_mtok:decimal(18,6),cache_write_per_mtok:decimal(18,6),"
    "cache_write_1h_per_mtok:decimal(18,6)>"
)


def prices_frame(spark: SparkSession, rows: list[PriceRow]) -> DataFrame:
    """One row per (price_model, price_tier), unique: candidates sorted most specific first."""
    groups: dict[tuple[str, str], list[PriceRow]] = defaultdict(list)
    for row in rows:
        groups[(row.model, row.tier)].append(row)
    data = [
        (
            model,
            tier,
            [
                (
                    r.region,
                    r.routing,
                    r.min_input_tokens,
                    r.effective_from,
                    r.effective_to,
                    r.input_per_mtok,
                    r.output_per_mtok,
                    r.cache_read_per_mtok,
                    r.cache_write_per_mtok,
                    r.cache_write_1h_per_mtok,
                )
                for r in sorted(group, key=lambda r: r.specificity, reverse=True)
            ],
        )
        for (model, tier), group in sorted(groups.items())
    ]
    schema = f"price_model string, price_tier string, candidates array<{_CANDIDATE}>"
    return spark.createDataFrame(data, schema)


def per_mtok_cost(tokens: Column, per_mtok: Column) -> Column:
    """tokens × price / 1,000,000, exact: DECIMAL(19,0) × DECIMAL(12,12) is DECIMAL(32,12).

    Kept at (32,12) so that summing the four parts needs no precision loss; prices are below
    1,000,000 per million tokens (validated), so one token's price fits DECIMAL(12,12).
    """
    per_token = (per_mtok.cast(PRICE_TYPE) / F.lit(1_000_000)).cast("decimal(12,12)")
    return tokens.cast("decimal(19,0)") * per_token


def apply_prices(invocations: DataFrame, prices: DataFrame) -> DataFrame:
    """Adds the four costs, total_cost, currency, pricing_status and price_effective_from."""
    total_input = F.col("input_tokens") + F.col("cache_read_tokens") + F.col("cache_write_tokens")

    def applies(p: Column) -> Column:
        region_matches = (p["region"] == "*") | (p["region"] == F.col("region"))
        routing_matches = (p["routing"] == "*") | (p["routing"] == F.col("routing"))
        in_effect = (p["effective_from"] <= F.col("usage_date")) & (
            p["effective_to"].isNull() | (F.col("usage_date") < p["effective_to"])
        )
        input_large_enough = (p["min_input_tokens"] == 0) | (total_input > p["min_input_tokens"])
        return region_matches & routing_matches & in_effect & input_large_enough

    joined = invocations.join(
        F.broadcast(prices),
        on=(F.col("model") == F.col("price_model"))
        & (F.col("service_tier") == F.col("price_tier")),
        how="left",
    )
    chosen = F.get(F.filter("candidates", applies), 0)
    is_priced = F.col("unresolved_reason").isNull() & chosen.isNotNull()
    parts = {
        kind: per_mtok_cost(F.col(f"{kind}_tokens"), chosen[f"{kind}_per_mtok"])
        for kind in ("input", "output", "cache_read")
    }
    parts["cache_write"] = cache_write_cost(chosen)
    total = parts["input"] + parts["output"] + parts["cache_read"] + parts["cache_write"]
    has_no_1h_price = (F.col("cache_write_1h_tokens") > 0) & chosen[
        "cache_write_1h_per_mtok"
    ].isNull()
    ttl_basis = F.when(is_priced & has_no_1h_price, F.lit("1h_at_5m_rate")).otherwise(
        F.col("cache_write_ttl_basis")
    )
    status = F.coalesce(
        F.col("unresolved_reason"), F.when(chosen.isNull(), F.lit("no_price")), F.lit("priced")
    )
    return joined.select(
        *[
            ttl_basis.alias(c) if c == "cache_write_ttl_basis" else c
            for c in invocations.columns
            if c != "unresolved_reason"
        ],
        *[
            F.when(is_priced, cost).cast(COST_TYPE).alias(f"{kind}_cost")
            for kind, cost in parts.items()
        ],
        F.when(is_priced, total).cast(COST_TYPE).alias("total_cost"),
        F.lit("USD").alias("currency"),
        status.alias("pricing_status"),
        F.when(is_priced, chosen["effective_from"]).alias("price_effective_from"),
    )


def cache_write_cost(chosen: Column) -> Column:
    """5-minute writes at the cache-write price, 1-hour writes at theirs (else the 5-minute one).

    Kept at DECIMAL(33,12) so the total of the four kinds stays exact (DECIMAL(35,12)).
    """
    one_hour = F.col("cache_write_1h_tokens")
    five_minutes = F.col("cache_write_tokens") - one_hour
    one_hour_price = F.coalesce(chosen["cache_write_1h_per_mtok"], chosen["cache_write_per_mtok"])
    return per_mtok_cost(five_minutes, chosen["cache_write_per_mtok"]) + per_mtok_cost(
        one_hour, one_hour_price
    )
