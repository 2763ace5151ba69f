from datetime import date

from pyspark.sql import functions as F

from bedrock_costs.io import partitions


def test_files_per_partition_rounds_up_and_is_at_least_one():
    assert partitions.files_per_partition(0) == 1
    assert partitions.files_per_partition(partitions.ROWS_PER_FILE) == 1
    assert partitions.files_per_partition(partitions.ROWS_PER_FILE + 1) == 2
    assert partitions.files_per_partition(10, rows_per_file=3) == 4


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

    partitions.stage(frame, str(tmp_path / "one"))
    assert files(tmp_path / "one") == {"usage_date=2026-07-14": 1, "usage_date=2026-07-15": 1}

    partitions.stage(frame, str(tmp_path / "spread"), files=3, partitions=2)
    counts = files(tmp_path / "spread")  # up to 3: hash buckets of a day may share a task
    assert 2 <= counts["usage_date=2026-07-14"] <= 3 and 1 <= counts["usage_date=2026-07-15"] <= 3
    rows = spark.read.parquet(str(tmp_path / "spread"))
    assert rows.count() == 3_000 and rows.select("request_id").distinct().count() == 3_000


def folders(root) -> dict[str, list[str]]:
    return {
        p.name: sorted(f.name for f in p.iterdir()) for p in sorted(root.iterdir()) if p.is_dir()
    }


def write(root, layout: dict[str, list[str]]) -> None:
    for folder, names in layout.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name in names:
            (root / folder / name).write_text(f"{folder}/{name}")


def test_a_swap_replaces_exactly_the_processed_partitions(tmp_path):
    live, staged = tmp_path / "live", tmp_path / "staged"
    write(live, {"usage_date=2026-07-14": ["old"], "usage_date=2026-07-15": ["keep"]})
    write(
        staged, {"usage_date=2026-07-14": ["new"], "usage_date=__HIVE_DEFAULT_PARTITION__": ["u"]}
    )
    swap = partitions.Swap(backup=str(tmp_path / "backup"))
    written = swap.replace(str(staged), str(live), {"2026-07-14", "2026-07-16", None})
    assert written == ["usage_date=2026-07-14", "usage_date=__HIVE_DEFAULT_PARTITION__"]
    assert folders(live) == {
        "usage_date=2026-07-14": ["new"],
        "usage_date=2026-07-15": ["keep"],  # not processed: untouched
        "usage_date=__HIVE_DEFAULT_PARTITION__": ["u"],
    }
    assert folders(tmp_path / "backup" / "live") == {"usage_date=2026-07-14": ["old"]}


def test_undo_puts_every_table_back_as_it_was(tmp_path):
    live, other, staged = tmp_path / "live", tmp_path / "other", tmp_path / "staged"
    write(live, {"usage_date=2026-07-14": ["old"]})
    write(other, {"usage_date=2026-07-14": ["o"]})
    write(staged, {"usage_date=2026-07-14": ["new"], "usage_date=2026-07-15": ["new"]})
    before = {t.name: folders(t) for t in (live, other)}
    swap = partitions.Swap(backup=str(tmp_path / "backup"))
    swap.replace(str(staged), str(live), {"2026-07-14", "2026-07-15"})
    swap.replace(str(tmp_path / "nothing"), str(other), {"2026-07-14"})  # removed: staged none
    assert folders(other) == {} and folders(live)["usage_date=2026-07-15"] == ["new"]
    swap.undo()
    assert {t.name: folders(t) for t in (live, other)} == before
