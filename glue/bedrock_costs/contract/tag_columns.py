"""How tags become columns (CONTRACT §4.1), shared by the log tags of `invocations`
(tag_<key>, profile_tag_<key>) and the bill's tags of `reconciliation` and `allocations`
(bill_tag_<key>, bill_principal_tag_<key>): one sanitisation, one collision rule, one plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

MAX_COLUMN_NAME = 255  # Glue's longest column name (Bedrock allows 256-character tag keys)


def sanitized_key(key: Column) -> Column:
    """Lower-case, each run outside [a-z0-9] becomes one `_`, outer `_` dropped."""
    return F.regexp_replace(F.regexp_replace(F.lower(key), r"[^a-z0-9]+", "_"), r"^_+|_+$", "")


def sorted_entries(source: str) -> Column:
    """A map's entries as structs (key: sanitized, raw, value), sorted by key then raw key."""
    return F.array_sort(
        F.transform(
            F.map_entries(source),
            lambda e: F.struct(
                sanitized_key(e["key"]).alias("key"),
                e["key"].alias("raw"),
                e["value"].alias("value"),
            ),
        )
    )


@dataclass(frozen=True)
class TagKey:
    key: str  # sanitized
    calls: int  # rows carrying it
    raw_keys: tuple[str, ...]


def plan_columns(
    usage: list[TagKey], existing: list[str], limit: int, prefix: str
) -> tuple[tuple[str, ...], tuple[TagKey, ...]]:
    """(columns, keys not promoted): existing `prefix` columns always stay; new keys are added
    most frequent first up to `limit` columns; an empty key, or one whose column name would be
    longer than Glue allows, is never promoted."""
    columns = list(existing)
    not_promoted = []
    for tag in sorted(usage, key=lambda t: (-t.calls, t.key)):
        name = prefix + tag.key
        if not tag.key or len(name) > MAX_COLUMN_NAME:
            not_promoted.append(tag)
            continue
        if name in columns:
            continue
        if len(columns) < limit:
            columns.append(name)
        else:
            not_promoted.append(tag)
    return tuple(columns), tuple(sorted(not_promoted, key=lambda t: t.key))


def promote_tags(
    frame: DataFrame, columns: tuple[str, ...], *, source: str, prefix: str
) -> DataFrame:
    """Adds one string column per promoted tag; on key collisions the smallest raw key wins.

    The sanitized entries are computed once per row, in their own projection (Spark does not
    inline a costly expression into a projection that uses it more than once).
    """
    if not columns:
        return frame
    entries = sorted_entries(source).alias("_tag_entries")
    with_entries = frame.select(*frame.columns, entries)

    def tag_value(column: str) -> Column:
        key = column.removeprefix(prefix)
        return F.get(F.filter("_tag_entries", lambda e: e["key"] == key), 0)["value"]

    return with_entries.select(*frame.columns, *[tag_value(c).alias(c) for c in columns])
