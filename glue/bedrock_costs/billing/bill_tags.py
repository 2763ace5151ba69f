"""The bill's own tags: CUR 2.0 `resource_tags` / `tags` as one map per line item, and the
bill_tag_<key> / bill_principal_tag_<key> columns of reconciliation and allocations.

Two kinds of tag reach a Bedrock line item:

- cost allocation tags of the billed resource (`user:<key>`, e.g. on an application inference
  profile; `aws:<key>` for AWS-generated ones such as `aws:createdBy`);
- since IAM-principal cost attribution, the calling principal's and session's tags
  (`iamPrincipal/<key>`).

AWS documents the columns but not one spelling of their keys, so every spelling seen in exports
and tools built on them is read: `user:k`, `user_k`, `resourceTags/user:k` (the combined `tags`
column), `aws:k`, `aws_k`, `iamPrincipal/k`, `iamprincipal_k`. Each becomes one canonical key,
`user:k`, `aws:k` or `iamPrincipal/k`, which is what the tables' `bill_tags` map holds; the
summary names the spellings the export used. Keys of another form are kept as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bedrock_costs.contract.schemas import BILL_PRINCIPAL_TAG_PREFIX, BILL_TAG_PREFIX
from bedrock_costs.contract.tag_columns import TagKey, plan_columns, promote_tags, sanitized_key

USER, AWS, PRINCIPAL = "user:", "aws:", "iamPrincipal/"
# (regex on the raw key, the canonical prefix it becomes, the spelling reported)
SPELLINGS = (
    (r"^resourceTags/user:", USER, "resourceTags/user:"),
    (r"^resourceTags/aws:", AWS, "resourceTags/aws:"),
    (r"^user:", USER, "user:"),
    (r"^user_", USER, "user_"),
    (r"^aws:", AWS, "aws:"),
    (r"^aws_", AWS, "aws_"),
    (r"(?i)^iamPrincipal/", PRINCIPAL, "iamPrincipal/"),
    (r"(?i)^iamPrincipal_", PRINCIPAL, "iamprincipal_"),
)
# a line's tags as one map: what the combined `tags` column says wins over `resource_tags`
SOURCES = ("resource_tags", "tags")
TAG_MAP = "map<string,string>"
MAX_DISTINCT_KEYS = 10_000


def canonical_key(key: Column) -> Column:
    """The key in its canonical spelling (`user:`, `aws:`, `iamPrincipal/` then the tag key)."""
    result = key
    for pattern, prefix, _ in reversed(SPELLINGS):
        bare = F.regexp_replace(key, pattern, "")
        result = F.when(key.rlike(pattern), F.concat(F.lit(prefix), bare)).otherwise(result)
    return result


def spelling(key: Column) -> Column:
    """Which documented spelling a raw key uses (`other`: none of them)."""
    result = F.lit("other")
    for pattern, _, name in reversed(SPELLINGS):
        result = F.when(key.rlike(pattern), F.lit(name)).otherwise(result)
    return result


def _sources(line_items: DataFrame) -> list[str]:
    return [c for c in SOURCES if c in line_items.columns]


def line_tags(line_items: DataFrame) -> Column:
    """The line item's tags, keys canonical, as one map (empty when the export has none)."""
    empty = F.create_map().cast(TAG_MAP)
    maps = [F.coalesce(F.col(c), empty) for c in _sources(line_items)]
    merged = F.map_concat(*maps) if len(maps) > 1 else maps[0] if maps else empty
    return F.transform_keys(merged, lambda k, _: canonical_key(k))


def raw_spellings(line_items: DataFrame) -> list[str]:
    """The key spellings the export's lines use, for the summary (a handful of rows)."""
    found = None
    for source in _sources(line_items):
        exploded = line_items.select(F.explode(F.map_keys(source)).alias("k"))
        keys = exploded.select(spelling(F.col("k")).alias("s")).distinct()
        found = keys if found is None else found.union(keys)
    return [] if found is None else sorted({r.s for r in found.take(len(SPELLINGS) * 2 + 2)})


