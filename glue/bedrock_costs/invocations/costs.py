"""Choosing each call's price row and computing its four costs in exact decimals (CONTRACT §3.2)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs.contract.money import COST_TYPE, PRICE_TYPE, UNITS_TYPE
from bedrock_costs.contract.vocabulary import (
    CURRENCY,
    IMAGE,
    NO_PRICE,
    PRICED,
    QUERY,
    STANDARD_QUALITY,
    TTL_1H_AT_5M_RATE,
    VIDEO_SECOND,
)
from bedrock_costs.reference.price_file import PriceRow
from bedrock_costs.reference.unit_price_file import UnitPriceRow

_PRICE_FIELDS = {
    "region": "string",
    "routing": "string",
    "min_input_tokens": "bigint",
    "effective_from": "date",
    "effective_to": "date",
    "input_per_mtok": PRICE_TYPE,
    "output_per_mtok": PRICE_TYPE,
    "cache_read_per_mtok": PRICE_TYPE,
    "cache_write_per_mtok": PRICE_TYPE,
    "cache_write_1h_per_mtok": PRICE_TYPE,
}
_UNIT_FIELDS = {
    "region": "string",
    "routing": "string",
    "unit": "string",
    "max_size": "int",
    "quality": "string",
    "price_per_unit": PRICE_TYPE,
    "effective_from": "date",
    "effective_to": "date",
}


def prices_frame(spark: SparkSession, rows: list[PriceRow]) -> DataFrame:
    """One row per (price_model, price_tier), unique: candidates sorted most specific first."""
    return _candidates(spark, rows, ("price_model", "price_tier", "candidates"), _PRICE_FIELDS)


def unit_prices_frame(spark: SparkSession, rows: list[UnitPriceRow]) -> DataFrame:
    """One row per (unit_model, unit_tier), unique: per-unit candidates, most specific first."""
    return _candidates(spark, rows, ("unit_model", "unit_tier", "unit_candidates"), _UNIT_FIELDS)


def _candidates(
    spark: SparkSession,
    rows: Sequence[PriceRow | UnitPriceRow],
    names: tuple[str, str, str],
    fields: dict[str, str],
) -> DataFrame:
    """Rows grouped by (model, tier), so the key is unique by construction; small, broadcast."""
    groups: dict[tuple[str, str], list[PriceRow | UnitPriceRow]] = defaultdict(list)
    for row in rows:
        groups[(row.model, row.tier)].append(row)
    data = [
        (
            model,
            tier,
            [
                tuple(getattr(r, f) for f in fields)
                for r in sorted(group, key=lambda r: r.specificity, reverse=True)
            ],
        )
        for (model, tier), group in sorted(groups.items())
    ]
    candidate = "struct<" + ",".join(f"{name}:{kind}" for name, kind in fields.items()) + ">"
    return spark.createDataFrame(
        data, f"{names[0]} string, {names[1]} string, {names[2]} array<{candidate}>"
    )


def per_mtok_cost(tokens: Column, per_mtok: Column) -> Column:
    """tokens × price / 1,000,000, exact: DECIMAL(19,0) × DECIMAL(12,12) is DECIMAL(32,12).

    Kept at (32,12) so that summing the four parts needs no precision loss; prices are below
    1,000,000 per million tokens (validated), so one token's price fits DECIMAL(12,12).
    """
    per_token = (per_mtok.cast(PRICE_TYPE) / F.lit(1_000_000)).cast("decimal(12,12)")
    return tokens.cast("decimal(19,0)") * per_token


def _choose(
    joined: DataFrame, candidates: str, applies: Callable[[Column], Column], name: str
) -> tuple[DataFrame, Column]:
    """The first candidate row that applies, as column `name`, computed once per call in its own
    projection: Spark does not inline a costly expression into a projection using it many times."""
    first = F.get(F.filter(candidates, applies), 0)
    return joined.select(*joined.columns, first.alias(name)), F.col(name)


def choose_price_rows(invocations: DataFrame, prices: DataFrame) -> tuple[DataFrame, Column]:
    """Each call's price row (CONTRACT §2.2) as a struct column, null when none applies."""
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
    return _choose(joined, "candidates", applies, "_price")


