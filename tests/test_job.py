import json
from datetime import date
from decimal import Decimal

import pytest

from bedrock_costs.aws_sample_prices import COLUMNS as AWS_SAMPLE_COLUMNS
from bedrock_costs.config import RunConfig
from bedrock_costs.job import (
    FILES_PER_SHUFFLE_PARTITION,
    run_invocation_costs,
    shuffle_partitions,
)
from helpers import (
    ACCOUNT,
    HAIKU,
    NOVA,
    cost,
    key,
    price,
    record,
    unique_database,
    write_csv,
    write_logs,
)

PROFILE = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/k3v9x2m1q8zt"


@pytest.fixture()
def job(spark, tmp_path):
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
        summary = run_invocation_costs(spark, config)
        calls = {r.request_id: r for r in spark.table(f"{database}.invocations").take(10_000)}
        bad = spark.table(f"{database}.quarantine").take(10_000)
        return summary, calls, bad

    return run


def test_job_prices_resolves_and_summarises(job, tmp_path):
    write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14"): [
                record("a", inp=1234, out=987, cr=56789, cw=4321, meta={"tenant": "acme"}),
                record("b", model=PROFILE, inp=1000, out=10),
                record(
                    "c",
                    model=f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/abcdefghij12",
                    inp=5,
                ),
                record("d", model="mistral.mistral-large-2407-v1:0", inp=5),
                record("e", model=f"us.{NOVA}", errorCode="ThrottlingException"),
                "{broken",
            ]
        },
    )
    summary, calls, bad = job()
    assert calls["a"].total_cost == cost(1234, "1.00") + cost(987, "5.00") + cost(
        56789, "0.10"
    ) + cost(4321, "1.25")
    assert (calls["b"].model, calls["b"].routing, calls["b"].inference_profile_arn) == (
        HAIKU,
        "global",
        PROFILE,
    )
    assert calls["b"].total_cost == cost(1000, "1.00") + cost(10, "5.00")
    assert (calls["c"].pricing_status, calls["c"].total_cost) == ("unresolved_model", None)
    assert (calls["d"].pricing_status, calls["d"].total_cost) == ("no_price", None)
    assert (calls["e"].status, calls["e"].pricing_status, calls["e"].total_cost) == (
        "error",
        "priced",
        Decimal(0),
    )
    assert calls["a"].tag_tenant == "acme" and calls["a"].usage_date == date(2026, 7, 14)
    assert [(q.reason, q.raw_record) for q in bad] == [("malformed_json", "{broken")]
    assert (summary.lines_read, summary.invocations_written, summary.duplicates) == (6, 5, 0)
    assert summary.quarantined == {"malformed_json": 1}
    assert summary.unpriced == {
        "no_price": {"mistral.mistral-large-2407-v1:0": 1},
        "unresolved_model": {
            f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/abcdefghij12": 1
        },
    }
    assert summary.total_cost == calls["a"].total_cost + calls["b"].total_cost
    assert summary.partitions_written == ["2026-07-14"]
    saved = json.loads((tmp_path / "out" / "_runs" / f"{summary.run_id}.json").read_text())
    assert saved["total_cost"] == str(summary.total_cost) and saved["lines_read"] == 6
    assert saved["quarantined"] == {"malformed_json": 1} and saved["unpriced_total"] == 2


def test_job_rerun_changes_nothing_and_keeps_first_detection_time(job, tmp_path):
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
    first, calls1, bad1 = job()
    second, calls2, bad2 = job()
    assert calls1 == calls2 and sorted(map(str, bad1)) == sorted(map(str, bad2))
    assert {(q.reason, q.usage_date) for q in bad2} == {
        ("malformed_json", None),
        ("malformed_json", date(2026, 7, 14)),
    }
    assert {q.detected_at for q in bad2} == {first.started_at.replace(tzinfo=None)}
    assert (second.invocations_written, second.duplicates, second.lines_read) == (2, 1, 5)
    assert sorted(p.name for p in (tmp_path / "out" / "quarantine").iterdir()) == [
        "usage_date=2026-07-14",
        "usage_date=__HIVE_DEFAULT_PARTITION__",
    ]


