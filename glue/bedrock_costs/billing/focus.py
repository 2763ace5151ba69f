"""A FOCUS 1.2 export: one row per call x token kind, billed or estimated.

When the billing period has been reconciled, the rows are its allocations: BilledCost is each
call's exact share of the CUR bill (net unblended cost when the CUR has it), and credits, tax and
unattributed billed cost appear as their own rows, so the export sums to the bill. Otherwise
the rows are our estimates (`x_CostBasis` = `estimated`: showback, not billable actuals), and
calls without a price are left out and counted.

ListUnitPrice is our price per PricingUnit (1,000,000 tokens, or one image, second or query) and
PricingQuantity the consumed quantity in that unit, so ListUnitPrice x PricingQuantity is
ListCost exactly.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bedrock_costs.contract import schemas
from bedrock_costs.contract.vocabulary import (
    ALLOCATED,
    CALL,
    CURRENCY,
    ESTIMATED,
    IMAGE,
    QUERY,
    TOKEN_KINDS,
    USAGE,
    VIDEO_SECOND,
)

SERVICE = ("Amazon Bedrock", "AI and Machine Learning", "Generative AI")
PUBLISHERS = {
    "anthropic": "Anthropic",
    "amazon": "Amazon",
    "meta": "Meta",
    "mistral": "Mistral AI",
    "cohere": "Cohere",
    "ai21": "AI21 Labs",
    "deepseek": "DeepSeek",
    "openai": "OpenAI",
    "qwen": "Qwen",
    "stability": "Stability AI",
    "writer": "Writer",
    "twelvelabs": "TwelveLabs",
    "luma": "Luma AI",
}
UNITS = {IMAGE: "Images", VIDEO_SECOND: "Seconds", QUERY: "Queries"}
METERS = {
    "input": "Input Tokens",
    "output": "Output Tokens",
    "cache_read": "Cache Read Input Tokens",
    "cache_write": "Cache Write Input Tokens (5m)",
    "cache_write_1h": "Cache Write Input Tokens (1h)",
    "image": "Images",
    "video_second": "Video Seconds",
    "query": "Queries",
}


def from_allocations(allocations: DataFrame, first_day: date) -> DataFrame:
    billed = F.coalesce(F.col("allocated_net_cost"), F.col("allocated_cost"))
    return _focus(allocations, billed, ALLOCATED, first_day)


def from_estimates(calls: DataFrame, first_day: date) -> DataFrame:
    """Estimated rows for priced call kinds (see call_kinds); unpriced ones are not costs."""
    rows = calls.where(F.col("estimated_cost").isNotNull()).select(
        "*",
        F.lit(USAGE).alias("charge_category"),
        F.lit(CALL).alias("allocation"),
        F.lit(None).cast("string").alias("payer_account_id"),
        F.create_map().cast("map<string,string>").alias("bill_tags"),
    )
    return _focus(rows, F.col("estimated_cost"), ESTIMATED, first_day)


def _kind() -> Column:
    return F.col("token_kind")


def _is_usage() -> Column:
    return F.col("charge_category") == USAGE


def _is_token() -> Column:
    return _kind().isin(*TOKEN_KINDS)


def _has_call() -> Column:
    return F.col("request_id").isNotNull()


def _focus(rows: DataFrame, billed: Column, basis: str, first_day: date) -> DataFrame:
    """The focus table's columns in schema order (FOCUS columns without a value are null)."""
    values = {
        **_cost_columns(billed),
        **_period_columns(first_day),
        **_charge_columns(),
        **_resource_columns(),
        **_extra_columns(basis),
    }
    schema = schemas.load("focus")
    return rows.select(
        *[values.get(c.name, F.lit(None)).cast(c.type).alias(c.name) for c in schema.columns],
        F.date_format(F.lit(first_day), "yyyy-MM").alias("billing_period"),
    )


def _pricing_quantity() -> Column:
    per_million = F.lit(1_000_000).cast("decimal(7,0)")
    return F.when(
        _is_usage(), F.when(_is_token(), F.col("usage") / per_million).otherwise(F.col("usage"))
    ).cast("decimal(38,12)")


def _cost_columns(billed: Column) -> dict[str, Column]:
    list_price = F.when(_is_usage() & _has_call(), F.col("list_unit_price"))
    # DECIMAL(12,6) x DECIMAL(24,12) is DECIMAL(37,18): exact, no precision-loss rounding
    exact_product = list_price.cast("decimal(12,6)") * _pricing_quantity().cast("decimal(24,12)")
    list_cost = F.coalesce(exact_product.cast("decimal(38,12)"), billed)
    return {
        "BilledCost": billed,
        "EffectiveCost": billed,
        "ListCost": list_cost,
        "ContractedCost": list_cost,
        "ListUnitPrice": list_price,
        "ContractedUnitPrice": list_price,
        "BillingCurrency": F.lit(CURRENCY),
        "BillingAccountId": F.coalesce("payer_account_id", "account_id"),
    }


