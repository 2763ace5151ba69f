"""maintain: a killed run's branch and its files removed (a live run's kept), old snapshots
expired except tagged ones, small files compacted, the published rows unchanged."""

from datetime import UTC, date, datetime

from bedrock_costs.config import MaintainConfig
from bedrock_costs.entry.cli import main
from bedrock_costs.io import partitions, snapshots
from bedrock_costs.pipelines.maintain import run_maintain
from bedrock_costs.pipelines.publish import staged_publish
from helpers import branches, data_files, rows, unique_database

DAY = "2026-07-14"


def lines(spark, names):
    return spark.createDataFrame(
        [(f"s3://logs/{n}", n, "malformed_json", None, date(2026, 7, 14)) for n in names],
        "source_file string, raw_record string, reason string, detected_at timestamp, "
        "usage_date date",
    )


def test_maintain_cleans_up_and_keeps_what_readers_and_closes_need(spark, tmp_path):
    database, out = unique_database(), str(tmp_path)
    for run, names in (("20260701T000000Z-a", ["one"]), ("20260702T000000Z-b", ["two"])):
        with staged_publish(spark, database, out, run) as staging:
            staging.write("quarantine", lines(spark, names), {DAY})
    closed = snapshots.snapshot_id(spark, database, "quarantine")
    snapshots.tag(spark, database, "quarantine", "reconciled-2026-07", closed)
    # a third run appends a second small file to the day, then a run is killed mid-way
    target = f"`{database}`.`quarantine`"
    lines(spark, ["three"]).writeTo(target).append()
    killed = "wap-20260703T000000Z-killed"
    snapshots.create_branch(spark, database, "quarantine", killed)
    before_kill = set(data_files(tmp_path, "quarantine"))
    partitions.overwrite(lines(spark, ["lost"]), f"{target}.`branch_{killed}`", {DAY})
    (lost,) = set(data_files(tmp_path, "quarantine")) - before_kill
    live = f"wap-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-running"
    snapshots.create_branch(spark, database, "quarantine", live)
    published = sorted(r.raw_record for r in rows(spark, database, "quarantine"))

    (done,) = run_maintain(spark, MaintainConfig(out, database, keep_days=0))  # all are old
    assert done.branches_removed == [killed]
    assert branches(spark, database, "quarantine") == {"main", "reconciled-2026-07", live}
    assert sorted(r.raw_record for r in rows(spark, database, "quarantine")) == published
    assert done.files_compacted == 2  # the day's two small files, rewritten as one
    assert done.snapshots_expired >= 2
    tagged = spark.read.option("tag", "reconciled-2026-07").table(target).collect()
    assert [r.raw_record for r in tagged] == ["two"]  # the close is still readable as of then
    assert lost not in data_files(tmp_path, "quarantine")  # the killed run's file is deleted


def test_maintain_through_the_command_line_needs_tables(tmp_path, capsys):
    assert main(["maintain", "--output", str(tmp_path)]) == 2
    assert "no invocations table here" in capsys.readouterr().err
