"""Assigning every billed dollar: each CUR bucket's cost split exactly over the bucket's calls.

Within a bucket the calls are weighed by their estimated cost (by usage when one of them is
unpriced or all estimates are zero). Amounts are exact at 10 decimals (CUR's scale) by
running-total rounding: in request_id order, call i gets

    floor(C x W_i / W) - floor(C x W_(i-1) / W)

units of 1e-10 USD, where C is the bucket's billed cost in those units, W_i the running total of
weights and W the bucket's total. The differences telescope to C, so a bucket's rows sum to its
bill exactly, and each call's share is its proportional share rounded down or up by at most one
unit. Billed cost with no calls is a single `unattributed` row.

CUR lines without a principal (credits, tax, usage before IAM principal data) are spread over the
bucket's calls of every principal.

A bucket's CUR lines can carry different tags (two application inference profiles, two session
tag sets): each (tag set, resource) part of the bucket is split on its own, so the rows of a bill
tag sum exactly to what the CUR bills that tag. A part whose `line_item_resource_id` is the
inference profile some of the bucket's calls used is split over those calls; the other parts over
the bucket's calls that no part claims that way (all of its calls, when every call is claimed).
"""

from __future__ import annotations

from decimal import Decimal

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from bedrock_costs.billing.buckets import KEY, null_safe_join
from bedrock_costs.contract import schemas
from bedrock_costs.contract.money import MONEY_TYPE
from bedrock_costs.contract.vocabulary import CALL, UNATTRIBUTED, member

UNITS_PER_USD = 10**10  # CUR costs have 10 decimals at most once read
_WHOLE = "decimal(38,0)"


def allocate(calls: DataFrame, cur: DataFrame, *, by_principal: bool, period: str) -> DataFrame:
    """The allocations rows of one billing period, in the table's column order."""
    if by_principal:
        named = cur.where(F.col("principal").isNotNull())
        anonymous = cur.where(F.col("principal").isNull())
        without_principal = tuple(k for k in KEY if k != "principal")
        parts = [
            _split(named, calls, KEY),
            _split(anonymous, calls.drop("principal"), without_principal),
        ]
        rows = parts[0].unionByName(parts[1])
    else:
        rows = _split(cur, calls, KEY)
    schema = schemas.load("allocations")
    return rows.select(
        *[F.col(c.name).cast(c.type).alias(c.name) for c in schema.columns],
        F.lit(period).alias("billing_period"),
    )


def _split(cur: DataFrame, calls: DataFrame, keys: tuple[str, ...]) -> DataFrame:
    part_columns = [*keys, "charge_category", "_tag_set", "resource_id"]
    parts = cur.select(
        *keys,
        *[c for c in ("principal",) if c not in keys],
        "charge_category",
        "_tag_set",
        "resource_id",
        "bill_tags",
        "billing_entity",
        "payer_account_id",
        "cur_usage",
        "cur_unblended_cost",
        "cur_net_unblended_cost",
    )
    parts, calls = _claims(parts, calls, keys)
    by_resource = F.col("_by_resource") & (F.col("inference_profile_arn") == F.col("resource_id"))
    unclaimed = ~F.col("_by_resource") & (~F.col("_claimed") | ~F.col("_bucket_unclaimed"))
    joined = null_safe_join(parts, calls, keys, "left", on=by_resource | unclaimed)
    return _shares(joined, keys, part_columns)


