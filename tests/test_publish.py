"""staged_publish: the tables written under the staging folder are published together when the
block ends, or not at all; the staging folder never stays behind."""

from datetime import date

import pytest

from bedrock_costs.io import partitions
from bedrock_costs.pipelines.publish import staged_publish


def day_frame(spark, ids: list[str], day: date):
    return spark.createDataFrame([(i, day) for i in ids], "request_id string, usage_date date")


def ids(spark, root, table: str) -> set[str]:
    return {r.request_id for r in spark.read.parquet(str(root / table)).collect()}


@pytest.fixture()
def live(spark, tmp_path):
    with staged_publish(str(tmp_path), "first") as staging:
        for table in ("a", "b"):
            staging.write(table, day_frame(spark, [f"{table}-old"], date(2026, 7, 14)))
            staging.replace(table, {"2026-07-14"})
    return tmp_path


def test_both_tables_are_published_when_the_block_ends(spark, live):
    assert ids(spark, live, "a") == {"a-old"} and ids(spark, live, "b") == {"b-old"}
    with staged_publish(str(live), "second") as staging:
        staging.write("a", day_frame(spark, ["a-new"], date(2026, 7, 14)))
        staging.replace("a", {"2026-07-14"})
        assert ids(spark, live, "a") == {"a-old"}  # nothing visible before the block ends
    assert ids(spark, live, "a") == {"a-new"} and staging.published == {
        "a": ["usage_date=2026-07-14"]
    }
    assert not (live / "_staging").exists()


def test_another_runs_staging_is_left_alone(spark, live):
    other = live / "_staging" / "other-run" / "a"
    other.mkdir(parents=True)
    with staged_publish(str(live), "mine") as staging:
        staging.write("a", day_frame(spark, ["a-mine"], date(2026, 7, 15)))
        staging.replace("a", {"2026-07-15"})
    assert [p.name for p in (live / "_staging").iterdir()] == ["other-run"] and other.is_dir()


@pytest.mark.parametrize("where", ["inside the block", "publishing the second table"])
def test_an_exception_publishes_nothing_and_removes_the_staging(spark, live, monkeypatch, where):
    before = {t: ids(spark, live, t) for t in ("a", "b")}
    if where == "publishing the second table":
        replace = partitions.Swap.replace

        def second_fails(self, staged, target, processed, column="usage_date"):
            if target.endswith("/b"):
                raise OSError("injected")
            return replace(self, staged, target, processed, column)

        monkeypatch.setattr(partitions.Swap, "replace", second_fails)
    with pytest.raises(OSError, match="injected"), staged_publish(str(live), "second") as staging:
        for table in ("a", "b"):
            staging.write(table, day_frame(spark, [f"{table}-new"], date(2026, 7, 14)))
            staging.replace(table, {"2026-07-14"})
        if where == "inside the block":
            raise OSError("injected")
    assert {t: ids(spark, live, t) for t in ("a", "b")} == before
    assert not (live / "_staging").exists()
