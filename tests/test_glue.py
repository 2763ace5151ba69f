"""The Glue job scripts in jobs/: with a stand-in Glue runtime (tests/fakes/awsglue, which like
the real getResolvedOptions requires every argument it is asked for) and without one."""

import dataclasses
import json
import runpy
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from bedrock_costs.contract.errors import QualityGateError
from bedrock_costs.entry import glue
from helpers import (
    HAIKU,
    copy_tables,
    key,
    price,
    record,
    rows,
    unique_database,
    write_csv,
    write_logs,
)

ROOT = Path(__file__).parent.parent
FAKES = Path(__file__).parent / "fakes"
pytestmark = pytest.mark.usefixtures("no_gx")


def _forget_glue() -> None:
    while str(FAKES) in sys.path:
        sys.path.remove(str(FAKES))
    for name in [m for m in sys.modules if m == "awsglue" or m.startswith("awsglue.")]:
        del sys.modules[name]


@pytest.fixture()
def script():
    """A job script's main(), with the stand-in Glue runtime importable or not."""

    def load(name: str, with_glue: bool):
        _forget_glue()
        if with_glue:
            sys.path.insert(0, str(FAKES))
        return runpy.run_path(str(ROOT / "jobs" / name), run_name="glue_job")["main"]

    yield load
    _forget_glue()


def with_defaults(job: glue.GlueJob, argv: list[str]) -> list[str]:
    """What Glue passes: the job's default arguments (as deploy.sh sets them), then the run's."""
    given = dict(zip(argv[1::2], argv[2::2], strict=True))
    merged = {**job.default_arguments(), **given}
    return [argv[0], *[part for pair in merged.items() for part in pair]]


def arguments(tmp_path, out: str, database: str, *extra: str) -> list[str]:
    write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14"): [
                record("a", inp=10, out=5, meta={"tenant": "acme"}),
                record("b", model=f"global.{HAIKU}", inp=3),
            ]
        },
    )
    pricing = write_csv(tmp_path / "prices.csv", [price()])
    return [
        "invocation_costs.py",
        *("--JOB_NAME", "bedrock-costs-invocations"),
        *("--logs_path", str(tmp_path / "logs"), "--output_path", str(tmp_path / out)),
        *("--pricing_path", pricing, "--database", database),
        *extra,
    ]


def test_the_cost_job_in_glue_inits_runs_and_commits(spark, tmp_path, script):
    database = unique_database()
    argv = arguments(tmp_path, "glue-out", database, "--start_date", "2026-07-14")
    script("invocation_costs.py", True)(
        with_defaults(glue.INVOCATION_COSTS, [*argv, "--end_date", "2026-07-14"])
    )
    from awsglue import CALLS

    names = tuple(glue.INVOCATION_COSTS.names)
    assert [
        ("getResolvedOptions", names),
        ("GlueContext", "SparkContext"),
        ("Job", "GlueContext"),
        ("init", "bedrock-costs-invocations", tuple(sorted(names))),
        ("commit",),
    ] == CALLS
    assert {r.request_id for r in spark.table(f"{database}.invocations").take(10)} == {"a", "b"}
    summary = json.loads(next((tmp_path / "glue-out" / "_runs").glob("*.json")).read_text())
    assert summary["window"] == {"start": "2026-07-14", "end": "2026-07-14"}


def test_without_glue_the_script_takes_only_what_is_given_and_runs_the_same_work(
    spark, tmp_path, script, monkeypatch
):
    done = []
    job = dataclasses.replace(glue.INVOCATION_COSTS, work=lambda s, c: done.append((s, c)))
    monkeypatch.setattr(glue, "INVOCATION_COSTS", job)
    plain = arguments(tmp_path, "plain-out", "db")
    script("invocation_costs.py", False)(plain)
    assert "awsglue" not in sys.modules  # the plain path never touched Glue
    ((session, config),) = done
    assert session is spark  # a local session (here the tests' own, already active)
    in_glue = with_defaults(glue.INVOCATION_COSTS, plain)
    as_glue = {k.removeprefix("--"): v for k, v in zip(in_glue[1::2], in_glue[2::2], strict=True)}
    assert config == glue.INVOCATION_COSTS.configure(as_glue)  # the same config either way


def test_a_required_argument_left_out_is_a_usage_error_naming_it(tmp_path):
    argv = ["invocation_costs.py", "--logs_path", "l", "--output_path", "o"]
    with pytest.raises(SystemExit):  # argparse, as getResolvedOptions: exit 2 and the name
        glue.local_resolved_options(argv, glue.INVOCATION_COSTS.names, ["pricing_path"])