def _shares(joined: DataFrame, keys: tuple[str, ...], part_columns: list[str]) -> DataFrame:
    """Each part's billed cost over its calls, by running-total rounding (module docstring)."""
    bucket = Window.partitionBy(*part_columns)
    running = bucket.orderBy("request_id").rowsBetween(Window.unboundedPreceding, 0)
    all_priced = F.min(F.when(F.col("estimated_cost").isNull(), 0).otherwise(1)).over(bucket) == 1
    priced_total = F.sum("estimated_cost").over(bucket)
    by_cost = all_priced & (priced_total > 0)
    weight = F.when(by_cost, (F.col("estimated_cost") * F.lit(10**12)).cast(_WHOLE)).otherwise(
        (F.col("usage") * F.lit(10**6)).cast(_WHOLE)
    )
    weighted = joined.select(
        "*",
        weight.alias("_w"),
        F.when(by_cost, F.lit(member("weight_basis", "estimated_cost")))
        .otherwise(F.lit(member("weight_basis", "usage")))
        .alias("weight_basis"),
    )
    cumulative = F.sum("_w").over(running).cast(_WHOLE)
    total = F.sum("_w").over(bucket).cast(_WHOLE)
    has_call = F.col("request_id").isNotNull()

    def share(billed: Column) -> Column:
        units = (billed * F.lit(UNITS_PER_USD)).cast(_WHOLE)
        upto = F.floor(units * cumulative / total)
        before = F.floor(units * (cumulative - F.col("_w")) / total)
        part = (upto - before).cast("decimal(27,0)") / F.lit(UNITS_PER_USD).cast("decimal(11,0)")
        return F.when(has_call, part.cast(MONEY_TYPE)).otherwise(billed.cast(MONEY_TYPE))

    return weighted.select(
        *keys,
        "charge_category",
        *[c for c in ("principal",) if c not in keys],
        F.when(has_call, F.lit(CALL)).otherwise(F.lit(UNATTRIBUTED)).alias("allocation"),
        "request_id",
        "event_time",
        "identity_arn",
        "operation",
        "inference_profile_arn",
        F.when(has_call, F.col("usage")).otherwise(F.col("cur_usage")).alias("usage"),
        "estimated_cost",
        "list_unit_price",
        F.when(has_call, F.col("weight_basis")).alias("weight_basis"),
        share(F.col("cur_unblended_cost")).alias("allocated_cost"),
        share(F.col("cur_net_unblended_cost")).alias("allocated_net_cost"),
        "billing_entity",
        "payer_account_id",
        "request_metadata",
        "resource_id",
        "bill_tags",
    )


def _claims(
    parts: DataFrame, calls: DataFrame, keys: tuple[str, ...]
) -> tuple[DataFrame, DataFrame]:
    """Which parts bill the inference profile some of their bucket's calls used
    (`_by_resource`), which calls such a part claims (`_claimed`), and whether the bucket has
    calls no part claims (`_bucket_unclaimed`)."""
    profile = F.col("inference_profile_arn")
    used = (
        calls.where(profile.isNotNull())
        .select(*keys, profile.alias("resource_id"))
        .distinct()
        .withColumn("_by_resource", F.lit(True))
    )
    parts = null_safe_join(parts, used, (*keys, "resource_id"), "left").withColumn(
        "_by_resource", F.coalesce(F.col("_by_resource"), F.lit(False))
    )
    claims = (
        parts.where("_by_resource")
        .select(*keys, F.col("resource_id").alias("inference_profile_arn"))
        .distinct()
        .withColumn("_claimed", F.lit(True))
    )
    calls = null_safe_join(calls, claims, (*keys, "inference_profile_arn"), "left")
    claimed = F.coalesce(F.col("_claimed"), F.lit(False))
    bucket = Window.partitionBy(*keys)
    calls = calls.withColumn("_claimed", claimed).withColumn(
        "_bucket_unclaimed", F.max(~F.col("_claimed")).over(bucket)
    )
    return parts, calls


def bucket_sums(reconciliation: DataFrame, allocations: DataFrame) -> DataFrame:
    """Per bucket with a bill or an allocation: its allocated total and its CUR unblended cost
    (what the allocations_sum_to_bill check compares, exactly)."""
    keys = (*KEY, "charge_category")
    billed = reconciliation.where(F.col("cur_unblended_cost").isNotNull()).select(
        *keys, F.col("cur_unblended_cost").alias("billed")
    )
    allocated = allocations.groupBy(*keys).agg(F.sum("allocated_cost").alias("allocated"))
    both = null_safe_join(billed, allocated, keys, "full")
    return both.select(
        *keys,
        F.coalesce(F.col("allocated"), F.lit(0)).cast(MONEY_TYPE).alias("allocated"),
        F.coalesce(F.col("billed"), F.lit(0)).cast(MONEY_TYPE).alias("billed"),
    )


def totals(allocations: DataFrame, buckets: DataFrame) -> tuple[Decimal, Decimal, Decimal]:
    """(allocated, of which unattributed, billed) over the period: one small aggregate each."""
    found = allocations.agg(
        F.sum("allocated_cost").alias("all"),
        F.sum(F.when(F.col("allocation") == UNATTRIBUTED, F.col("allocated_cost"))).alias("un"),
    ).take(1)
    billed = buckets.agg(F.sum("cur_unblended_cost")).take(1)
    allocated = (found[0]["all"] if found else None) or Decimal(0)
    unattributed = (found[0]["un"] if found else None) or Decimal(0)
    return allocated, unattributed, (billed[0][0] if billed else None) or Decimal(0)
