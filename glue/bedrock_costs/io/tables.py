"""Reading an output table's files with its schema (readers never infer one)."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession

from bedrock_costs.contract import schemas
from bedrock_costs.io import storage


def read_table(
    spark: SparkSession, root: str, table: str, tag_columns: tuple[str, ...] = ()
) -> DataFrame:
    """`<root>/<table>/` read with the table's schema, plus `tag_columns` as strings."""
    extra = tuple(schemas.Column(c, "string") for c in tag_columns)
    return spark.read.schema(schemas.load(table).spark_type(extra)).parquet(
        storage.spark_path(storage.join(root, table))
    )
