"""The Bedrock lines of a CUR 2.0 export, decoded: model, token kind, routing, tier, usage in
tokens, and money in exact decimals.

Money arrives as DOUBLE, which is what AWS writes. Each amount is converted once, at read, to
DECIMAL(38,10) through the shortest decimal text of the double (0.1 becomes 0.1, not
0.1000000000000000055…), half-up; everything after that is exact decimal arithmetic.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from bedrock_costs.billing.bill_tags import line_tags
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.money import MONEY_TYPE, RATE_TYPE, USAGE_TYPE
from bedrock_costs.contract.vocabulary import ADJUSTMENT, CURRENCY, GLOBAL, REGIONAL, member
from bedrock_costs.reference.model_names import fold, model_names
from bedrock_costs.reference.usage_types import parse_usage_type, unit_multiplier

PRODUCT_CODES = ("AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels")
MARKETPLACE_ENTITY = "AWS Marketplace"
MARKETPLACE_EDITION = "(Amazon Bedrock Edition)"
# line_item_line_item_type -> FOCUS ChargeCategory; anything else is an Adjustment
CHARGE_CATEGORIES = {
    line_item_type: member("charge_category", category)
    for line_item_type, category in {
        "Usage": "Usage",
        "DiscountedUsage": "Usage",
        "SavingsPlanCoveredUsage": "Usage",
        "Credit": "Credit",
        "Refund": "Credit",
        "BundledDiscount": "Credit",
        "EdpDiscount": "Credit",
        "PrivateRateDiscount": "Credit",
        "Discount": "Credit",
        "SavingsPlanNegation": "Credit",
        "Tax": "Tax",
        "Fee": "Purchase",
        "RIFee": "Purchase",
        "SavingsPlanRecurringFee": "Purchase",
        "SavingsPlanUpfrontFee": "Purchase",
    }.items()
}
MAX_USAGE_TYPES = 100_000


def bedrock_lines(spark: SparkSession, line_items: DataFrame, *, period: str) -> DataFrame:
    """The period's Bedrock line items, usage types decoded and amounts in exact decimals."""
    raw = line_items
    product_name = F.col("product").getItem("product_name")
    lines = raw.where(is_bedrock_line()).select(
        F.lit(period).alias("billing_period"),
        F.to_date("line_item_usage_start_date").alias("usage_date"),
        F.col("bill_payer_account_id").alias("payer_account_id"),
        F.col("line_item_usage_account_id").alias("account_id"),
        F.col("bill_billing_entity").alias("billing_entity"),
        F.col("line_item_product_code").alias("product_code"),
        F.coalesce(F.col("line_item_usage_type"), F.lit("")).alias("usage_type"),
        product_name.alias("product_name"),
        F.col("line_item_line_item_type").alias("line_item_type"),
        _charge_category(F.col("line_item_line_item_type")).alias("charge_category"),
        F.col("line_item_iam_principal").alias("principal"),
        F.col("line_item_resource_id").alias("resource_id"),
        line_tags(raw).alias("bill_tags"),
        F.col("pricing_unit"),
        F.col("line_item_line_item_description").alias("description"),
        F.col("product_region_code"),
        F.col("line_item_usage_amount").cast(MONEY_TYPE).alias("amount"),
        F.col("line_item_unblended_cost").cast(MONEY_TYPE).alias("unblended_cost"),
        F.col("line_item_net_unblended_cost").cast(MONEY_TYPE).alias("net_unblended_cost"),
        F.col("line_item_unblended_rate").cast(RATE_TYPE).alias("unblended_rate"),
        F.coalesce(F.col("line_item_currency_code"), F.lit(CURRENCY)).alias("currency"),
    )
    decoded = _join_usage_types(lines, usage_type_table(spark, lines))
    usage = (F.col("amount") * F.col("unit_multiplier")).cast(USAGE_TYPE)
    marketplace = F.coalesce(F.col("billing_entity") == MARKETPLACE_ENTITY, F.lit(False)) | F.col(
        "marketplace_form"
    )
    dropped = ("product_region_code", "description", "usage_type_region", "marketplace_form")
    return decoded.select(
        *[c for c in decoded.columns if c not in dropped],
        F.coalesce(F.col("product_region_code"), F.col("usage_type_region")).alias("region"),
        usage.alias("usage"),
        marketplace.alias("marketplace"),
    )


