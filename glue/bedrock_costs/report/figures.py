"""What people look at: the headline numbers for a terminal, and the one-file HTML cost report.

`report_data` computes every figure of the page from the catalog tables with small Spark
aggregations (bounded `take`s, never row-level data on the driver) plus the run, reconciliation
and quality summaries under the output folder. Money stays exact: decimals travel as text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs.contract.schemas import PROFILE_TAG_PREFIX, TAG_PREFIX
from bedrock_costs.contract.vocabulary import CACHE_WRITE_1H, PRICED, TOKEN_KINDS
from bedrock_costs.invocations.costs import choose_price_rows, per_mtok_cost, prices_frame
from bedrock_costs.io.catalog import table_exists
from bedrock_costs.io.tables import AsOf, read_table
from bedrock_costs.reference.price_file import PriceRow
from bedrock_costs.report.summaries import newest_json, quality_results, reconciliation
from bedrock_costs.report.tag_figures import billed_by_tag, by_tag, cost_measures
from bedrock_costs.report.values import MAX_ROWS, one_row, plain

TOP = 20  # values per tag, principals
OTHER, UNTAGGED = "(other)", "(untagged)"


def headline(spark: SparkSession, database: str, *, top: int = 12) -> str:
    """Cost by model (priced calls), then unpriced calls by status, from the catalog tables."""
    calls = read_table(spark, database, "invocations")
    by_model = (
        calls.where(F.col("pricing_status") == PRICED)
        .groupBy("model", "routing")
        .agg(F.count(F.lit(1)).alias("calls"), F.sum("total_cost").alias("cost"))
        .orderBy(F.desc("cost"))
        .take(top)
    )
    unpriced = (
        calls.where(F.col("pricing_status") != PRICED)
        .groupBy("pricing_status")
        .agg(F.count(F.lit(1)).alias("calls"))
        .orderBy("pricing_status")
        .take(top)
    )
    lines = ["", "3. cost by model (priced calls, USD):"]
    lines += [
        f"  {r['model']:<48} {r['routing']:<9} {r['calls']:>8,} calls  {r['cost']:>14,.6f}"
        for r in by_model
    ]
    lines.append(
        "   unpriced calls: "
        + (", ".join(f"{r['pricing_status']} {r['calls']:,}" for r in unpriced) or "none")
    )
    return "\n".join(lines)


# --- the report's figures --------------------------------------------------------------------


def report_data(
    spark: SparkSession,
    output_path: str,
    database: str,
    prices: list[PriceRow],
    as_of: AsOf | None = None,
) -> dict[str, Any]:
    """Every number the HTML report shows, JSON-ready (money as exact decimal text): from the
    published tables, or from the tables as they were `as_of` a snapshot or time."""
    calls = read_table(spark, database, "invocations", as_of=as_of)
    tag_columns = [c for c in calls.columns if c.startswith((TAG_PREFIX, PROFILE_TAG_PREFIX))]
    bill_columns, billed = billed_by_tag(spark, database, as_of)
    data: dict[str, Any] = {
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "output": output_path,
        "database": database,
        "overview": overview(calls),
        "daily_by_model": daily_by_model(calls),
        "tag_columns": tag_columns,
        "bill_tag_columns": bill_columns,
        "by_tag": by_tag(calls, tag_columns) | billed,
        "principals": top_principals(calls),
        "cache": cache_effect(spark, calls, prices),
        "unpriced": unpriced_calls(calls),
        "as_of": as_of.text() if as_of else None,
        "quarantine": quarantine_counts(spark, database, as_of),
        "reconciliation": reconciliation(spark, output_path, database, as_of),
        "latest_run": newest_json(output_path, "_runs"),
        "quality": quality_results(output_path),
    }
    return data


def overview(calls: DataFrame) -> dict[str, Any]:
    priced = F.col("pricing_status") == PRICED
    row = one_row(
        calls.agg(
            F.count(F.lit(1)).alias("calls"),
            F.count_if(priced).alias("priced_calls"),
            F.sum("total_cost").alias("total_cost"),
            F.min("usage_date").alias("first_day"),
            F.max("usage_date").alias("last_day"),
            *[F.sum(f"{kind}_tokens").alias(f"{kind}_tokens") for kind in _TOKEN_KINDS],
        )
    )
    return plain(row.asDict())


_TOKEN_KINDS = tuple(k for k in TOKEN_KINDS if k != CACHE_WRITE_1H)  # the token columns


def daily_by_model(calls: DataFrame) -> list[dict[str, Any]]:
    """Priced calls' cost per UTC day and base model."""
    rows = (
        calls.where(F.col("pricing_status") == PRICED)
        .groupBy("usage_date", "model")
        .agg(F.count(F.lit(1)).alias("calls"), F.sum("total_cost").alias("cost"))
        .orderBy("usage_date", F.desc("cost"), "model")
        .take(MAX_ROWS)
    )
    return [plain(r.asDict()) for r in rows]


