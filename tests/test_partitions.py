"""partitions.overwrite: exactly the processed partitions of an Iceberg table replaced in one
commit, with a task layout that bounds file sizes."""

from collections import Counter
from datetime import date

from pyspark.sql import functions as F

from bedrock_costs.io import catalog, partitions, snapshots
from helpers import branches, rows, unique_database

D14, D15, D16 = date(2026, 7, 14), date(2026, 7, 15), date(2026, 7, 16)


def test_files_per_partition_rounds_up_and_is_at_least_one():
    assert partitions.files_per_partition(0) == 1
    assert partitions.files_per_partition(partitions.ROWS_PER_FILE) == 1
    assert partitions.files_per_partition(partitions.ROWS_PER_FILE + 1) == 2
    assert partitions.files_per_partition(10, rows_per_file=3) == 4


def table(spark, tmp_path) -> str:
    database = unique_database()
    catalog.ensure_table(spark, database, str(tmp_path), "quarantine")
    return database


def lines(spark, values: list[tuple[str, date | None]]):
    return spark.createDataFrame(
        [(f"s3://logs/{name}", name, "malformed_json", None, day) for name, day in values],
        "source_file string, raw_record string, reason string, detected_at timestamp, "
        "usage_date date",
    )


def by_day(spark, database: str) -> dict:
    return {
        d: sorted(r.raw_record for r in rows(spark, database, "quarantine") if r.usage_date == d)
        for d in (D14, D15, D16, None)
    }


def test_the_processed_partitions_are_replaced_in_one_commit_and_no_others(spark, tmp_path):
    database = table(spark, tmp_path)
    target = catalog.qualified(database, "quarantine")
    first = [("old-14", D14), ("keep-15", D15), ("old-16", D16), ("undated", None)]
    partitions.overwrite(
        lines(spark, first), target, {"2026-07-14", "2026-07-15", "2026-07-16", None}
    )
    before = snapshots.snapshot_id(spark, database, "quarantine")
    # a window of 14 and 16 (and the undated partition): 16 has no rows any more
    partitions.overwrite(
        lines(spark, [("new-14", D14)]), target, {"2026-07-14", "2026-07-16", None}
    )
    assert by_day(spark, database) == {D14: ["new-14"], D15: ["keep-15"], D16: [], None: []}
    history = spark.sql(f"SELECT snapshot_id, parent_id FROM {target}.snapshots").collect()
    assert len(history) == 2 and history[-1].parent_id == before  # one commit for the window


def test_one_file_per_day_or_a_large_day_spread_over_several(spark, tmp_path):
    database = table(spark, tmp_path)
    frame = spark.range(3_000).select(
        F.lit("s3://logs/x").alias("source_file"),
        F.col("id").cast("string").alias("raw_record"),
        F.lit("malformed_json").alias("reason"),
        F.lit(None).cast("timestamp").alias("detected_at"),
        F.when(F.col("id") < 2_900, F.lit(D14)).otherwise(F.lit(D15)).alias("usage_date"),
    )
    target = catalog.qualified(database, "quarantine")

    def files() -> Counter:
        found = spark.sql(f"SELECT partition.usage_date AS day FROM {target}.files").collect()
        return Counter(r.day for r in found)

    partitions.overwrite(frame, target, {"2026-07-14", "2026-07-15"})
    assert files() == {D14: 1, D15: 1}
    partitions.overwrite(
        frame, target, {"2026-07-14", "2026-07-15"}, files=3, partitions=2, spread_by="raw_record"
    )
    counts = files()  # up to 3: hash buckets of a day may share a task
    assert 2 <= counts[D14] <= 3 and 1 <= counts[D15] <= 3
    written = spark.table(target)
    assert written.count() == 3_000 and written.select("raw_record").distinct().count() == 3_000


def test_an_earlier_versions_hive_style_folders_are_imported_once_with_their_tag_columns(
    spark, tmp_path
):
    """What the Hive-style writer of earlier versions left at a table's location (its
    `usage_date=` folders, the null partition, a tag column) becomes the new Iceberg table's
    first snapshot: one commit, the rows and types as the schema has them."""
    old = lines(spark, [("a", D14), ("b", D14), ("c", D15), ("undated", None)]).withColumn(
        "tag_team", F.lit("ml")
    )
    old.write.partitionBy("usage_date").parquet(str(tmp_path / "quarantine"))
    assert (tmp_path / "quarantine" / "usage_date=__HIVE_DEFAULT_PARTITION__").is_dir()
    database = unique_database()
    added = catalog.ensure_table(spark, database, str(tmp_path), "quarantine", ("tag_team",))
    assert added == []  # the import brought tag_team: nothing for a failed run to drop
    assert by_day(spark, database) == {D14: ["a", "b"], D15: ["c"], D16: [], None: ["undated"]}
    target = catalog.qualified(database, "quarantine")
    (snapshot,) = spark.sql(
        f"SELECT snapshot_id, summary FROM {target}.history JOIN "
        f"{target}.snapshots USING (snapshot_id)"
    ).collect()  # main's one
    assert snapshot.summary[catalog.IMPORTED] == str(tmp_path / "quarantine")
    assert branches(spark, database, "quarantine") == {"main"}  # the import's branch is gone
    assert {r.tag_team for r in rows(spark, database, "quarantine")} == {"ml"}
    assert dict(spark.table(target).dtypes)["usage_date"] == "date"
    new = lines(spark, [("new", D14)]).withColumn("tag_team", F.lit("ml"))
    partitions.overwrite(new, target, {"2026-07-14"})
    catalog.ensure_table(spark, database, str(tmp_path), "quarantine")  # a later run
    assert by_day(spark, database)[D14] == ["new"]  # not imported again


def test_a_table_whose_catalog_entry_is_gone_is_registered_again_not_created_empty(spark, tmp_path):
    """A lost catalog (an s3:// output run from another folder, a deleted Glue database) must
    not hide the table's history behind a new empty table at the same location."""
    database = table(spark, tmp_path)
    target = catalog.qualified(database, "quarantine")
    partitions.overwrite(lines(spark, [("kept", D14)]), target, {"2026-07-14"})
    spark.sql(f"ALTER TABLE {target} ADD COLUMNS (tag_team string)")
    before = snapshots.snapshot_id(spark, database, "quarantine")
    other = unique_database()  # the same location, in a catalog that does not know the table
    catalog.ensure_table(spark, other, str(tmp_path), "quarantine")
    assert snapshots.snapshot_id(spark, other, "quarantine") == before
    assert by_day(spark, other)[D14] == ["kept"]
    assert "tag_team" in spark.table(catalog.qualified(other, "quarantine")).columns
