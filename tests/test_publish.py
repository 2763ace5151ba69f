"""staged_publish: each table is written to the run's own Iceberg branch, checked there, and
published when the block ends (one commit per table), or not at all; a failed run leaves no
branch, no data file and no column behind."""

import threading
from datetime import date
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from bedrock_costs.contract import schemas
from bedrock_costs.contract.errors import PublishConflict
from bedrock_costs.io import catalog, snapshots
from bedrock_costs.pipelines.publish import staged_publish
from helpers import branches, data_files, published, unique_database

DAY = "2026-07-14"


def lines(spark, names: list[str]):
    return spark.createDataFrame(
        [(f"s3://logs/{n}", n, "malformed_json", None, date(2026, 7, 14)) for n in names],
        "source_file string, raw_record string, reason string, detected_at timestamp, "
        "usage_date date",
    )


@pytest.fixture()
def live(spark, tmp_path):
    """Two published tables, quarantine and invocations, in a database of their own."""
    database = unique_database()
    with staged_publish(spark, database, str(tmp_path), "first") as staging:
        staging.write("quarantine", lines(spark, ["q-old"]), {DAY})
        staging.write("invocations", _invocations(spark, ["a-old"]), {DAY})
    return spark, database, tmp_path


def _invocations(spark, ids: list[str], tag: str | None = None):
    """`invocations` rows with every column null but request_id and usage_date."""
    frame = spark.createDataFrame(
        [(i, date(2026, 7, 14)) for i in ids], "request_id string, usage_date date"
    )
    select = [
        F.col(c.name) if c.name == "request_id" else F.lit(None).cast(c.type).alias(c.name)
        for c in schemas.load("invocations").columns
    ]
    if tag is not None:
        select.append(F.lit(tag).alias("tag_team"))
    return frame.select(*select, "usage_date")


def ids(spark, database, table) -> set[str]:
    column = "raw_record" if table == "quarantine" else "request_id"
    return {r[column] for r in spark.table(f"`{database}`.`{table}`").collect()}


def test_both_tables_are_published_when_the_block_ends_one_commit_each(live):
    spark, database, root = live
    before = {t: snapshots.snapshot_id(spark, database, t) for t in ("quarantine", "invocations")}
    with staged_publish(spark, database, str(root), "second") as staging:
        staging.write("quarantine", lines(spark, ["q-new"]), {DAY})
        assert {r.raw_record for r in staging.read("quarantine").collect()} == {"q-new"}
        assert ids(spark, database, "quarantine") == {"q-old"}  # not visible before the end
        assert staging.written("quarantine") == [DAY]
    assert ids(spark, database, "quarantine") == {"q-new"}
    assert ids(spark, database, "invocations") == {"a-old"}  # not written by this run
    parent = spark.sql(
        f"SELECT parent_id FROM `{database}`.`quarantine`.snapshots "
        f"WHERE snapshot_id = {staging.published('quarantine')}"
    ).collect()
    assert [r.parent_id for r in parent] == [before["quarantine"]]  # one commit on main
    assert branches(spark, database, "quarantine") == {"main"}


@pytest.mark.parametrize("where", ["inside the block", "publishing the second table"])
def test_an_exception_publishes_nothing_and_leaves_nothing(live, monkeypatch, where):
    spark, database, root = live
    tables = ("quarantine", "invocations")
    before, files = published(spark, database, *tables), data_files(Path(root), *tables)
    if where == "publishing the second table":
        publish = snapshots.publish

        def second_fails(spark_, database_, table, branch):
            if table == "invocations":
                raise OSError("injected")
            return publish(spark_, database_, table, branch)

        monkeypatch.setattr(snapshots, "publish", second_fails)
    with (
        pytest.raises(OSError, match="injected"),
        staged_publish(spark, database, str(root), "second") as staging,
    ):
        staging.write("quarantine", lines(spark, ["q-new"]), {DAY})
        staging.write(
            "invocations",
            _invocations(spark, ["a-new"], tag="x"),
            {DAY},
            extra_columns=("tag_team",),
        )
        if where == "inside the block":
            raise OSError("injected")
    assert published(spark, database, *tables) == before  # main where it was, the same rows
    assert data_files(Path(root), *tables) == files  # the run's files are deleted
    assert all(branches(spark, database, t) == {"main"} for t in tables)
    assert "tag_team" not in catalog.columns(spark, database, "invocations")  # dropped again


def test_a_run_that_started_before_another_published_fails_cleanly(live):
    spark, database, root = live
    files = data_files(Path(root), "quarantine")
    with (
        pytest.raises(PublishConflict, match="another run published"),
        staged_publish(spark, database, str(root), "slow") as slow,
    ):
        slow.write("quarantine", lines(spark, ["q-slow"]), {DAY})
        with staged_publish(spark, database, str(root), "fast") as fast:
            fast.write("quarantine", lines(spark, ["q-fast"]), {DAY})
    assert ids(spark, database, "quarantine") == {"q-fast"}  # the other run's rows, whole
    assert branches(spark, database, "quarantine") == {"main"}
    fast_files = set(data_files(Path(root), "quarantine")) - set(files)
    assert len(fast_files) == 1  # the slow run's file is gone, the fast run's is published


def test_another_runs_branch_is_left_alone(live):
    spark, database, root = live
    snapshots.create_branch(spark, database, "quarantine", "wap-other-run")
    with staged_publish(spark, database, str(root), "mine") as staging:
        staging.write("quarantine", lines(spark, ["q-mine"]), {DAY})
    assert branches(spark, database, "quarantine") == {"main", "wap-other-run"}


def test_a_reader_sees_the_old_rows_or_the_new_never_a_partial_day(spark, tmp_path):
    """Another tool (pyiceberg, through the same catalog file) polls the day while runs
    replace it: every read is one whole published state, never an empty or a doubled day."""
    from pyiceberg.catalog.sql import SqlCatalog

    database = unique_database()
    with staged_publish(spark, database, str(tmp_path), "old") as staging:
        staging.write("quarantine", lines(spark, ["o1", "o2", "o3"]), {DAY})
    file = spark.conf.get("bedrock.tests.catalog-file")  # this session's catalog (conftest)
    reader = SqlCatalog("bedrock", uri=f"sqlite:///{file}")
    states = [["o1", "o2", "o3"]] + [[f"n{i}-{k}" for k in range(5)] for i in range(3)]
    seen: list[list[str]] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            table = reader.load_table(f"{database}.quarantine")
            seen.append(sorted(r["raw_record"] for r in table.scan().to_arrow().to_pylist()))

    thread = threading.Thread(target=poll)
    thread.start()
    try:
        for i, names in enumerate(states[1:]):
            with staged_publish(spark, database, str(tmp_path), f"run-{i}") as staging:
                staging.write("quarantine", lines(spark, names), {DAY})
    finally:
        stop.set()
        thread.join(timeout=60)
    assert len(seen) > 3 and all(state in states for state in seen)
    assert seen[0] == states[0]  # before the first publish
    final = reader.load_table(f"{database}.quarantine").scan().to_arrow().to_pylist()
    assert sorted(r["raw_record"] for r in final) == states[-1]