def top_principals(calls: DataFrame) -> list[dict[str, Any]]:
    rows = (
        calls.groupBy("principal_type", "principal_name")
        .agg(*cost_measures())
        .orderBy(F.desc_nulls_last("cost"), F.desc("calls"), "principal_name")
        .take(TOP)
    )
    return [plain(r.asDict()) for r in rows]


def cache_effect(
    spark: SparkSession, calls: DataFrame, prices: list[PriceRow]
) -> list[dict[str, Any]]:
    """Per model, for priced calls that read or wrote the prompt cache: what the reads cost and
    would have cost at the model's input price (saved = the difference), what the writes cost
    and the premium they paid over the input price. Exact decimals; the input price is the one
    the price table gives the call (the same row that priced it)."""
    cached = calls.where(
        (F.col("pricing_status") == PRICED)
        & ((F.col("cache_read_tokens") > 0) | (F.col("cache_write_tokens") > 0))
    )
    joined, chosen = choose_price_rows(cached, prices_frame(spark, prices))
    input_price = chosen["input_per_mtok"]
    reads_at_input = per_mtok_cost(F.col("cache_read_tokens"), input_price)
    writes_at_input = per_mtok_cost(F.col("cache_write_tokens"), input_price)
    rows = (
        joined.where(chosen.isNotNull())
        .groupBy("model")
        .agg(
            F.count(F.lit(1)).alias("calls"),
            F.sum("cache_read_tokens").alias("cache_read_tokens"),
            F.sum("cache_read_cost").alias("cache_read_cost"),
            F.sum(reads_at_input).alias("reads_at_input_price"),
            F.sum("cache_write_tokens").alias("cache_write_tokens"),
            F.sum("cache_write_cost").alias("cache_write_cost"),
            F.sum(writes_at_input).alias("writes_at_input_price"),
        )
        .orderBy("model")
        .take(MAX_ROWS)
    )
    result = []
    for row in rows:
        item = row.asDict()
        item["read_savings"] = item["reads_at_input_price"] - item["cache_read_cost"]
        item["write_premium"] = item["cache_write_cost"] - item["writes_at_input_price"]
        item["net_saving"] = item["read_savings"] - item["write_premium"]
        result.append(plain(item))
    return result


def unpriced_calls(calls: DataFrame) -> list[dict[str, Any]]:
    rows = (
        calls.where(F.col("pricing_status") != PRICED)
        .groupBy("pricing_status", "model_id")
        .agg(F.count(F.lit(1)).alias("calls"))
        .orderBy(F.desc("calls"), "pricing_status", "model_id")
        .take(MAX_ROWS)
    )
    return [plain(r.asDict()) for r in rows]


def quarantine_counts(
    spark: SparkSession, database: str, as_of: AsOf | None = None
) -> list[dict[str, Any]]:
    if not table_exists(spark, database, "quarantine"):
        return []
    rows = (
        read_table(spark, database, "quarantine", as_of=as_of, missing_ok=True)
        .groupBy("reason")
        .agg(F.count(F.lit(1)).alias("lines"))
        .orderBy(F.desc("lines"), "reason")
        .take(MAX_ROWS)
    )
    return [plain(r.asDict()) for r in rows]