def is_bedrock_line() -> Column:
    """A CUR line item billing Bedrock: its product codes, or a model sold through AWS
    Marketplace as "(Amazon Bedrock Edition)"."""
    is_bedrock = F.col("line_item_product_code").isin(*PRODUCT_CODES) | F.col(
        "product_servicecode"
    ).isin(*PRODUCT_CODES)
    product_name = F.col("product").getItem("product_name")
    is_marketplace_model = (F.col("bill_billing_entity") == MARKETPLACE_ENTITY) & F.coalesce(
        product_name.contains(MARKETPLACE_EDITION), F.lit(False)
    )
    return is_bedrock | is_marketplace_model


def _charge_category(line_item_type: Column) -> Column:
    mapping = F.create_map(*[F.lit(x) for pair in CHARGE_CATEGORIES.items() for x in pair])
    return F.coalesce(mapping[line_item_type], F.lit(ADJUSTMENT))


_DECODE_KEYS = ("usage_type", "product_name", "pricing_unit", "description")


def usage_type_table(spark: SparkSession, lines: DataFrame) -> DataFrame:
    """The distinct usage types of a period decoded by the one grammar in usage_types.py.

    A small dimension (hundreds of distinct usage types a month), so it is decoded on the driver
    and broadcast; the line items themselves never leave the executors.
    """
    distinct = lines.select(*_DECODE_KEYS).distinct().take(MAX_USAGE_TYPES + 1)
    if len(distinct) > MAX_USAGE_TYPES:
        raise UsageError(f"more than {MAX_USAGE_TYPES:,} distinct Bedrock usage types in a period")
    names = model_names()
    rows = []
    for usage_type, product_name, pricing_unit, description in distinct:
        parsed = parse_usage_type(usage_type or "", description or "")
        kind = parsed.kind or parsed.unit_kind
        edition = product_name if product_name and MARKETPLACE_EDITION in product_name else None
        name = parsed.billing_name or edition
        model = names.get(fold(name)) if name else None
        multiplier, basis = unit_multiplier(pricing_unit, description, parsed.kind is not None)
        rows.append(
            (
                usage_type,
                product_name,
                pricing_unit,
                description,
                parsed.region,
                name,
                model,
                kind,
                GLOBAL if parsed.routing == GLOBAL else REGIONAL,
                parsed.tier,
                parsed.marketplace,
                multiplier,
                basis,
            )
        )
    schema = T.StructType(
        [
            *[T.StructField(k, T.StringType()) for k in _DECODE_KEYS],
            T.StructField("usage_type_region", T.StringType()),
            T.StructField("billing_name", T.StringType()),
            T.StructField("model", T.StringType()),
            T.StructField("token_kind", T.StringType()),
            T.StructField("routing", T.StringType()),
            T.StructField("tier", T.StringType()),
            T.StructField("marketplace_form", T.BooleanType()),
            T.StructField("unit_multiplier", T.DecimalType(7, 0)),
            T.StructField("unit_basis", T.StringType()),
        ]
    )
    return spark.createDataFrame(rows, schema)


def _join_usage_types(lines: DataFrame, table: DataFrame) -> DataFrame:
    renamed = table.select(*[F.col(c).alias(f"_d_{c}") for c in table.columns])
    condition = None
    for key in _DECODE_KEYS:
        clause = F.col(key).eqNullSafe(F.col(f"_d_{key}"))
        condition = clause if condition is None else condition & clause
    joined = lines.join(F.broadcast(renamed), on=condition, how="left")
    return joined.select(
        *lines.columns,
        *[F.col(f"_d_{c}").alias(c) for c in table.columns if c not in _DECODE_KEYS],
    )