def test_job_window_replaces_exactly_its_days(job, tmp_path):
    logs = tmp_path / "logs"
    write_logs(
        logs,
        {
            key("us-east-1", d): [record(f"r{d}", ts=f"{d}T10:00:00Z", inp=1)]
            for d in ("2026-07-13", "2026-07-14", "2026-07-15")
        },
    )
    job()
    (
        logs / key("us-east-1", "2026-07-14")
    ).unlink()  # the day's logs are gone: its partition must go
    write_logs(
        logs, {key("us-east-1", "2026-07-15"): [record("new15", ts="2026-07-15T11:00:00Z", inp=9)]}
    )
    summary, calls, _ = job("2026-07-14", "2026-07-15")
    assert sorted(calls) == ["new15", "r2026-07-13"]
    assert summary.out_of_window == 1 and summary.partitions_written == ["2026-07-15"]
    assert sorted(p.name for p in (tmp_path / "out" / "invocations").iterdir()) == [
        "usage_date=2026-07-13",
        "usage_date=2026-07-15",
    ]


def test_job_window_finds_records_delivered_after_midnight(job, tmp_path):
    write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-15", hour="00"): [
                record("late", ts="2026-07-14T23:59:59Z", inp=1),
                record("next", ts="2026-07-15T00:00:30Z", inp=1),
            ],
            key("us-east-1", "2026-07-13", hour="23"): [
                record("early", ts="2026-07-13T23:59:00Z", inp=1)
            ],
        },
    )
    summary, calls, _ = job("2026-07-14", "2026-07-14")
    assert sorted(calls) == ["late"] and calls["late"].usage_date == date(2026, 7, 14)
    assert (summary.lines_read, summary.out_of_window) == (3, 2)


def test_job_keeps_one_row_per_request_id_deterministically(job, tmp_path):
    write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14", name="b"): [record("dup", inp=2)],
            key("us-east-1", "2026-07-14", name="a"): [record("dup", inp=1), record("dup", inp=1)],
        },
    )
    summary, calls, _ = job()
    assert calls["dup"].input_tokens == 1 and calls["dup"].source_file.endswith("/a.json.gz")
    assert (summary.invocations_written, summary.duplicates) == (1, 2)


def test_job_tag_columns_only_grow_and_respect_the_limit(job, tmp_path):
    logs = tmp_path / "logs"
    write_logs(
        logs,
        {
            key("us-east-1", "2026-07-14"): [
                record("a", inp=1, meta={"Tenant": "acme", "env": "prod", "rare": "x"}),
                record("b", inp=1, meta={"tenant": "globex", "env": "dev"}),
            ]
        },
    )
    first, _, _ = job(max_tags=2)
    assert first.tag_columns_promoted == ["tag_env", "tag_tenant"]
    assert first.tag_keys_not_promoted == ["rare"]
    write_logs(
        logs,
        {
            key("us-east-1", "2026-07-15"): [
                record("c", ts="2026-07-15T09:00:00Z", inp=1, meta={"team": "data"})
            ]
        },
    )
    second, calls, _ = job("2026-07-15", "2026-07-15", max_tags=3)
    assert second.tag_columns_promoted == ["tag_env", "tag_tenant", "tag_team"]
    assert (calls["a"].tag_tenant, calls["a"].tag_team, calls["c"].tag_team) == (
        "acme",
        None,
        "data",
    )
    assert calls["c"].tag_env is None and calls["a"].request_metadata["rare"] == "x"


def test_job_writes_no_prompt_or_response_text_outside_quarantine(job, tmp_path):
    write_logs(
        tmp_path / "logs",
        {key("us-east-1", "2026-07-14"): [record("a", inp=1), record("b", inp=-1)]},
    )
    _, calls, bad = job()
    assert not any("SECRET" in str(v) for v in calls["a"].asDict().values())
    assert "SECRET PROMPT" in bad[0].raw_record
    files = list((tmp_path / "out" / "invocations").rglob("*.parquet"))
    assert files and not any(b"SECRET" in f.read_bytes() for f in files)


