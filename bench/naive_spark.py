"""Reference: the AWS sample's approach on Spark, for the benchmark's ratios.

Schema inference over every log object, the raw frame cached, `requestMetadata` exploded into
key/value rows and pivoted back, prices joined on the stripped model id, costs in DOUBLE, and
date-partitioned Parquet — what anchors.md §1.3–1.7 describes, without Glue's DynamicFrame.

usage: python bench/naive_spark.py LOGS OUTPUT PRICES_CSV
"""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F


def run(logs: str, output: str, prices: str) -> None:
    spark = (
        SparkSession.builder.master("local[*]")
        .appName("naive-reference")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    raw = (
        spark.read.option("recursiveFileLookup", "true")
        .option("pathGlobFilter", "*.json.gz")
        .json(logs)  # schema inferred from every record
        .cache()
    )
    raw.count()
    calls = raw.select(
        F.col("requestId").alias("request_id"),
        F.to_timestamp("timestamp").alias("event_time"),
        F.col("accountId").alias("account_id"),
        "region",
        "operation",
        F.regexp_extract("modelId", r"([a-z0-9-]+\.[a-zA-Z0-9._:-]+)$", 1).alias("model"),
        F.col("input.inputTokenCount").cast("double").alias("input_tokens"),
        F.col("output.outputTokenCount").cast("double").alias("output_tokens"),
        F.col("input.cacheReadInputTokenCount").cast("double").alias("cache_read_tokens"),
        F.col("input.cacheWriteInputTokenCount").cast("double").alias("cache_write_tokens"),
        F.to_json("requestMetadata").alias("metadata"),
    )
    tags = (
        calls.select(
            "request_id",
            F.explode(F.from_json("metadata", "map<string,string>")).alias("key", "value"),
        )
        .groupBy("request_id")
        .pivot("key")
        .agg(F.first("value"))
    )
    price_table = (
        spark.read.option("header", "true")
        .option("inferSchema", "true")
        .csv(prices)
        .where("region = '*' AND routing = '*' AND tier = 'standard' AND min_input_tokens = 0")
        .select(
            "model",
            "input_per_mtok",
            "output_per_mtok",
            "cache_read_per_mtok",
            "cache_write_per_mtok",
        )
        .dropDuplicates(["model"])
    )
    priced = calls.join(tags, "request_id", "left").join(F.broadcast(price_table), "model", "left")
    costs = priced.select(
        "*",
        (F.col("input_tokens") / 1e6 * F.col("input_per_mtok")).alias("input_cost"),
        (F.col("output_tokens") / 1e6 * F.col("output_per_mtok")).alias("output_cost"),
        (F.col("cache_read_tokens") / 1e6 * F.col("cache_read_per_mtok")).alias("cache_read_cost"),
        (F.col("cache_write_tokens") / 1e6 * F.col("cache_write_per_mtok")).alias(
            "cache_write_cost"
        ),
        F.to_date("event_time").alias("usage_date"),
    )
    costs.write.mode("append").partitionBy("usage_date").parquet(output)
    spark.stop()


if __name__ == "__main__":
    run(*sys.argv[1:4])
