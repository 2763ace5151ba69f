"""The invocation-cost job end to end on files (great_expectations replaced by NoChecks: the
gates are test_quality's subject): the summary and its accounting identity, re-runs, windows,
tag columns that only grow, and failures at any step that leave nothing behind."""

import dataclasses
import gzip
import json
from datetime import date

import pytest

from bedrock_costs.config import RunConfig
from bedrock_costs.contract.errors import AccountingError, UsageError
from bedrock_costs.invocations import counts
from bedrock_costs.invocations.counts import LineCounts, StagedCounts
from bedrock_costs.invocations.log_files import read_lines
from bedrock_costs.invocations.tags import TagPlan
from bedrock_costs.io import partitions, snapshots
from bedrock_costs.io.session import FILES_PER_SHUFFLE_PARTITION, java_option, shuffle_partitions
from bedrock_costs.pipelines.invocation_costs import run_invocation_costs, validate_inputs
from bedrock_costs.pipelines.run_summary import RunSummary
from helpers import (
    ACCOUNT,
    HAIKU,
    NOVA,
    NoChecks,
    branches,
    copy_tables,
    cost,
    data_files,
    key,
    price,
    published,
    record,
    unique_database,
    write_csv,
    write_logs,
)

PROFILE = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/k3v9x2m1q8zt"


@pytest.fixture()
def job_run(spark, tmp_path):
    """Runs the job on tmp_path/logs into tmp_path/out; returns summary, calls, quarantine."""
    pricing = write_csv(
        tmp_path / "prices.csv", [price(), price(NOVA, "0.035", "0.14", "0.00875", "0")]
    )
    profiles = write_csv(
        tmp_path / "profiles.csv", [{"profile_arn": PROFILE, "model_id": f"global.{HAIKU}"}]
    )
    database = unique_database()

    def run(start=None, end=None, max_tags=50):
        config = RunConfig(
            str(tmp_path / "logs"),
            str(tmp_path / "out"),
            pricing,
            profiles,
            date.fromisoformat(start) if start else None,
            date.fromisoformat(end) if end else None,
            database,
            max_tags,
        )
        summary = run_invocation_costs(spark, config, validator=NoChecks())
        calls = {r.request_id: r for r in spark.table(f"{database}.invocations").take(10_000)}
        bad = spark.table(f"{database}.quarantine").take(10_000)
        return summary, calls, bad

    return run