def test_job_on_no_files_replaces_the_window_with_nothing(job, tmp_path):
    (tmp_path / "logs").mkdir()
    summary, calls, bad = job("2026-07-14", "2026-07-14")
    assert (summary.lines_read, calls, bad) == (0, {}, [])
    assert summary.warnings == ["no log files found under the logs path for this window"]
    assert summary.quality["status"] == "passed"  # no rows break no rule


def test_job_default_tier_applies_only_where_the_log_records_none(spark, tmp_path):
    write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14"): [
                record("plain", inp=1000),
                record("flex", inp=1000, serviceTier={"type": "flex"}),
            ]
        },
    )
    pricing = write_csv(
        tmp_path / "p.csv",
        [price(inp="1.00"), price(inp="0.50", tier="batch"), price(inp="0.25", tier="flex")],
    )
    database = unique_database()
    config = RunConfig(
        str(tmp_path / "logs"),
        str(tmp_path / "out"),
        pricing,
        database=database,
        default_tier="batch",
    )
    run_invocation_costs(spark, config)
    calls = {r.request_id: r for r in spark.table(f"{database}.invocations").take(10)}
    assert (calls["plain"].service_tier, calls["plain"].input_cost) == ("batch", Decimal("0.0005"))
    assert (calls["flex"].service_tier, calls["flex"].input_cost) == ("flex", Decimal("0.00025"))


def test_job_reads_an_aws_sample_price_file_and_warns(spark, tmp_path):
    write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14"): [
                record("geo", model=f"us.{NOVA}", inp=1_000_000),
                record("plain", model=NOVA, inp=1_000_000),
            ]
        },
    )
    header = list(AWS_SAMPLE_COLUMNS)
    pricing = write_csv(
        tmp_path / "pricing.csv",
        [
            dict(
                zip(
                    header,
                    [f"us.{NOVA}", "0.035", "0.14", "0", "0.00875", "01-01-2000", "12-31-2100"],
                    strict=True,
                )
            )
        ],
        header,
    )
    database = unique_database()
    config = RunConfig(
        str(tmp_path / "logs"),
        str(tmp_path / "out"),
        pricing,
        database=database,
        pricing_format="aws-sample",
    )
    summary = run_invocation_costs(spark, config)
    calls = {r.request_id: r for r in spark.table(f"{database}.invocations").take(10)}
    assert (calls["geo"].pricing_status, calls["geo"].total_cost) == ("priced", Decimal("0.035"))
    assert (
        calls["plain"].pricing_status == "no_price"
    )  # the sample's us. row never priced plain ids
    assert "inclusive" in summary.warnings[0]


def test_job_carries_application_profile_tags_onto_calls(spark, tmp_path):
    write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14"): [
                record("p", model=PROFILE, inp=1),
                record("plain", inp=1),
            ]
        },
    )
    profiles = tmp_path / "profiles.csv"
    tags = '"{""Team"": ""search"", ""cost-center"": ""CC-1""}"'
    profiles.write_text(f"profile_arn,model_id,tags\n{PROFILE},global.{HAIKU},{tags}\n")
    database = unique_database()
    config = RunConfig(
        str(tmp_path / "logs"),
        str(tmp_path / "out"),
        write_csv(tmp_path / "p.csv", [price()]),
        str(profiles),
        database=database,
    )
    summary = run_invocation_costs(spark, config)
    calls = {r.request_id: r for r in spark.table(f"{database}.invocations").take(10)}
    assert (calls["p"].profile_tag_team, calls["p"].profile_tag_cost_center) == ("search", "CC-1")
    assert (calls["plain"].profile_tag_team, calls["plain"].pricing_status) == (None, "priced")
    assert summary.profile_tag_columns == ["profile_tag_cost_center", "profile_tag_team"]


def test_job_gives_large_inputs_more_shuffle_partitions_for_the_run_only(spark):
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