def tag_set(tags: Column) -> Column:
    """A map's entries as canonical text, so lines with the same tags group together."""
    return F.to_json(F.array_sort(F.map_entries(tags)))


def column_prefix(canonical: Column) -> Column:
    """The column family of a canonical key: bill_principal_tag_ for `iamPrincipal/` tags,
    bill_tag_ for the others."""
    return F.when(canonical.startswith(PRINCIPAL), F.lit(BILL_PRINCIPAL_TAG_PREFIX)).otherwise(
        F.lit(BILL_TAG_PREFIX)
    )


def bare_key(canonical: Column) -> Column:
    """The key without its kind: `user:Team` -> Team, `iamPrincipal/cost-center` -> cost-center;
    `aws:createdBy` keeps its prefix (its column is bill_tag_aws_createdby)."""
    return F.regexp_replace(canonical, r"^(user:|iamPrincipal/)", "")


def column_key(canonical: Column) -> Column:
    """What a canonical key's column is named by: `user:Team` -> team, `aws:createdBy` ->
    aws_createdby, `iamPrincipal/cost-center` -> cost_center."""
    return sanitized_key(bare_key(canonical))


@dataclass(frozen=True)
class BillTagPlan:
    columns: tuple[str, ...]  # bill_tag_<key>, then bill_principal_tag_<key>; existing first
    not_promoted: tuple[TagKey, ...]  # keys as `bill_tag_<key>` / `bill_principal_tag_<key>`


def key_usage(lines: DataFrame) -> list[tuple[str, TagKey]]:
    """(column prefix, key) per distinct tag of the period: its line count and spellings."""
    entries = lines.select(F.explode(F.map_keys("bill_tags")).alias("k"))
    keyed = entries.select(
        column_prefix(F.col("k")).alias("prefix"),
        column_key(F.col("k")).alias("key"),
        F.col("k"),
    )
    found = keyed.groupBy("prefix", "key").agg(
        F.count("*").alias("lines"), F.sort_array(F.collect_set("k")).alias("raw")
    )
    # one row per distinct tag key of a period (AWS allows 500 cost allocation tag keys)
    return [(r.prefix, TagKey(r.key, r.lines, tuple(r.raw))) for r in found.take(MAX_DISTINCT_KEYS)]


def plan(usage: list[tuple[str, TagKey]], existing: list[str], limit: int) -> BillTagPlan:
    """Columns already in the tables stay; new keys are added most frequent first, up to
    `limit` of each kind; a key too long for a Glue column name stays in `bill_tags` only."""
    columns: list[str] = []
    not_promoted: list[TagKey] = []
    for prefix in (BILL_TAG_PREFIX, BILL_PRINCIPAL_TAG_PREFIX):
        keys = [key for p, key in usage if p == prefix]
        have = [c for c in existing if c.startswith(prefix)]
        planned, left = plan_columns(keys, have, limit, prefix)
        columns += planned
        not_promoted += [TagKey(prefix + k.key, k.calls, k.raw_keys) for k in left]
    return BillTagPlan(tuple(columns), tuple(sorted(not_promoted, key=lambda k: k.key)))


def promote(frame: DataFrame, columns: tuple[str, ...]) -> DataFrame:
    """One string column per planned bill tag, from `bill_tags` (smallest key on a collision)."""
    out = frame
    for prefix in (BILL_TAG_PREFIX, BILL_PRINCIPAL_TAG_PREFIX):
        wanted = tuple(c for c in columns if c.startswith(prefix))
        if not wanted:
            continue
        kind = F.map_filter("bill_tags", _of_family(prefix))
        bare = F.transform_keys(kind, lambda key, _: bare_key(key))
        out = promote_tags(
            out.withColumn("_bill_kind", bare), wanted, source="_bill_kind", prefix=prefix
        )
        out = out.drop("_bill_kind")
    return out


def _of_family(prefix: str) -> Callable[[Column, Column], Column]:
    def keep(key: Column, _: Column) -> Column:
        return column_prefix(key) == F.lit(prefix)

    return keep