def apply_prices(invocations: DataFrame, prices: DataFrame) -> DataFrame:
    """Adds the four costs, total_cost, currency, pricing_status and price_effective_from."""
    joined, chosen = choose_price_rows(invocations, prices)
    has_unit_price = F.col("unit_cost").isNotNull()
    is_priced = F.col("unresolved_reason").isNull() & (chosen.isNotNull() | has_unit_price)
    zero = F.lit(0).cast("decimal(1,0)")
    # a per-unit model with no token row: its token kinds cost nothing, not an unknown amount
    parts = {
        kind: F.coalesce(per_mtok_cost(F.col(f"{kind}_tokens"), chosen[f"{kind}_per_mtok"]), zero)
        for kind in ("input", "output", "cache_read")
    }
    parts["cache_write"] = F.coalesce(cache_write_cost(chosen), zero)
    one_hour_part = F.coalesce(cache_write_1h_cost(chosen), zero)
    total = (
        parts["input"]
        + parts["output"]
        + parts["cache_read"]
        + parts["cache_write"]
        + F.coalesce(F.col("unit_cost"), zero)
    )
    has_no_1h_price = (F.col("cache_write_1h_tokens") > 0) & chosen[
        "cache_write_1h_per_mtok"
    ].isNull()
    ttl_basis = F.when(is_priced & has_no_1h_price, F.lit(TTL_1H_AT_5M_RATE)).otherwise(
        F.col("cache_write_ttl_basis")
    )
    status = F.coalesce(
        F.col("unresolved_reason"),
        F.when(chosen.isNull() & ~has_unit_price, F.lit(NO_PRICE)),
        F.lit(PRICED),
    )
    return joined.select(
        *[
            ttl_basis.alias(c) if c == "cache_write_ttl_basis" else c
            for c in invocations.columns
            if c not in ("unresolved_reason", "unit_cost")
        ],
        *[
            F.when(is_priced, cost).cast(COST_TYPE).alias(f"{kind}_cost")
            for kind, cost in parts.items()
        ],
        F.when(is_priced, one_hour_part).cast(COST_TYPE).alias("cache_write_1h_cost"),
        F.when(is_priced, F.col("unit_cost")).cast(COST_TYPE).alias("unit_cost"),
        F.when(is_priced, total).cast(COST_TYPE).alias("total_cost"),
        F.lit(CURRENCY).alias("currency"),
        status.alias("pricing_status"),
        F.when(
            is_priced, F.coalesce(chosen["effective_from"], F.col("unit_price_effective_from"))
        ).alias("price_effective_from"),
    )


def cache_write_cost(chosen: Column) -> Column:
    """5-minute writes at the cache-write price, 1-hour writes at theirs (else the 5-minute one).

    Kept at DECIMAL(33,12) so the total of the four kinds stays exact (DECIMAL(35,12)).
    """
    five_minutes = F.col("cache_write_tokens") - F.col("cache_write_1h_tokens")
    return per_mtok_cost(five_minutes, chosen["cache_write_per_mtok"]) + cache_write_1h_cost(chosen)


def cache_write_1h_cost(chosen: Column) -> Column:
    """1-hour writes at their price, else at the 5-minute one (basis 1h_at_5m_rate)."""
    one_hour_price = F.coalesce(chosen["cache_write_1h_per_mtok"], chosen["cache_write_per_mtok"])
    return per_mtok_cost(F.col("cache_write_1h_tokens"), one_hour_price)


def apply_unit_prices(invocations: DataFrame, unit_prices: DataFrame) -> DataFrame:
    """Adds unit_kind, units, unit_cost and unit_price_effective_from for per-unit models."""

    def applies(p: Column) -> Column:
        quality = F.coalesce(F.col("image_quality"), F.lit(STANDARD_QUALITY))
        return (
            ((p["region"] == "*") | (p["region"] == F.col("region")))
            & ((p["routing"] == "*") | (p["routing"] == F.col("routing")))
            & ((p["quality"] == "*") | (p["quality"] == quality))
            & (
                p["max_size"].isNull()
                | (F.coalesce(F.col("image_size"), F.lit(0)) <= p["max_size"])
            )
            & (p["effective_from"] <= F.col("usage_date"))
            & (p["effective_to"].isNull() | (F.col("usage_date") < p["effective_to"]))
        )

    joined = invocations.join(
        F.broadcast(unit_prices),
        on=(F.col("model") == F.col("unit_model")) & (F.col("service_tier") == F.col("unit_tier")),
        how="left",
    )
    joined, chosen = _choose(joined, "unit_candidates", applies, "_unit_price")
    units = (
        F.when(chosen["unit"].isNotNull() & F.col("error_code").isNotNull(), F.lit(0))  # no output
        .when(chosen["unit"] == IMAGE, F.coalesce(F.col("image_count"), F.lit(1)))
        .when(chosen["unit"] == VIDEO_SECOND, F.col("video_seconds"))
        .when(chosen["unit"] == QUERY, F.lit(1))
        .cast(UNITS_TYPE)
    )
    return joined.select(
        *invocations.columns,
        chosen["unit"].alias("unit_kind"),
        units.alias("units"),
        (units * chosen["price_per_unit"]).alias("unit_cost"),  # DECIMAL(37,12), exact
        chosen["effective_from"].alias("unit_price_effective_from"),
    )
