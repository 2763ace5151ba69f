from datetime import date

from pyspark.sql import functions as F

from bedrock_costs import writer


def test_files_per_partition_rounds_up_and_is_at_least_one():
    assert writer.files_per_partition(0) == 1
    assert writer.files_per_partition(writer.ROWS_PER_FILE) == 1
    assert writer.files_per_partition(writer.ROWS_PER_FILE + 1) == 2
    assert writer.files_per_partition(10, rows_per_file=3) == 4


def test_stage_writes_one_file_per_day_or_spreads_a_day_over_several(spark, tmp_path):
    frame = spark.range(3_000).select(
        F.concat(F.lit("req-"), F.col("id").cast("string")).alias("request_id"),
        F.when(F.col("id") < 2_900, F.lit(date(2026, 7, 14)))
        .otherwise(F.lit(date(2026, 7, 15)))
        .alias("usage_date"),
    )

    def files(folder):
        return {
            day.name: len(list(day.glob("*.parquet")))
            for day in sorted(folder.glob("usage_date=*"))
        }

    writer.stage(frame, str(tmp_path / "one"))
    assert files(tmp_path / "one") == {"usage_date=2026-07-14": 1, "usage_date=2026-07-15": 1}

    writer.stage(frame, str(tmp_path / "spread"), files=3, partitions=2)
    counts = files(tmp_path / "spread")  # up to 3: hash buckets of a day may share a task
    assert 2 <= counts["usage_date=2026-07-14"] <= 3 and 1 <= counts["usage_date=2026-07-15"] <= 3
    rows = spark.read.parquet(str(tmp_path / "spread"))
    assert rows.count() == 3_000 and rows.select("request_id").distinct().count() == 3_000
