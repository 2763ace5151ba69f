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

import re
import secrets
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs import catalog, schemas, storage, writer
from bedrock_costs.config import DEFAULT_DATABASE
from bedrock_costs.cur import check_period
from bedrock_costs.errors import UsageError
from bedrock_costs.reconcile import TOKEN_KINDS, call_kinds
from bedrock_costs.session import RUN_SETTINGS

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
UNITS = {"image": "Images", "video_second": "Seconds", "query": "Queries"}
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
    return _focus(allocations, billed, "allocated", first_day)


def from_estimates(calls: DataFrame, first_day: date) -> DataFrame:
    """Estimated rows for priced call kinds (see call_kinds); unpriced ones are not costs."""
    rows = calls.where(F.col("estimated_cost").isNotNull()).select(
        "*",
        F.lit("Usage").alias("charge_category"),
        F.lit("call").alias("allocation"),
        F.lit(None).cast("string").alias("payer_account_id"),
    )
    return _focus(rows, F.col("estimated_cost"), "estimated", first_day)


def _focus(rows: DataFrame, billed: Column, basis: str, first_day: date) -> DataFrame:
    kind = F.col("token_kind")
    is_usage = F.col("charge_category") == "Usage"
    is_token = kind.isin(*TOKEN_KINDS)
    has_call = F.col("request_id").isNotNull()
    per_million = F.lit(1_000_000).cast("decimal(7,0)")
    pricing_quantity = F.when(
        is_usage, F.when(is_token, F.col("usage") / per_million).otherwise(F.col("usage"))
    ).cast("decimal(38,12)")
    list_price = F.when(is_usage & has_call, F.col("list_unit_price"))
    # DECIMAL(12,6) x DECIMAL(24,12) is DECIMAL(37,18): exact, no precision-loss rounding
    exact_product = list_price.cast("decimal(12,6)") * pricing_quantity.cast("decimal(24,12)")
    list_cost = F.coalesce(exact_product.cast("decimal(38,12)"), billed)
    start = F.when(has_call, F.date_trunc("hour", "event_time")).otherwise(
        F.col("usage_date").cast("timestamp")
    )
    end = F.when(has_call, start + F.expr("INTERVAL 1 HOUR")).otherwise(
        start + F.expr("INTERVAL 1 DAY")
    )
    period_start = F.lit(first_day).cast("timestamp")
    publisher = _publisher(F.col("model"))
    sku = F.concat_ws("/", "model", "token_kind", "routing", "tier")
    meter = F.create_map(*[F.lit(x) for pair in METERS.items() for x in pair])
    units = F.create_map(*[F.lit(x) for pair in UNITS.items() for x in pair])
    values: dict[str, Column] = {
        "BilledCost": billed,
        "EffectiveCost": billed,
        "ListCost": list_cost,
        "ContractedCost": list_cost,
        "ListUnitPrice": list_price,
        "ContractedUnitPrice": list_price,
        "BillingCurrency": F.lit("USD"),
        "BillingAccountId": F.coalesce("payer_account_id", "account_id"),
        "BillingPeriodStart": period_start,
        "BillingPeriodEnd": F.add_months(F.lit(first_day), 1).cast("timestamp"),
        "ChargePeriodStart": start,
        "ChargePeriodEnd": end,
        "ChargeCategory": F.col("charge_category"),
        "ChargeDescription": F.concat_ws(
            " ",
            F.coalesce("model", F.lit("Amazon Bedrock")),
            meter[kind],
            F.concat(F.lit("("), F.concat_ws(", ", "routing", "tier", "region"), F.lit(")")),
        ),
        "ChargeFrequency": F.when(is_usage, "Usage-Based").otherwise("One-Time"),
        "ConsumedQuantity": F.when(is_usage, F.col("usage")),
        "ConsumedUnit": F.when(is_usage, F.coalesce(units[kind], F.lit("Tokens"))),
        "PricingQuantity": pricing_quantity,
        "PricingUnit": F.when(
            is_usage, F.when(is_token, F.lit("1000000 Tokens")).otherwise(units[kind])
        ),
        "PricingCategory": F.when(is_usage, "Standard"),
        "ProviderName": F.lit("AWS"),
        "PublisherName": publisher,
        "InvoiceIssuerName": F.lit("AWS"),
        "RegionId": F.col("region"),
        "ResourceId": F.when(has_call, F.coalesce("inference_profile_arn", "model")),
        "ResourceName": F.when(has_call, F.col("model")),
        "ResourceType": F.when(
            has_call,
            F.when(
                F.col("inference_profile_arn").isNotNull(), "Application Inference Profile"
            ).otherwise("Foundation Model"),
        ),
        "ServiceCategory": F.lit(SERVICE[1]),
        "ServiceSubcategory": F.lit(SERVICE[2]),
        "ServiceName": F.lit(SERVICE[0]),
        "SkuId": F.when(is_usage, sku),
        "SkuPriceId": F.when(is_usage, F.concat_ws("/", "region", sku)),
        "SkuMeter": meter[kind],
        "SubAccountId": F.col("account_id"),
        "SubAccountType": F.lit("AWS Account"),
        "Tags": F.when(
            F.size(F.coalesce("request_metadata", F.create_map())) > 0,
            F.to_json("request_metadata"),
        ),
        "x_RequestId": F.col("request_id"),
        "x_Operation": F.col("operation"),
        "x_TokenKind": kind,
        "x_CostBasis": F.lit(basis),
        "x_Allocation": F.col("allocation"),
        "x_Model": F.col("model"),
        "x_Routing": F.col("routing"),
        "x_ServiceTier": F.col("tier"),
        "x_IdentityArn": F.col("identity_arn"),
        "x_EstimatedCost": F.col("estimated_cost"),
    }
    schema = schemas.load("focus")
    return rows.select(
        *[values.get(c.name, F.lit(None)).cast(c.type).alias(c.name) for c in schema.columns],
        F.date_format(F.lit(first_day), "yyyy-MM").alias("billing_period"),
    )


