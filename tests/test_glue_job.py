import runpy
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from helpers import HAIKU, key, price, record, unique_database, write_csv, write_logs

ROOT = Path(__file__).parent.parent
FAKES = Path(__file__).parent / "fakes"


def _forget_glue() -> None:
    while str(FAKES) in sys.path:
        sys.path.remove(str(FAKES))
    for name in [m for m in sys.modules if m == "awsglue" or m.startswith("awsglue.")]:
        del sys.modules[name]


@pytest.fixture()
def glue_main():
    """The job script's main(), with the fake Glue runtime importable or not."""

    def load(with_glue: bool):
        _forget_glue()
        if with_glue:
            sys.path.insert(0, str(FAKES))
        return runpy.run_path(str(ROOT / "jobs" / "invocation_costs.py"), run_name="glue_job")[
            "main"
        ]

    yield load
    _forget_glue()


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
        "--JOB_NAME",
        "bedrock-costs-invocations",
        "--logs_path",
        str(tmp_path / "logs"),
        "--output_path",
        str(tmp_path / out),
        "--pricing_path",
        pricing,
        "--database",
        database,
        *extra,
    ]


def rows(spark, path):
    return sorted(map(str, spark.read.parquet(str(path)).take(100)))


def test_glue_entry_point_inits_runs_and_commits_the_job(spark, tmp_path, glue_main):
    database = unique_database()
    glue_main(True)(
        arguments(
            tmp_path, "glue-out", database, "--start_date", "2026-07-14", "--end_date", "2026-07-14"
        )
    )
    from awsglue import CALLS

    names = [
        "JOB_NAME",
        "logs_path",
        "output_path",
        "pricing_path",
        "start_date",
        "end_date",
        "database",
    ]
    assert [
        ("getResolvedOptions", tuple(names)),
        ("GlueContext", "SparkContext"),
        ("Job", "GlueContext"),
        ("init", "bedrock-costs-invocations", tuple(sorted(names))),
        ("commit",),
    ] == CALLS
    assert {r.request_id for r in spark.table(f"{database}.invocations").take(10)} == {"a", "b"}


def test_glue_entry_point_without_glue_writes_the_same_tables(spark, tmp_path, glue_main):
    glue_main(True)(arguments(tmp_path, "glue-out", unique_database()))
    import awsglue

    glue_calls = awsglue.CALLS
    glue_main(False)(arguments(tmp_path, "plain-out", unique_database()))
    assert (
        "awsglue" not in sys.modules and len(glue_calls) == 5
    )  # the plain path never touched Glue
    glue_rows = rows(spark, tmp_path / "glue-out" / "invocations")
    assert len(glue_rows) == 2 and glue_rows == rows(spark, tmp_path / "plain-out" / "invocations")


def test_cur_reconcile_entry_point_reconciles_and_exports_focus(spark, tmp_path, glue_main):
    from helpers import cur_line, write_cur

    database = unique_database()
    glue_main(False)(arguments(tmp_path, "out", database))
    write_cur(
        spark, tmp_path / "cur", [cur_line("USE1-Claude4.5Haiku-input-tokens", "0.01", "0.00001")]
    )
    _forget_glue()
    sys.path.insert(0, str(FAKES))
    main = runpy.run_path(str(ROOT / "jobs" / "cur_reconcile.py"), run_name="glue_job")["main"]
    main(
        [
            "cur_reconcile.py",
            "--JOB_NAME",
            "bedrock-costs-reconcile",
            "--output_path",
            str(tmp_path / "out"),
            "--cur_path",
            str(tmp_path / "cur"),
            "--database",
            database,
        ]
    )
    from awsglue import CALLS

    names = ("JOB_NAME", "output_path", "cur_path", "database")
    assert CALLS[0] == ("getResolvedOptions", names) and CALLS[-1] == ("commit",)
    statuses = {
        (r.token_kind, r.routing): r.status
        for r in spark.table(f"{database}.reconciliation").collect()
    }
    assert statuses == {
        ("input", "regional"): "matched",
        ("output", "regional"): "cur_missing",
        ("input", "global"): "cur_missing",
    }
    focus = spark.table(f"{database}.focus").collect()
    assert {(r.x_RequestId, r.BilledCost) for r in focus} == {("a", Decimal("0.00001"))}


def test_a_failed_quality_gate_fails_the_glue_run_before_commit(spark, tmp_path, glue_main):
    from bedrock_costs.quality import QualityGateError

    database = unique_database()
    argv = arguments(tmp_path, "glue-out", database, "--quality_policy", "priced_share=fail")
    write_logs(  # one call of two unpriceable: below the 95 % priced share
        tmp_path / "logs",
        {key("us-east-1", "2026-07-14", "11"): [record("c", model="arn:aws:bedrock:x", inp=1)]},
    )
    with pytest.raises(QualityGateError, match=r"quality gate failed \(priced_share\)"):
        glue_main(True)(argv)
    from awsglue import CALLS

    assert ("commit",) not in CALLS  # the Glue run fails: no bookmark, alarms fire
    assert not (tmp_path / "glue-out" / "invocations").exists()
    assert not spark.catalog.tableExists(f"{database}.invocations")
    assert list((tmp_path / "glue-out" / "_quality").glob("*.html"))
