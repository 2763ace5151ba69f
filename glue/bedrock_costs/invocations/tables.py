"""The two tables a run writes, built from the parsed records (transforms only: no reads,
writes or actions): `invocations`, one priced row per call, and `quarantine`."""

from __future__ import annotations

from datetime import date, datetime

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from bedrock_costs.contract import schemas
from bedrock_costs.contract.schemas import PROFILE_TAG_PREFIX
from bedrock_costs.contract.vocabulary import STANDARD_TIER
from bedrock_costs.invocations import tags
from bedrock_costs.invocations.costs import apply_prices, apply_unit_prices
from bedrock_costs.invocations.model_ids import resolve_models
from bedrock_costs.invocations.principals import principal


def assign_window(records: DataFrame, *, window: tuple[date, date] | None) -> DataFrame:
    """Adds usage_date (record date, else hour-folder date) and in_window (undated: always)."""
    usage_date = F.coalesce(F.to_date("event_time"), F.col("path_date"))
    if window is None:
        in_window = F.lit(True)
    else:
        in_window = F.coalesce(usage_date.between(F.lit(window[0]), F.lit(window[1])), F.lit(True))
    return records.select(
        *records.columns, usage_date.alias("usage_date"), in_window.alias("in_window")
    )


def mark_first_of_each_request(records: DataFrame, published: DataFrame | None = None) -> DataFrame:
    """Adds is_first: the in-window call kept for its request_id, the first by (source_file,
    line hash) so re-runs agree. Marked once, before the rows are cached, so the counts, the tag
    plan and `invocations` share one shuffle and none needs a distinct count.

    `published`: request_ids already in the table on days this run does not replace; such a
    request is kept there, its calls here counted as duplicates (request_id stays unique)."""
    is_call = F.col("quarantine_reason").isNull() & F.col("in_window")
    if published is not None:
        known = published.select(F.col("request_id").alias("_published")).distinct()
        records = records.join(known, records["request_id"] == known["_published"], "left")
        is_call = is_call & F.col("_published").isNull()
    earliest = Window.partitionBy("request_id", is_call).orderBy("source_file", "line_hash")
    is_first = is_call & (F.row_number().over(earliest) == 1)
    return records.select(
        *[c for c in records.columns if c != "_published"], is_first.alias("is_first")
    )


def build_invocations(
    records: DataFrame,
    prices: DataFrame,
    unit_prices: DataFrame,
    profiles: DataFrame,
    plan: tags.TagPlan,
    *,
    default_tier: str = STANDARD_TIER,
) -> DataFrame:
    """One row per distinct request_id in the window, priced, in the table's column order."""
    calls = records.where(F.col("is_first"))
    priced = (
        calls.transform(with_default_tier, default_tier)
        .transform(resolve_models, profiles)
        .transform(add_principals)
        .transform(apply_unit_prices, unit_prices)
        .transform(apply_prices, prices)
        .transform(tags.promote_tags, plan.columns)
        .transform(
            tags.promote_tags,
            plan.profile_columns,
            source="profile_tags",
            prefix=PROFILE_TAG_PREFIX,
        )
    )
    return priced.select(*schemas.load("invocations").names, *plan.all_columns, "usage_date")


def with_default_tier(calls: DataFrame, tier: str) -> DataFrame:
    """A call whose log records no service tier gets the run's default (standard unless told)."""
    tier_column = F.coalesce(F.col("service_tier"), F.lit(tier)).alias("service_tier")
    return calls.select(*[tier_column if c == "service_tier" else c for c in calls.columns])


def add_principals(invocations: DataFrame) -> DataFrame:
    kind, name, session = principal(F.col("identity_arn"))
    return invocations.select(
        *invocations.columns,
        kind.alias("principal_type"),
        name.alias("principal_name"),
        session.alias("session_name"),
    )


def build_quarantine(
    records: DataFrame, previous: DataFrame | None, *, detected_at: datetime
) -> DataFrame:
    """In-window quarantined lines; a line quarantined before keeps its first detected_at."""
    bad = records.where(F.col("quarantine_reason").isNotNull() & F.col("in_window")).select(
        "source_file", "raw_record", F.col("quarantine_reason").alias("reason"), "usage_date"
    )
    key = ["source_file", "raw_record", "reason"]
    if previous is None:
        first_seen = F.lit(detected_at)
    else:
        earliest = previous.groupBy(*key).agg(F.min("detected_at").alias("first_seen"))
        bad = bad.join(earliest, on=key, how="left")
        first_seen = F.coalesce(F.col("first_seen"), F.lit(detected_at))
    return bad.select(*key, first_seen.cast("timestamp").alias("detected_at"), "usage_date")