def test_the_reconcile_job_reconciles_and_exports_focus(spark, tmp_path, script, hand_month):
    out = tmp_path / "out"
    database = copy_tables(
        spark, hand_month["database"], ["invocations"], out, hand_month["tag_columns"]
    )
    argv = [
        "cur_reconcile.py",
        *("--JOB_NAME", "bedrock-costs-reconcile", "--output_path", str(out)),
        *("--cur_path", hand_month["cur"], "--database", database),
        *("--pricing_path", hand_month["pricing"]),
    ]
    script("cur_reconcile.py", True)(with_defaults(glue.CUR_RECONCILE, argv))
    from awsglue import CALLS

    assert CALLS[0] == ("getResolvedOptions", tuple(glue.CUR_RECONCILE.names))
    assert CALLS[-1] == ("commit",)
    mine = sorted(map(str, rows(spark, database, "reconciliation")))
    assert mine == sorted(map(str, rows(spark, hand_month["database"], "reconciliation")))
    focus = spark.table(f"{database}.focus").collect()
    assert {r.x_CostBasis for r in focus} == {"allocated"}
    billed = sum(r.allocated_cost for r in rows(spark, database, "allocations"))
    assert sum(r.BilledCost for r in focus) == billed != Decimal(0)


def test_a_failed_quality_gate_fails_the_glue_run_before_commit(tmp_path, script, monkeypatch):
    def gate_fails(spark, config):
        raise QualityGateError("r", ["priced_share"], [], "page.html")

    job = dataclasses.replace(glue.INVOCATION_COSTS, work=gate_fails)
    monkeypatch.setattr(glue, "INVOCATION_COSTS", job)
    argv = arguments(tmp_path, "glue-out", "db", "--quality_policy", "priced_share=fail")
    with pytest.raises(QualityGateError, match=r"quality gate failed \(priced_share\)"):
        script("invocation_costs.py", True)(with_defaults(glue.INVOCATION_COSTS, argv))
    from awsglue import CALLS

    assert CALLS[-1][0] == "init" and ("commit",) not in CALLS  # the run fails: no bookmark


def test_the_default_arguments_cover_every_optional_setting_and_mean_unset(capsys):
    assert glue.main(["defaults", "invocation-costs"]) == 0
    defaults = json.loads(capsys.readouterr().out)
    optional = {f"--{s.glue_name}" for s in glue.INVOCATION_COSTS.settings} - {
        "--logs_path",
        "--output_path",
        "--pricing_path",
    }
    assert set(defaults) == optional
    assert defaults["--database"] == "bedrock_costs" and defaults["--max_tag_columns"] == "50"
    assert defaults["--start_date"] == defaults["--trailing_days"] == "none"
    base = {"logs_path": "l", "output_path": "o", "pricing_path": "p"}
    config = glue.INVOCATION_COSTS.configure(
        {**{k.removeprefix("--"): v for k, v in defaults.items()}, **base}
    )
    assert config.window is None and config.profiles_path is None
    assert config.quality.policies == {} and config.unit_pricing_path is None


def test_in_glue_the_maintenance_waits_while_a_cost_or_reconcile_run_is_in_progress(
    monkeypatch, capsys
):
    """deploy.sh's <prefix>-maintain asks Glue (GetJobRuns) for the other two jobs' runs."""
    from helpers import stubbed

    def runs(job: str, *states: str) -> tuple:
        found = [{"Id": f"jr_{n}", "JobName": job, "JobRunState": s} for n, s in enumerate(states)]
        return "get_job_runs", {"JobRuns": found}, {"JobName": job, "MaxResults": 50}

    with stubbed("glue", monkeypatch) as (client, stubber):
        monkeypatch.setattr("bedrock_costs.io.aws.client", lambda service, region=None: client)
        for answer in (
            runs("bc-invocation-costs", "SUCCEEDED", "RUNNING"),  # a backfill in progress
            runs("bc-cur-reconcile", "SUCCEEDED"),
            runs("bc-invocation-costs", "SUCCEEDED", "SUCCEEDED"),
        ):
            stubber.add_response(*answer)
        stubber.add_client_error(  # a deployment without a CUR has no reconcile job
            "get_job_runs",
            "EntityNotFoundException",
            expected_params={"JobName": "bc-cur-reconcile", "MaxResults": 50},
        )
        glue.wait_for_writers("bc-maintain", poll=0)
        assert capsys.readouterr().out == "waiting for bc-invocation-costs to finish\n"
        for answer in (runs("bc-invocation-costs", "WAITING"), runs("bc-cur-reconcile")):
            stubber.add_response(*answer)
        glue.wait_for_writers("bc-maintain", poll=0, patience=0)  # it goes ahead at last
        assert capsys.readouterr().out.startswith("still running after 0 s: bc-invocation-costs")
        glue.wait_for_writers("bedrock-costs-local", poll=0)  # not deploy.sh's: no request
