"""The Spark floor: what any Spark job costs before it does anything — a fresh process that
starts a local SparkSession, runs one trivial job and stops. The reference of a small run
(issue 18: one log object of 100 records within 2x of it).

    python bench/spark_floor.py
"""

from __future__ import annotations

from pyspark.sql import SparkSession


def main() -> int:
    spark = (
        SparkSession.builder.appName("spark-floor")
        .master("local[*]")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.range(1).count()
    spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