def test_the_summary_accounts_for_every_line_and_is_saved(job_run, tmp_path):
    write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14"): [
                record("a", inp=1234, out=987, meta={"tenant": "acme"}),
                record("b", model=PROFILE, inp=1000, out=10),
                record(
                    "c", model=f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/x", inp=5
                ),
                record("d", model="mistral.mistral-large-2407-v1:0", inp=5),
                record("a", inp=1234, out=987, meta={"tenant": "acme"}),  # delivered twice
                record("n", inp=-1),
                "{broken",
            ]
        },
    )
    summary, calls, bad = job_run()
    assert sorted(calls) == ["a", "b", "c", "d"]
    assert sorted((q.reason, q.raw_record[:7]) for q in bad) == [
        ("malformed_json", "{broken"),
        ("negative_token_count", '{"schem'),
    ]
    assert (summary.lines_read, summary.invocations_written, summary.duplicates) == (7, 4, 1)
    assert summary.quarantined == {"malformed_json": 1, "negative_token_count": 1}
    assert summary.accounting_identity == (
        "7 lines = 4 written + 2 quarantined + 1 duplicates + 0 out of window"
    )
    assert summary.unpriced == {
        "no_price": {"mistral.mistral-large-2407-v1:0": 1},
        "unresolved_model": {f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/x": 1},
    }
    assert summary.total_cost == calls["a"].total_cost + calls["b"].total_cost
    assert calls["b"].total_cost == cost(1000, "1.00") + cost(10, "5.00")
    assert summary.partitions_written == ["2026-07-14"] and summary.status == "succeeded"
    saved = json.loads((tmp_path / "out" / "_runs" / f"{summary.run_id}.json").read_text())
    assert saved["total_cost"] == str(summary.total_cost) and saved["lines_read"] == 7
    assert saved["quarantined_total"] == 2 and saved["unpriced_total"] == 2
    files = list((tmp_path / "out" / "invocations").rglob("*.parquet"))
    assert files and not any(b"SECRET" in f.read_bytes() for f in files)  # prompts stay out
    assert (
        b"SECRET PROMPT" in next((tmp_path / "out" / "quarantine").rglob("*.parquet")).read_bytes()
    )


def test_an_object_that_cannot_be_read_whole_is_quarantined_and_the_others_are_read(
    job_run, tmp_path
):
    """A cut-short gzip object or a `.json.gz` that is not gzip failed every run until someone
    deleted it (issue 17): now its readable lines are processed, it is one unreadable_object row
    saying how far it was read and why, and other objects are untouched."""
    logs = write_logs(tmp_path / "logs", {key("us-east-1", "2026-07-14"): [record("a", inp=3)]})
    whole = gzip.compress(
        "".join(json.dumps(record(f"t{i:03d}", inp=1)) + "\n" for i in range(300)).encode()
    )
    cut = logs / key("us-east-1", "2026-07-14", hour="11")
    cut.parent.mkdir(parents=True)
    cut.write_bytes(whole[: len(whole) // 2])
    other = logs / key("us-east-1", "2026-07-15")
    other.parent.mkdir(parents=True)
    other.write_bytes(b'{"not": "gzip"}\n')
    summary, calls, bad = job_run()
    read_from_cut = sorted(c for c in calls if c.startswith("t"))
    assert read_from_cut == [f"t{i:03d}" for i in range(len(read_from_cut))]  # a prefix
    assert 0 < len(read_from_cut) < 300 and "a" in calls
    assert sorted((q.reason, q.source_file, q.raw_record.split(": ")[1]) for q in bad) == [
        ("unreadable_object", f"file:{cut}", "EOFError"),
        ("unreadable_object", f"file:{other}", "BadGzipFile"),
    ]
    assert summary.quarantined == {"unreadable_object": 2}
    assert summary.lines_read == len(read_from_cut) + 1 + 2  # one line per unreadable object
    assert any("2 log objects could not be read whole" in w for w in summary.warnings)
    assert summary.status == "succeeded"


def test_an_output_path_with_a_space_and_an_apostrophe_is_written(spark, tmp_path):
    """'My Drive' and "bob's" are ordinary on laptops: the table's location was pasted unquoted
    into CREATE TABLE (and a path into the JVM's options): a parse error (issue 17)."""
    logs = write_logs(tmp_path / "logs", {key("us-east-1", "2026-07-14"): [record("a", inp=3)]})
    output = tmp_path / "My Drive" / "bob's out"
    database = unique_database()
    config = RunConfig(str(logs), str(output), write_csv(tmp_path / "p.csv", [price()]))
    config = dataclasses.replace(config, database=database)
    assert run_invocation_costs(spark, config, validator=NoChecks()).invocations_written == 1
    assert [r.request_id for r in spark.table(f"{database}.invocations").collect()] == ["a"]
    location = spark.sql(f"DESCRIBE TABLE EXTENDED {database}.invocations").where(
        "col_name = 'Location'"
    )
    assert location.first().data_type.endswith("My Drive/bob's out/invocations")
    assert java_option("log4j2.configurationFile", 'C:\\a "b" c\'s') == (
        '-Dlog4j2.configurationFile="C:\\\\a \\"b\\" c\'s"'
    )


def test_more_keys_than_the_plan_reads_is_said(job_run, tmp_path, monkeypatch):
    """tag_keys_not_promoted stopped at 10,000 keys without saying so (issue 17)."""
    monkeypatch.setattr(counts, "MAX_TAG_KEYS", 2)
    metadata = [{"tenant": "t", "app": "a"}, {"tenant": "t", "zone": "z"}, {"tenant": "u"}]
    write_logs(
        tmp_path / "logs",
        {key("us-east-1", "2026-07-14"): [record(f"r{i}", meta=m) for i, m in enumerate(metadata)]},
    )
    summary, calls, _ = job_run(max_tags=1)
    assert summary.tag_columns_promoted == ["tag_tenant"]
    assert summary.tag_keys_not_promoted == ["app"]  # zone: past the plan's bound
    assert any("more than 2 distinct requestMetadata keys" in w for w in summary.warnings)
    assert calls["r1"].request_metadata == {"tenant": "t", "zone": "z"}  # kept in the map


def test_a_request_published_on_another_day_is_not_written_again_by_a_window(job_run, tmp_path):
    """The same requestId on two days, run as two windows, was written twice (a full run
    dedups it): request_id stays unique in the table (issue 17)."""
    write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14"): [record("same", inp=1), record("a", inp=2)],
            key("us-east-1", "2026-07-15"): [
                record("same", inp=9, ts="2026-07-15T09:00:00Z"),
                record("b", inp=3, ts="2026-07-15T09:00:00Z"),
            ],
        },
    )
    job_run("2026-07-14", "2026-07-14")
    summary, calls, _ = job_run("2026-07-15", "2026-07-15")
    assert sorted(calls) == ["a", "b", "same"] and calls["same"].input_tokens == 1
    assert (summary.invocations_written, summary.duplicates) == (1, 1)
    assert summary.accounting_identity == (
        "4 lines = 1 written + 0 quarantined + 1 duplicates + 2 out of window"
    )


def test_a_run_that_does_not_read_every_account_and_region_of_its_days_is_refused(spark, tmp_path):
    """A windowed run over one account's folder, or over an empty folder, deleted every other
    account's and Region's calls of those days with exit 0 (issue 17): refused, nothing
    written."""
    other = "444455556666"
    logs = write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14"): [record("a", inp=1)],
            key("eu-west-1", "2026-07-14"): [
                record("b", inp=2, region="eu-west-1"),
                {k: v for k, v in record("d").items() if k not in ("accountId", "region")},
            ],
            key("us-east-1", "2026-07-14").replace(ACCOUNT, other): [
                record("c", inp=3) | {"accountId": other}
            ],
        },
    )
    database = unique_database()
    config = RunConfig(str(logs), str(tmp_path / "out"), write_csv(tmp_path / "p.csv", [price()]))
    config = dataclasses.replace(config, database=database)
    assert run_invocation_costs(spark, config, validator=NoChecks()).invocations_written == 4
    before = data_files(tmp_path / "out", "invocations")  # (d: no account, no Region to own)
    one_folder = logs / f"AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/us-east-1"
    (tmp_path / "empty").mkdir()
    day = (date(2026, 7, 14), date(2026, 7, 14))
    narrower = [(one_folder, None, 2), (tmp_path / "empty", day, 3)]
    for folder, window, pairs in narrower:  # (a full run over an empty folder replaces no day)
        start, end = window or (None, None)
        narrow = dataclasses.replace(config, logs_path=str(folder), start_date=start, end_date=end)
        with pytest.raises(UsageError) as refused:
            run_invocation_costs(spark, narrow, validator=NoChecks())
        message = str(refused.value)
        assert f"{pairs} account/Region pair(s) (first: {ACCOUNT} eu-west-1)" in message
    assert data_files(tmp_path / "out", "invocations") == before


