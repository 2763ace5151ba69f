"""Data-quality gates: each check catches what it names, policies decide, a failed gate publishes
nothing, and the results are saved as JSON and HTML."""

import json
import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from bedrock_costs.billing.allocation import bucket_sums
from bedrock_costs.config import QualityConfig, parse_policies
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.entry.cli import main
from bedrock_costs.quality import checks
from bedrock_costs.quality.frames import invocations_frame
from bedrock_costs.quality.results import CheckResult, QualityReport
from bedrock_costs.quality.runner import GreatExpectations
from helpers import branches, key, record, unique_database, write_logs

D = Decimal
COLUMNS = (
    "request_id string, input_tokens bigint, output_tokens bigint, cache_read_tokens bigint, "
    "cache_write_tokens bigint, input_cost decimal(38,12), output_cost decimal(38,12), "
    "cache_read_cost decimal(38,12), cache_write_cost decimal(38,12), unit_cost decimal(38,12), "
    "total_cost decimal(38,12), pricing_status string, status string, currency string, "
    "usage_date date, event_time timestamp, account_id string, identity_arn string"
)


def call(request_id, **changes):
    row = {
        "request_id": request_id,
        "input_tokens": 1000,
        "output_tokens": 200,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "input_cost": D("0.001"),
        "output_cost": D("0.001"),
        "cache_read_cost": D(0),
        "cache_write_cost": D(0),
        "unit_cost": None,
        "total_cost": D("0.002"),
        "pricing_status": "priced",
        "status": "success",
        "currency": "USD",
        "usage_date": date(2026, 7, 14),
        "event_time": datetime(2026, 7, 14, 23, 59, 59),
        "account_id": "111122223333",
        "identity_arn": "arn:aws:sts::111122223333:assumed-role/AppRole/app",
    }
    row.update(changes)
    return row


def validate(spark, rows, config=None):
    frame = spark.createDataFrame([tuple(r.values()) for r in rows], COLUMNS)
    suite = checks.invocation_checks(config or QualityConfig())
    results = GreatExpectations()("invocations", invocations_frame(frame), suite)
    return {r.name: r for r in results}


def test_each_invocation_check_catches_what_it_names_and_passes_good_rows(spark):
    unpriced = {c: None for c in ("input_cost", "output_cost", "cache_read_cost")}
    rows = [
        call("good"),
        call("image", unit_cost=D("0.04"), total_cost=D("0.042")),  # per-unit cost counts too
        call("dup"),
        call("dup"),
        call(None),
        call("neg", output_tokens=-1),
        call("sum", total_cost=D("0.002000000001")),
        call(
            "zero-not-null",
            **unpriced,
            cache_write_cost=None,
            total_cost=D(0),
            pricing_status="no_price",
        ),
        call(
            "vocab",
            **unpriced,
            cache_write_cost=None,
            total_cost=None,
            pricing_status="free",
            status="throttled",
        ),
        call("date", usage_date=date(2026, 7, 15)),
        call("redacted", identity_arn="arn:aws:iam::XXXXXXXXXXXX:user/x", account_id="1234"),
    ]
    results = validate(spark, rows)
    assert len(results) == 20 and {r.policy for r in results.values()} == {"fail", "warn"}
    unexpected = {n: r.unexpected_count for n, r in results.items() if not r.success}
    assert unexpected == {
        "request_id_not_null": 1,
        "request_id_unique": 2,
        "output_tokens_not_negative": 1,
        "total_is_sum_of_parts": 1,
        "unpriced_calls_have_no_cost": 1,
        "pricing_status_in_vocabulary": 1,
        "status_in_vocabulary": 1,
        "usage_date_is_event_date": 1,
        "account_id_is_12_digits": 1,
        "identity_arn_names_an_account": 1,
        "priced_share": 2,  # 9 of 11 priced is below 95 %
    }
    assert results["total_is_sum_of_parts"].examples == [["0.002000000001", "0.002000000000"]]
    assert results["priced_share"].policy == "warn"
    good = validate(
        spark,
        [call("a"), call("b", input_cost=D("0.000000000001"), total_cost=D("0.001000000001"))],
    )
    assert all(r.success for r in good.values())
    assert all(r.success for r in validate(spark, []).values())  # no rows break no rule


