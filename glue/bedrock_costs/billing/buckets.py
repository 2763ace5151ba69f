"""Estimates against the bill: one row per bucket of CUR 2.0 usage and of logged calls.

A bucket is day x account x Region x model x token class x routing x tier, and x principal
when the CUR carries `line_item_iam_principal`. Both sides are aggregated to buckets, joined
null-safely, and each Usage bucket gets a status:

- `matched`: |estimate - unblended cost| <= max(1 % of the unblended cost, USD 0.000001);
- `over` / `under`: our estimate is above / below the bill by more than that;
- `logs_missing`: billed usage without a logged call (logging off, lost log delivery);
- `cur_missing`: logged calls the CUR does not bill (not billed yet, provisioned throughput);
- `unmapped`: a billing name, usage type or logged model we cannot place (named, not dropped);
- `not_usage`: credits, refunds, discounts, tax and fees, kept apart from usage.

Where some calls of a bucket are unpriced, the comparison is on usage (tokens or units)
with the same 1 % tolerance, and `status_basis` says so.
"""

from __future__ import annotations

from decimal import Decimal

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bedrock_costs.billing.bill_tags import tag_set
from bedrock_costs.contract import schemas
from bedrock_costs.contract.money import COST_TYPE, MONEY_TYPE, PRICE_TYPE, USAGE_TYPE
from bedrock_costs.contract.vocabulary import (
    ASSUMED,
    CACHE_READ,
    CACHE_WRITE,
    CACHE_WRITE_1H,
    DESCRIBED,
    GLOBAL,
    INPUT,
    OUTPUT,
    REGIONAL,
    STATED,
    TOKEN_KINDS,
    USAGE,
    member,
)

TOLERANCE_SHARE = Decimal("0.01")
TOLERANCE_FLOOR = Decimal("0.000001")  # USD: below CUR's rounding, above nothing
KEY = (
    "usage_date",
    "account_id",
    "region",
    "model",
    "unmapped_usage_type",
    "token_kind",
    "routing",
    "tier",
    "principal",
)


def call_kinds(invocations: DataFrame, *, by_principal: bool) -> DataFrame:
    """One row per call x billed kind with usage: the logs side of every bucket.

    Cache writes are split as CUR splits them: 5-minute (`cache_write`) and 1-hour
    (`cache_write_1h`) writes. `list_unit_price` is the price the estimate used, per million
    tokens (per unit for per-unit models); price x usage is the estimate exactly.
    """
    exploded = invocations.select("*", F.explode(F.array(*_kinds())).alias("_k")).where(
        F.col("_k.usage") > 0
    )
    usage, cost = F.col("_k.usage"), F.col("_k.cost")
    is_token = F.col("_k.kind").isin(*TOKEN_KINDS)
    per = F.when(is_token, F.lit(1_000_000)).otherwise(F.lit(1)).cast("decimal(7,0)")
    # cost = usage x price exactly, and prices have at most 6 decimals: the quotient is exact
    unit_price = ((cost * per) / usage).cast(PRICE_TYPE)
    return exploded.select(
        "usage_date",
        "account_id",
        "region",
        "model",
        F.lit(None).cast("string").alias("unmapped_usage_type"),
        F.col("_k.kind").alias("token_kind"),
        routing_class(F.col("routing")).alias("routing"),
        F.col("service_tier").alias("tier"),
        (F.col("identity_arn") if by_principal else F.lit(None).cast("string")).alias("principal"),
        "request_id",
        "event_time",
        "identity_arn",
        "operation",
        "model_id",
        "inference_profile_arn",
        "request_metadata",
        usage.alias("usage"),
        cost.alias("estimated_cost"),
        unit_price.alias("list_unit_price"),
    )


def _kinds() -> list[Column]:
    """A call's billed kinds as (kind, usage, cost) structs; cache writes split as CUR does."""
    five_minute_tokens = F.col("cache_write_tokens") - F.coalesce(
        F.col("cache_write_1h_tokens"), F.lit(0)
    )
    one_hour_cost = F.coalesce(F.col("cache_write_1h_cost"), F.lit(0).cast("decimal(1,0)"))
    parts = [
        (F.lit(INPUT), F.col("input_tokens"), F.col("input_cost")),
        (F.lit(OUTPUT), F.col("output_tokens"), F.col("output_cost")),
        (F.lit(CACHE_READ), F.col("cache_read_tokens"), F.col("cache_read_cost")),
        (F.lit(CACHE_WRITE), five_minute_tokens, F.col("cache_write_cost") - one_hour_cost),
        (F.lit(CACHE_WRITE_1H), F.col("cache_write_1h_tokens"), F.col("cache_write_1h_cost")),
        (F.col("unit_kind"), F.col("units"), F.col("unit_cost")),  # per-unit models
    ]
    return [
        F.struct(
            kind.alias("kind"),
            usage.cast(USAGE_TYPE).alias("usage"),
            cost.cast(COST_TYPE).alias("cost"),
        )
        for kind, usage, cost in parts
    ]