def test_a_rerun_changes_nothing_and_keeps_first_detection_times(job_run, tmp_path):
    write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14"): [record("a", inp=5), "{broken", record("a", inp=5)],
            "flat/undated.jsonl": [
                "not json at all",
                record("f", ts="2026-07-15T00:00:01Z", inp=2),
            ],
        },
    )
    first, calls1, bad1 = job_run()
    second, calls2, bad2 = job_run()
    assert calls1 == calls2 and sorted(map(str, bad1)) == sorted(map(str, bad2))
    assert {(q.reason, q.usage_date) for q in bad2} == {
        ("malformed_json", None),
        ("malformed_json", date(2026, 7, 14)),
    }
    assert {q.detected_at for q in bad2} == {first.started_at.replace(tzinfo=None)}
    assert (second.invocations_written, second.duplicates, second.lines_read) == (2, 1, 5)
    assert second.quarantine_partitions_written == ["2026-07-14", None]  # None: undated


def test_a_window_replaces_exactly_its_days_and_tag_columns_only_grow(job_run, tmp_path):
    logs = tmp_path / "logs"
    write_logs(
        logs,
        {
            key("us-east-1", "2026-07-13"): [
                record(
                    "a",
                    ts="2026-07-13T10:00:00Z",
                    inp=1,
                    meta={"Tenant": "acme", "env": "prod", "rare": "x"},
                ),
                record(
                    "b", ts="2026-07-13T11:00:00Z", inp=1, meta={"tenant": "globex", "env": "dev"}
                ),
            ],
            key("us-east-1", "2026-07-14"): [record("r14", ts="2026-07-14T10:00:00Z", inp=1)],
            key("us-east-1", "2026-07-15"): [record("r15", ts="2026-07-15T10:00:00Z", inp=1)],
        },
    )
    first, _, _ = job_run(max_tags=2)
    assert first.tag_columns_promoted == ["tag_env", "tag_tenant"]
    assert first.tag_keys_not_promoted == ["rare"]
    (logs / key("us-east-1", "2026-07-14")).unlink()  # the day's logs are gone: its rows must go
    write_logs(
        logs,
        {
            key("us-east-1", "2026-07-15"): [
                record("new15", ts="2026-07-15T11:00:00Z", inp=9, meta={"team": "data"})
            ]
        },
    )
    second, calls, _ = job_run("2026-07-14", "2026-07-15", max_tags=3)
    assert sorted(calls) == ["a", "b", "new15"]
    assert second.out_of_window == 2 and second.partitions_written == ["2026-07-15"]
    days = {r.usage_date.isoformat() for r in calls.values()}
    assert days == {"2026-07-13", "2026-07-15"}  # 14 replaced by nothing, 13 untouched
    assert second.tag_columns_promoted == ["tag_env", "tag_tenant", "tag_team"]
    assert (calls["a"].tag_tenant, calls["a"].tag_team, calls["new15"].tag_team) == (
        "acme",
        None,
        "data",
    )
    assert calls["new15"].tag_env is None and calls["a"].request_metadata["rare"] == "x"