def test_policies_and_thresholds_are_configurable_and_checked():
    config = QualityConfig(
        min_priced_share=0.5, policies=parse_policies("priced_share=fail,currency_is_usd=warn")
    )
    policies = {c.name: c.policy for c in checks.invocation_checks(config)}
    assert policies["priced_share"] == "fail" and policies["currency_is_usd"] == "warn"
    assert policies["request_id_unique"] == "fail"
    with pytest.raises(UsageError, match="unknown quality check 'prices_share'"):
        checks.check_policies(QualityConfig(policies={"prices_share": "fail"}))
    checks.check_policies(config)


def test_vocabulary_checks_test_exactly_the_values_the_schemas_declare():
    from bedrock_costs.contract import schemas

    suites = {c.name: c for c in checks.all_checks(QualityConfig())}
    found = suites["pricing_status_in_vocabulary"].expectation.arguments["value_set"]
    assert found == list(schemas.load("invocations").column("pricing_status").allowed)
    assert found == ["priced", "unresolved_model", "unresolved_profile", "no_price"]
    statuses = suites["reconciliation_status_in_vocabulary"].expectation.arguments["value_set"]
    assert "logs_missing" in statuses and len(statuses) == 7


def test_allocations_that_do_not_sum_to_the_bill_fail_per_bucket(spark):
    from bedrock_costs.contract import schemas

    def frame(table, rows):
        schema = schemas.load(table)
        full = [
            {c.name: r.get(c.name) for c in schema.columns} | {"billing_period": "2026-07"}
            for r in rows
        ]
        return spark.createDataFrame(
            [tuple(r.values()) for r in full], schemas.load(table).spark_type()
        )

    bucket = {
        "usage_date": date(2026, 7, 14),
        "account_id": "1",
        "region": "us-east-1",
        "model": "m",
        "token_kind": "input",
        "routing": "regional",
        "tier": "standard",
        "charge_category": "Usage",
    }
    rec = frame(
        "reconciliation",
        [
            bucket | {"cur_unblended_cost": D("1.0"), "status": "matched"},
            bucket | {"token_kind": "output", "cur_unblended_cost": D("2.0"), "status": "matched"},
        ],
    )
    alloc = frame(
        "allocations",
        [
            bucket | {"allocation": "call", "request_id": "a", "allocated_cost": D("0.4")},
            bucket | {"allocation": "call", "request_id": "b", "allocated_cost": D("0.6")},
            bucket
            | {
                "token_kind": "output",
                "allocation": "call",
                "request_id": "a",
                "allocated_cost": D("1.9999999999"),
            },
        ],
    )
    (sums,) = GreatExpectations()(
        "allocations_by_bucket",
        bucket_sums(rec, alloc),
        checks.bucket_sum_checks(QualityConfig()),
    )
    assert not sums.success and sums.unexpected_count == 1
    assert sums.examples == [["1.9999999999", "2.0000000000"]]


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    root = tmp_path_factory.mktemp("quality-logs")
    rows = [record(f"r{i}", inp=1000, out=100, ts=f"2026-07-14T10:{i:02d}:00Z") for i in range(9)]
    rows.append(record("unpriced", model="arn:aws:bedrock:us-east-1:1:provisioned-model/x", inp=5))
    return write_logs(root, {key("us-east-1", "2026-07-14"): rows})


