"""The report's cost-by-tag figures: per value of a tag column, the top values by cost, the
rest as (other), rows without the tag as (untagged) — for the logs' tags (estimated cost of the
invocations) and for the bill's tags (billed dollars of the allocations)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from bedrock_costs.contract.schemas import BILL_PRINCIPAL_TAG_PREFIX, BILL_TAG_PREFIX
from bedrock_costs.contract.vocabulary import CALL, PRICED
from bedrock_costs.io.catalog import table_exists
from bedrock_costs.io.tables import AsOf, read_table
from bedrock_costs.report.values import MAX_ROWS, one_row, plain

TOP = 20  # values per tag
OTHER, UNTAGGED = "(other)", "(untagged)"


def by_tag(
    calls: DataFrame,
    tag_columns: list[str],
    measures: Callable[[Column], dict[str, Column]] | None = None,
    carried_columns: tuple[str, ...] = ("total_cost", "pricing_status"),
) -> dict[str, list[dict[str, Any]]]:
    """Per tag column: calls and priced cost per value, the TOP values by cost, the rest as
    (other) and calls without the tag as (untagged); each column's rows sum to the totals.

    Only the tags a call carries are exploded (most calls carry few of the promoted columns);
    the untagged rows come from one aggregation over the calls."""
    if not tag_columns:
        return {}
    entries = F.array(
        *[F.struct(F.lit(c).alias("tag"), F.col(c).alias("value")) for c in tag_columns]
    )
    carried = F.explode(F.filter(entries, lambda e: e["value"].isNotNull())).alias("pair")
    where = measures or measures_where
    long = calls.select(carried, *carried_columns).select(
        "pair.tag", "pair.value", *carried_columns
    )
    per_value = long.groupBy("tag", "value").agg(
        *[m.alias(name) for name, m in where(F.lit(True)).items()]
    )
    rank = F.row_number().over(
        Window.partitionBy("tag").orderBy(F.desc_nulls_last("cost"), F.desc("calls"), "value")
    )
    kept = per_value.select(
        "tag",
        F.when(rank <= TOP, F.col("value")).otherwise(F.lit(OTHER)).alias("value"),
        "calls",
        "cost",
        "unpriced_calls",
    )
    rows = (
        kept.groupBy("tag", "value")
        .agg(
            F.sum("calls").alias("calls"),
            F.sum("cost").alias("cost"),
            F.sum("unpriced_calls").alias("unpriced_calls"),
        )
        .take(MAX_ROWS)
    )
    result: dict[str, list[dict[str, Any]]] = {c: [] for c in tag_columns}
    for row in rows:
        item = row.asDict()
        result[item.pop("tag")].append(item)
    _add_untagged(calls, result, where)
    return {column: [plain(r) for r in values] for column, values in result.items()}


def _add_untagged(
    calls: DataFrame,
    result: dict[str, list[dict[str, Any]]],
    where: Callable[[Column], dict[str, Column]],
) -> None:
    """Each column's (untagged) row, from one aggregation; then its rows sorted by cost."""
    tag_columns = list(result)
    untagged = one_row(
        calls.agg(
            *[
                measure.alias(f"{c}|{name}")
                for c in tag_columns
                for name, measure in where(F.col(c).isNull()).items()
            ]
        )
    )
    for column, values in result.items():
        if untagged[f"{column}|calls"]:
            values.append(
                {"value": UNTAGGED}
                | {
                    name: untagged[f"{column}|{name}"]
                    for name in ("calls", "cost", "unpriced_calls")
                }
            )
        values.sort(key=lambda r: (r["cost"] is None, -(r["cost"] or 0), r["value"]))


def measures_where(condition: Column) -> dict[str, Column]:
    """The three per-group measures, over the calls meeting `condition`."""
    return {
        "calls": F.count_if(condition),
        "cost": F.sum(F.when(condition, F.col("total_cost"))),
        "unpriced_calls": F.count_if(condition & (F.col("pricing_status") != PRICED)),
    }


def cost_measures() -> list[Column]:
    return [measure.alias(name) for name, measure in measures_where(F.lit(True)).items()]


def billed_where(condition: Column) -> dict[str, Column]:
    """Allocation rows' measures: calls given dollars, the dollars, and of those calls the ones
    without an estimate (their share was weighed by usage)."""
    call = F.col("allocation") == CALL
    return {
        "calls": F.count_distinct(F.when(condition & call, F.col("request_id"))),
        "cost": F.sum(F.when(condition, F.col("allocated_cost"))),
        "unpriced_calls": F.count_distinct(
            F.when(condition & call & F.col("estimated_cost").isNull(), F.col("request_id"))
        ),
    }


def billed_by_tag(
    spark: SparkSession, database: str, as_of: AsOf | None = None
) -> tuple[list[str], dict[str, list[dict[str, Any]]]]:
    """The allocations' bill tag columns and, per column, billed dollars by value (each
    column's rows sum to the allocated total, the bill); none before `reconcile` has run."""
    if not table_exists(spark, database, "allocations"):
        return [], {}
    allocations = read_table(spark, database, "allocations", as_of=as_of, missing_ok=True)
    columns = [
        c for c in allocations.columns if c.startswith((BILL_TAG_PREFIX, BILL_PRINCIPAL_TAG_PREFIX))
    ]
    carried = ("allocation", "request_id", "allocated_cost", "estimated_cost")
    return columns, by_tag(allocations, columns, billed_where, carried)