def test_no_files_is_an_empty_run_with_a_warning(spark):
    """What a run of a window without log objects reads and says (the window test publishes
    such a day as no rows)."""
    assert read_lines(spark, []).count() == 0
    summary = RunSummary.start((date(2026, 7, 14), date(2026, 7, 14)))
    summary.count(LineCounts(), StagedCounts(), TagPlan((), ()), "db")
    assert summary.warnings == ["no log files found under the logs path for this window"]
    assert summary.accounting_identity == (
        "0 lines = 0 written + 0 quarantined + 0 duplicates + 0 out of window"
    )


def test_an_aws_sample_price_file_is_read_with_a_warning(tmp_path):
    header = ["model_id", "input_cost", "output_cost", "cache_write", "cache_read", "start_date"]
    pricing = write_csv(
        tmp_path / "pricing.csv",
        [dict(zip(header, [f"us.{NOVA}", "1", "2", "0", "0", "01-01-2000"], strict=True))],
        header,
    )
    (tmp_path / "logs").mkdir()
    inputs = validate_inputs(
        RunConfig(str(tmp_path / "logs"), str(tmp_path / "o"), pricing, pricing_format="aws-sample")
    )
    assert "inclusive" in inputs.warnings[0] and inputs.prices[0].routing == "geo"


def test_large_inputs_get_more_shuffle_partitions_for_the_run_only(spark):
    key_ = "spark.sql.shuffle.partitions"
    before = spark.conf.get(key_)
    spark.conf.set(key_, "2")
    try:
        with shuffle_partitions(spark, 100 * FILES_PER_SHUFFLE_PARTITION + 1):
            assert spark.conf.get(key_) == "101"
        assert spark.conf.get(key_) == "2"
        with shuffle_partitions(spark, FILES_PER_SHUFFLE_PARTITION):
            assert spark.conf.get(key_) == "2"  # never fewer than configured
    finally:
        spark.conf.set(key_, before)


@pytest.fixture(scope="module")
def one_day(spark, tmp_path_factory):
    """A published day; its logs then gain a call, for a second run to break at some step."""
    root = tmp_path_factory.mktemp("published")
    write_logs(
        root / "logs",
        {key("us-east-1", "2026-07-14"): [record("a", inp=5), record("b", inp=7), "{broken"]},
    )
    config = RunConfig(str(root / "logs"), str(root / "out"), database=unique_database())
    run_invocation_costs(spark, config, validator=NoChecks())
    write_logs(root / "logs", {key("us-east-1", "2026-07-14", hour="11"): [record("c", inp=1)]})
    return config


@pytest.fixture()
def day_copy(spark, one_day, tmp_path):
    """A copy of the published day, tables of its own, for one test to break."""
    out = tmp_path / "out"
    database = copy_tables(spark, one_day.database, ("invocations", "quarantine"), out)
    return dataclasses.replace(one_day, output_path=str(out), database=database), out


def _fail(*_args, **_kwargs):
    raise RuntimeError("injected")


def _second_table_fails(monkeypatch):
    publish = snapshots.publish

    def second_fails(spark, database, table, branch):
        if table == "quarantine":  # after invocations was published: must be undone
            raise RuntimeError("injected")
        return publish(spark, database, table, branch)

    monkeypatch.setattr(snapshots, "publish", second_fails)


def _identity_fails(*_args, **_kwargs):
    raise AccountingError("injected")


STEPS = {  # write -> verify (the accounting identity, then the checks) -> publish
    "write": lambda m: m.setattr(partitions, "overwrite", _fail),
    "verify": lambda m: m.setattr(counts.LineCounts, "check", _identity_fails),
    "publish": _second_table_fails,
}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_failure_at_any_step_leaves_the_tables_and_their_files_as_they_were(
    spark, day_copy, monkeypatch, step
):
    config, out = day_copy
    tables = ("invocations", "quarantine")

    def state():
        found = [branches(spark, config.database, t) for t in tables]
        return published(spark, config.database, *tables), data_files(out, *tables), found

    before = state()
    STEPS[step](monkeypatch)
    with pytest.raises((RuntimeError, AccountingError), match="injected"):
        run_invocation_costs(spark, config, validator=NoChecks())
    assert state() == before