def test_a_failed_gate_exits_3_publishes_nothing_and_keeps_the_results(
    spark, logs, tmp_path, capsys
):
    """Through the command line, with great_expectations deciding: 9 of 10 calls priced."""
    out, database = tmp_path / "out", unique_database()
    common = ["run", "--logs", str(logs), "--output", str(out), "--database", database]
    assert main([*common, "--quiet", "--min-priced-share", "0.9"]) == 0
    assert capsys.readouterr().out == ""  # --quiet prints nothing; 9 of 10 meets 90 %
    first = json.loads(next((out / "_runs").glob("*.json")).read_text())
    assert first["status"] == "succeeded" and first["quality"]["status"] == "passed"
    published = sorted(p.name for p in (out / "invocations").rglob("*.parquet"))

    strict = ["--quality-policy", "priced_share=fail", "--min-priced-share", "0.95", "--json"]
    code = main([*common, *strict])
    captured = capsys.readouterr()
    assert code == 3
    failed = json.loads(captured.out)  # --json: still the summary, and only it
    assert failed["status"] == "quality_failed" and failed["partitions_written"] == []
    assert "quality gate failed (priced_share); nothing was published" in captured.err
    assert (
        "quality fail invocations.priced_share: 1 of 10 rows (10.00 %) unexpected" in captured.err
    )
    assert sorted(p.name for p in (out / "invocations").rglob("*.parquet")) == published
    assert branches(spark, database, "invocations") == {"main"}  # the run's branch is gone
    saved = json.loads((out / "_runs" / f"{failed['run_id']}.json").read_text())
    assert saved == failed
    results = json.loads((out / "_quality" / f"{failed['run_id']}.json").read_text())
    assert results["status"] == "failed" and results["failed"] == ["priced_share"]
    page = (out / "_quality" / f"{failed['run_id']}.html").read_text()
    assert "priced_share" in page and 'class="failed"' in page and "<script" not in page


def test_a_run_that_quarantined_most_of_its_lines_fails_by_default(spark, tmp_path, capsys):
    """1,754 of 1,754 lines quarantined once said "succeeded, quality passed" (issue 17)."""
    for share, success in ((0.5, True), (0.5000001, False), (0.0, True)):
        frame = spark.createDataFrame([(share,)], "quarantined_share double")
        [result] = GreatExpectations()("lines", frame, checks.line_checks(QualityConfig()))
        assert (result.name, result.policy, result.success) == (
            "quarantined_share",
            "fail",
            success,
        )
    logs = write_logs(tmp_path / "logs", {key("us-east-1", "2026-07-14"): ["{x", "[1]", "no"]})
    out, database = tmp_path / "out", unique_database()
    common = ["run", "--logs", str(logs), "--output", str(out), "--database", database]
    assert main([*common, "--quiet"]) == 3
    err = capsys.readouterr().err
    assert "quality gate failed (quarantined_share); nothing was published" in err
    assert not (out / "invocations").exists() or not list((out / "invocations").rglob("*.parquet"))
    (summary,) = [json.loads(p.read_text()) for p in (out / "_runs").glob("*.json")]
    assert summary["status"] == "quality_failed"
    assert "100.0% of the lines read were quarantined (3 of 3)" in " ".join(summary["warnings"])


def test_a_report_is_passed_warned_or_failed_by_its_fail_and_warn_checks():
    def result(name, policy, success):
        return CheckResult("invocations", name, "", policy, success, "x")

    report = QualityReport("r", "job", [result("a", "fail", True), result("b", "warn", True)])
    assert report.status == "passed"
    report.results.append(result("c", "warn", False))
    assert (report.status, [r.name for r in report.warned]) == ("warned", ["c"])
    report.results.append(result("d", "fail", False))
    assert (report.status, [r.name for r in report.failed]) == ("failed", ["d"])
    assert report.summary("/out")["results"] == "/out/_quality/r.json"


def test_usage_and_quality_exit_codes_are_distinct(tmp_path, capsys):
    assert main(["run", "--logs", str(tmp_path / "none"), "--output", str(tmp_path / "o")]) == 2
    assert "the logs path does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["run", "--logs", "x", "--output", "y", "--quiet", "--json"])
    assert exc.value.code == 2  # argparse: the two output modes exclude each other


def test_progress_names_stages_with_elapsed_time_and_counts_tasks_of_long_stages(spark, capsys):
    import time

    from bedrock_costs.entry.options import Progress

    progress = Progress(every=0.1)
    progress("reading 3 log files")
    with progress.watching(spark):
        spark.sparkContext.parallelize(range(4), 4).map(lambda x: time.sleep(0.4) or x).collect()
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "  [   0.0s] reading 3 log files"
    assert any(re.search(r"\] +stage \d+: \d of 4 tasks done \(\d running\)$", e) for e in err)
    Progress(enabled=False)("hidden")
    assert capsys.readouterr().err == ""