def _publisher(model: Column) -> Column:
    vendor = F.split(model, r"\.").getItem(0)
    names = F.create_map(*[F.lit(x) for pair in PUBLISHERS.items() for x in pair])
    return F.coalesce(names[vendor], F.initcap(vendor), F.lit("AWS"))


@dataclass(frozen=True)
class FocusExport:
    billing_period: str
    cost_basis: str
    rows: int
    billed_cost: Decimal
    left_out: int  # unpriced call kinds without an allocation


def run_focus(
    spark: SparkSession,
    output_path: str,
    *,
    billing_period: str | None = None,
    database: str = DEFAULT_DATABASE,
) -> list[FocusExport]:
    """Write the `focus` table for each billing period (allocated when reconciled)."""
    invocations_path = storage.join(output_path, "invocations")
    if not storage.exists(invocations_path):
        raise UsageError(
            "no invocations table here: run `bedrock-costs run` first", file=output_path
        )
    periods = [check_period(billing_period)] if billing_period else _months(invocations_path)
    for key, value in RUN_SETTINGS.items():
        spark.conf.set(key, value)
    invocations = spark.read.schema(schemas.load("invocations").spark_type()).parquet(
        storage.spark_path(invocations_path)
    )
    staging = storage.join(output_path, "_staging", f"focus-{secrets.token_hex(4)}")
    exports = []
    for period in periods:
        first = date.fromisoformat(f"{period}-01")
        last = first.replace(day=monthrange(first.year, first.month)[1])
        allocated = storage.join(output_path, "allocations", f"billing_period={period}")
        left_out = 0
        if storage.exists(allocated):
            allocations = (
                spark.read.schema(schemas.load("allocations").spark_type())
                .parquet(storage.spark_path(storage.join(output_path, "allocations")))
                .where(F.col("billing_period") == period)
            )
            frame, basis = from_allocations(allocations, first), "allocated"
        else:
            calls = call_kinds(
                invocations.where(F.col("usage_date").between(F.lit(first), F.lit(last))),
                by_principal=False,
            )
            frame, basis = from_estimates(calls, first), "estimated"
            left_out = calls.where(F.col("estimated_cost").isNull()).count()
        table = storage.join(staging, period)
        writer.stage(frame, table, "billing_period")
        written = spark.read.schema(schemas.load("focus").spark_type()).parquet(
            storage.spark_path(table)
        )
        totals = written.agg(F.count("*"), F.sum("BilledCost")).first()
        assert totals is not None
        writer.publish(table, storage.join(output_path, "focus"), {period}, "billing_period")
        exports.append(FocusExport(period, basis, totals[0], totals[1] or Decimal(0), left_out))
    storage.delete_tree(staging)
    catalog.register_table(spark, database, output_path, "focus")
    return exports


def _months(invocations_path: str) -> list[str]:
    """Billing periods with invocations, from the partition folders (no data read)."""
    months = set()
    for folder in storage.list_dir(invocations_path)[0]:
        m = re.search(r"usage_date=(\d{4}-\d{2})-\d{2}$", folder)
        if m:
            months.add(m[1])
    return sorted(months)