def _period_columns(first_day: date) -> dict[str, Column]:
    start = F.when(_has_call(), F.date_trunc("hour", "event_time")).otherwise(
        F.col("usage_date").cast("timestamp")
    )
    end = F.when(_has_call(), start + F.expr("INTERVAL 1 HOUR")).otherwise(
        start + F.expr("INTERVAL 1 DAY")
    )
    return {
        "BillingPeriodStart": F.lit(first_day).cast("timestamp"),
        "BillingPeriodEnd": F.add_months(F.lit(first_day), 1).cast("timestamp"),
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end,
    }


def _charge_columns() -> dict[str, Column]:
    meter = F.create_map(*[F.lit(x) for pair in METERS.items() for x in pair])
    units = F.create_map(*[F.lit(x) for pair in UNITS.items() for x in pair])
    sku = F.concat_ws("/", "model", "token_kind", "routing", "tier")
    return {
        "ChargeCategory": F.col("charge_category"),
        "ChargeDescription": F.concat_ws(
            " ",
            F.coalesce("model", F.lit("Amazon Bedrock")),
            meter[_kind()],
            F.concat(F.lit("("), F.concat_ws(", ", "routing", "tier", "region"), F.lit(")")),
        ),
        "ChargeFrequency": F.when(_is_usage(), "Usage-Based").otherwise("One-Time"),
        "ConsumedQuantity": F.when(_is_usage(), F.col("usage")),
        "ConsumedUnit": F.when(_is_usage(), F.coalesce(units[_kind()], F.lit("Tokens"))),
        "PricingQuantity": _pricing_quantity(),
        "PricingUnit": F.when(
            _is_usage(), F.when(_is_token(), F.lit("1000000 Tokens")).otherwise(units[_kind()])
        ),
        "PricingCategory": F.when(_is_usage(), "Standard"),
        "SkuId": F.when(_is_usage(), sku),
        "SkuPriceId": F.when(_is_usage(), F.concat_ws("/", "region", sku)),
        "SkuMeter": meter[_kind()],
    }


def _resource_columns() -> dict[str, Column]:
    resource_type = F.when(
        F.col("inference_profile_arn").isNotNull(), "Application Inference Profile"
    ).otherwise("Foundation Model")
    return {
        "ProviderName": F.lit("AWS"),
        "PublisherName": _publisher(F.col("model")),
        "InvoiceIssuerName": F.lit("AWS"),
        "RegionId": F.col("region"),
        "ResourceId": F.when(_has_call(), F.coalesce("inference_profile_arn", "model")),
        "ResourceName": F.when(_has_call(), F.col("model")),
        "ResourceType": F.when(_has_call(), resource_type),
        "ServiceCategory": F.lit(SERVICE[1]),
        "ServiceSubcategory": F.lit(SERVICE[2]),
        "ServiceName": F.lit(SERVICE[0]),
        "SubAccountId": F.col("account_id"),
        "SubAccountType": F.lit("AWS Account"),
        "Tags": F.when(F.size(_tags()) > 0, F.to_json(_tags())),
    }


def _extra_columns(basis: str) -> dict[str, Column]:
    return {
        "x_RequestId": F.col("request_id"),
        "x_Operation": F.col("operation"),
        "x_TokenKind": _kind(),
        "x_CostBasis": F.lit(basis),
        "x_Allocation": F.col("allocation"),
        "x_Model": F.col("model"),
        "x_Routing": F.col("routing"),
        "x_ServiceTier": F.col("tier"),
        "x_IdentityArn": F.col("identity_arn"),
        "x_EstimatedCost": F.col("estimated_cost"),
    }


def _tags() -> Column:
    """The call's requestMetadata and the bill's tags of the row's dollars (`user:<key>`,
    `aws:<key>`, `iamPrincipal/<key>`: their prefixes keep the two apart)."""
    empty = F.create_map().cast("map<string,string>")
    return F.map_concat(
        F.coalesce("request_metadata", empty), F.coalesce(F.col("bill_tags"), empty)
    )


def _publisher(model: Column) -> Column:
    vendor = F.split(model, r"\.").getItem(0)
    names = F.create_map(*[F.lit(x) for pair in PUBLISHERS.items() for x in pair])
    return F.coalesce(names[vendor], F.initcap(vendor), F.lit("AWS"))
