"""Promoting requestMetadata keys to tag_<key> columns (CONTRACT §4.1)."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from bedrock_costs.contract.schemas import PROFILE_TAG_PREFIX, TAG_PREFIX
from bedrock_costs.contract.tag_columns import (
    MAX_COLUMN_NAME,
    TagKey,
    plan_columns,
    sanitized_key,
    sorted_entries,
)
from bedrock_costs.contract.tag_columns import promote_tags as promote_columns

# The keys one call contributes to the tag plan: its first 64 by sanitized key (Bedrock's
# Converse API allows 16; a record with 10,000 keys ran the driver out of heap). All of them
# stay in request_metadata.
MAX_KEYS_PER_CALL = 64
# The longest key promoted: tag_<key> within Glue's 255-character column names (Bedrock allows
# 256-character keys); a longer one stays in request_metadata and is listed as not promoted
MAX_TAG_KEY_LENGTH = MAX_COLUMN_NAME - len(TAG_PREFIX)


def tag_key_usage(calls: DataFrame) -> DataFrame:
    """One row per sanitized key: key, calls (calls carrying it), raw_keys (its spellings).

    `calls` holds one row per call. A call spelling one key twice ("Team", "team") counts once:
    its entries are sorted by (key, raw key) and only the first of each key is counted, so no
    distinct count (and its shuffle) is needed.
    """
    entries = F.slice(sorted_entries("request_metadata"), 1, MAX_KEYS_PER_CALL)
    exploded = calls.select(entries.alias("entries")).select(
        "entries", F.posexplode("entries").alias("pos", "entry")
    )
    previous = F.get("entries", F.col("pos") - 1)["key"]
    is_first_spelling = (F.col("pos") == 0) | (previous != F.col("entry")["key"])
    return exploded.groupBy(F.col("entry")["key"].alias("key")).agg(
        F.count_if(is_first_spelling).alias("calls"),
        F.sort_array(F.collect_set(F.col("entry")["raw"])).alias("raw_keys"),
    )


@dataclass(frozen=True)
class TagPlan:
    columns: tuple[str, ...]  # in table order: existing first, then new by frequency
    not_promoted: tuple[TagKey, ...]
    profile_columns: tuple[str, ...] = ()  # profile_tag_<key>: existing first, then new by name
    keys_cut_at: int | None = None  # more distinct keys than the plan reads: its bound

    @property
    def all_columns(self) -> tuple[str, ...]:
        return (*self.columns, *self.profile_columns)


def profile_tag_keys(profiles: DataFrame) -> DataFrame:
    """The distinct sanitized keys of the application profiles' tags: key."""
    keys = profiles.select(F.explode(F.map_keys("profile_tags")).alias("raw_key"))
    return (
        keys.select(sanitized_key(F.col("raw_key")).alias("key"))
        .where(F.col("key") != "")
        .distinct()
    )


def plan_tag_columns(usage: list[TagKey], existing: list[str], limit: int) -> TagPlan:
    """Existing tag columns always stay; new keys are added most frequent first up to `limit`."""
    columns, not_promoted = plan_columns(usage, existing, limit, TAG_PREFIX)
    return TagPlan(columns, not_promoted)


def plan_profile_columns(keys: list[str], existing: list[str]) -> tuple[str, ...]:
    """Profile tag columns already in the table stay; keys of the profiles file are added."""
    new = sorted({PROFILE_TAG_PREFIX + k for k in keys} - set(existing))
    return (*existing, *new)


def promote_tags(
    invocations: DataFrame,
    columns: tuple[str, ...],
    *,
    source: str = "request_metadata",
    prefix: str = TAG_PREFIX,
) -> DataFrame:
    """tag_<key> (or `prefix`<key>) columns from `source`: contract.tag_columns.promote_tags."""
    return promote_columns(invocations, columns, source=source, prefix=prefix)