def routing_class(routing: Column) -> Column:
    """CUR has one usage type for in-Region and geographic calls, another for global ones."""
    return F.when(routing == GLOBAL, F.lit(GLOBAL)).otherwise(F.lit(REGIONAL))


def cur_buckets(lines: DataFrame, *, by_principal: bool) -> DataFrame:
    """CUR line items summed per bucket, charge category, tag set and resource: the bucket's
    parts the allocation splits (`bucket_level` sums them to what reconciliation compares)."""
    unmapped = F.col("model").isNull() | F.col("token_kind").isNull()
    keyed = lines.select(
        "*",
        F.when(unmapped, F.col("usage_type")).alias("unmapped_usage_type"),
        (F.col("principal") if by_principal else F.lit(None).cast("string")).alias("_principal"),
        tag_set(F.col("bill_tags")).alias("_tag_set"),
    ).drop("principal")
    keyed = keyed.withColumnRenamed("_principal", "principal")
    basis_rank = F.when(F.col("unit_basis") == ASSUMED, 3).when(F.col("unit_basis") == DESCRIBED, 2)
    return keyed.groupBy(*KEY, "charge_category", "_tag_set", "resource_id").agg(
        F.first("bill_tags").alias("bill_tags"),
        F.array_sort(F.collect_set("line_item_type")).alias("line_item_types"),
        F.array_sort(F.collect_set("usage_type")).alias("usage_types"),
        F.max("billing_entity").alias("billing_entity"),
        F.max("marketplace").alias("marketplace"),
        F.array_sort(F.collect_set("pricing_unit")).alias("pricing_units"),
        F.max(F.coalesce(basis_rank, F.lit(1))).alias("_basis_rank"),
        F.sum("usage").cast(USAGE_TYPE).alias("cur_usage"),
        F.sum("unblended_cost").cast(MONEY_TYPE).alias("cur_unblended_cost"),
        F.sum("net_unblended_cost").cast(MONEY_TYPE).alias("cur_net_unblended_cost"),
        F.max("payer_account_id").alias("payer_account_id"),
    )


def bucket_level(parts: DataFrame) -> DataFrame:
    """The parts of each bucket summed: one row per bucket and charge category, with the tags
    every part shares (`bill_tags`) and how many tag sets it has (`cur_tag_sets`)."""

    def union_of(column: str) -> Column:
        return F.array_sort(F.array_distinct(F.flatten(F.collect_list(column))))

    entries = F.collect_list(F.map_entries("bill_tags"))
    shared = F.aggregate(
        entries, F.element_at(entries, 1), lambda acc, x: F.array_intersect(acc, x)
    )
    return parts.groupBy(*KEY, "charge_category").agg(
        F.map_from_entries(shared).alias("bill_tags"),
        F.count_distinct("_tag_set").alias("cur_tag_sets"),
        union_of("line_item_types").alias("line_item_types"),
        union_of("usage_types").alias("usage_types"),
        F.max("billing_entity").alias("billing_entity"),
        F.max("marketplace").alias("marketplace"),
        union_of("pricing_units").alias("pricing_units"),
        F.max("_basis_rank").alias("_basis_rank"),
        F.sum("cur_usage").cast(USAGE_TYPE).alias("cur_usage"),
        F.sum("cur_unblended_cost").cast(MONEY_TYPE).alias("cur_unblended_cost"),
        F.sum("cur_net_unblended_cost").cast(MONEY_TYPE).alias("cur_net_unblended_cost"),
        F.max("payer_account_id").alias("payer_account_id"),
    )


