"""The run's numbers: small aggregates over the parsed lines and over what was staged.

Only aggregates travel to the driver, each with a bound on its size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from bedrock_costs.contract.errors import AccountingError
from bedrock_costs.contract.vocabulary import PRICED, TTL_1H_AT_5M_RATE, member
from bedrock_costs.invocations import tags
from bedrock_costs.invocations.tags import TagKey, tag_key_usage

MAX_GROUPS = 100_000
UNREADABLE = member("quarantine_reason", "unreadable_object")
MAX_TAG_KEYS = 10_000


@dataclass
class LineCounts:
    """What the input holds, counted before anything is written."""

    lines_read: int = 0
    out_of_window: int = 0
    calls_in_window: int = 0
    distinct_calls: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    dates: set[date | None] = field(default_factory=set)
    largest_day: int = 0  # calls written to the largest usage_date partition
    unreadable: int = 0  # log objects not read whole (in the window or not)

    @property
    def duplicates(self) -> int:
        return self.calls_in_window - self.distinct_calls

    def check(self, written: StagedCounts) -> str:
        """lines_read = invocations_written + quarantined + duplicates + out_of_window, or raise."""
        total = (
            written.invocations
            + sum(written.quarantined.values())
            + self.duplicates
            + self.out_of_window
        )
        identity = (
            f"{self.lines_read} lines = {written.invocations} written + "
            f"{sum(written.quarantined.values())} quarantined + {self.duplicates} duplicates + "
            f"{self.out_of_window} out of window"
        )
        if total != self.lines_read or written.quarantined != self.quarantined:
            raise AccountingError(
                f"accounting identity does not hold: {identity}; "
                f"quarantine expected {self.quarantined}, staged {written.quarantined}"
            )
        return identity


@dataclass
class StagedCounts:
    """What was actually written to the staging folders."""

    invocations: int = 0
    total_cost: Decimal = Decimal(0)
    unpriced: dict[str, dict[str, int]] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)
    one_hour_at_5m_rate: int = 0


def line_counts(records: DataFrame) -> LineCounts:
    """One aggregation over the marked rows (job.mark_first_of_each_request)."""
    groups = (
        records.groupBy("quarantine_reason", "in_window", "usage_date")
        .agg(F.count(F.lit(1)).alias("count"), F.count_if("is_first").alias("first"))
        .take(MAX_GROUPS)
    )
    counts = LineCounts()
    by_day: dict[date | None, int] = {}
    for row in groups:
        by_day[row["usage_date"]] = by_day.get(row["usage_date"], 0) + row["first"]
        counts.lines_read += row["count"]
        counts.dates.add(row["usage_date"])
        counts.distinct_calls += row["first"]
        if row["quarantine_reason"] == UNREADABLE:
            counts.unreadable += row["count"]
        if not row["in_window"]:
            counts.out_of_window += row["count"]
        elif row["quarantine_reason"] is None:
            counts.calls_in_window += row["count"]
        else:
            reason = row["quarantine_reason"]
            counts.quarantined[reason] = counts.quarantined.get(reason, 0) + row["count"]
    counts.largest_day = max(by_day.values(), default=0)
    return counts


def tag_usage(records: DataFrame) -> list[TagKey]:
    """The MAX_TAG_KEYS most used keys, and one more when there are more (the plan says so)."""
    usage = (
        tag_key_usage(records.where(F.col("is_first")))
        .orderBy(F.desc("calls"), "key")
        .take(MAX_TAG_KEYS + 1)
    )
    return [TagKey(r["key"], r["calls"], tuple(r["raw_keys"])) for r in usage]


def profile_tag_keys(profiles: DataFrame) -> list[str]:
    return [r["key"] for r in tags.profile_tag_keys(profiles).take(MAX_TAG_KEYS)]


def staged_counts(invocations: DataFrame, quarantine: DataFrame) -> StagedCounts:
    """What the staged tables hold: calls, total cost, unpriced calls, quarantined lines."""
    totals = invocations.agg(
        F.count(F.lit(1)),
        F.sum("total_cost"),
        F.count_if(F.col("cache_write_ttl_basis") == TTL_1H_AT_5M_RATE),
    ).first()
    counts = StagedCounts(invocations=totals[0] if totals else 0)
    counts.total_cost = totals[1] if totals and totals[1] is not None else Decimal(0)
    counts.one_hour_at_5m_rate = totals[2] if totals else 0
    unpriced = (
        invocations.where(F.col("pricing_status") != PRICED)
        .groupBy("pricing_status", "model_id")
        .count()
        .take(MAX_GROUPS)
    )
    for row in unpriced:
        by_model = counts.unpriced.setdefault(row["pricing_status"], {})
        by_model[row["model_id"] or "(none)"] = row["count"]
    for row in quarantine.groupBy("reason").count().take(MAX_GROUPS):
        counts.quarantined[row["reason"]] = row["count"]
    return counts