def log_buckets(calls: DataFrame) -> DataFrame:
    return calls.groupBy(*KEY).agg(
        F.count("*").alias("calls"),
        F.sum(F.col("estimated_cost").isNull().cast("int")).cast("bigint").alias("unpriced_calls"),
        F.sum("usage").cast(USAGE_TYPE).alias("log_usage"),
        F.sum("estimated_cost").cast(COST_TYPE).alias("estimated_cost"),
    )


def null_safe_join(
    left: DataFrame, right: DataFrame, keys: tuple[str, ...], how: str, on: Column | None = None
) -> DataFrame:
    """Join on key columns that may be null (principal, model), keeping one copy of each key;
    `on` adds a condition over the two sides' other columns."""
    renamed = right.select(
        *[F.col(c).alias(f"_r_{c}") if c in keys else F.col(c) for c in right.columns]
    )
    condition = F.lit(True) if on is None else on
    for key in keys:
        condition = condition & F.col(key).eqNullSafe(F.col(f"_r_{key}"))
    joined = left.join(renamed, on=condition, how=how)
    coalesced = [F.coalesce(F.col(k), F.col(f"_r_{k}")).alias(k) for k in keys]
    rest = [c for c in joined.columns if c not in keys and not c.startswith("_r_")]
    return joined.select(*coalesced, *rest)


def reconcile(cur: DataFrame, logs: DataFrame, period: str) -> DataFrame:
    """The reconciliation rows of one billing period, in the table's column order."""
    usage = cur.where(F.col("charge_category") == USAGE)
    other = cur.where(F.col("charge_category") != USAGE)
    compared = null_safe_join(usage, logs, KEY, "full").withColumn("charge_category", F.lit(USAGE))
    rows = compared.unionByName(other, allowMissingColumns=True)
    calls = F.coalesce(F.col("calls"), F.lit(0).cast("bigint"))
    unpriced = F.coalesce(F.col("unpriced_calls"), F.lit(0).cast("bigint"))
    by_usage = unpriced > 0
    cost_difference = (F.col("estimated_cost") - F.col("cur_unblended_cost")).cast(COST_TYPE)
    usage_difference = (
        F.coalesce(F.col("log_usage"), F.lit(0)) - F.coalesce(F.col("cur_usage"), F.lit(0))
    ).cast(USAGE_TYPE)
    status = (
        F.when(F.col("charge_category") != USAGE, _status("not_usage"))
        .when(F.col("model").isNull() | F.col("token_kind").isNull(), _status("unmapped"))
        .when(calls == 0, _status("logs_missing"))
        .when(F.col("cur_unblended_cost").isNull(), _status("cur_missing"))
        .when(by_usage, _compare(usage_difference, F.col("cur_usage"), Decimal(1)))
        .otherwise(_compare(cost_difference, F.col("cur_unblended_cost"), TOLERANCE_FLOOR))
    )
    unit_basis = (
        F.when(F.col("_basis_rank") == 3, ASSUMED)
        .when(F.col("_basis_rank") == 2, DESCRIBED)
        .when(F.col("_basis_rank") == 1, STATED)
    )
    columns = {
        "calls": calls,
        "unpriced_calls": unpriced,
        "unit_basis": unit_basis,
        "cost_difference": cost_difference,
        "usage_difference": usage_difference,
        "status": status,
        "status_basis": F.when(by_usage, F.lit(member("status_basis", "usage"))).otherwise(
            F.lit(member("status_basis", "cost"))
        ),
        "marketplace": F.coalesce(F.col("marketplace"), F.lit(False)),
        "bill_tags": F.coalesce(F.col("bill_tags"), F.create_map().cast("map<string,string>")),
        "cur_tag_sets": F.coalesce(F.col("cur_tag_sets"), F.lit(0)),
    }
    schema = schemas.load("reconciliation")
    return rows.select(
        *[
            columns[c.name].cast(c.type).alias(c.name)
            if c.name in columns
            else F.col(c.name).cast(c.type).alias(c.name)
            for c in schema.columns
        ],
        F.lit(period).alias("billing_period"),
    )


def _status(name: str) -> Column:
    return F.lit(member("reconciliation_status", name))


def _compare(difference: Column, billed: Column, floor: Decimal) -> Column:
    tolerance = F.greatest(F.abs(billed) * F.lit(TOLERANCE_SHARE), F.lit(floor))
    return (
        F.when(F.abs(difference) <= tolerance, _status("matched"))
        .when(difference > 0, _status("over"))
        .otherwise(_status("under"))
    )
