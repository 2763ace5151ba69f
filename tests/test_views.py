"""The dashboard views, executed: the Spark rendering runs against real tables, and the Athena
rendering differs from it only in how request_metadata is unnested."""

from decimal import Decimal

import pytest

from bedrock_costs.config import RunConfig
from bedrock_costs.job import run_invocation_costs
from bedrock_costs.reconcile_job import ReconcileConfig, run_reconcile
from bedrock_costs.views import COLUMNS, VIEWS, create_statements, view_sql
from helpers import (
    cur_line,
    key,
    price,
    record,
    unique_database,
    write_csv,
    write_cur,
    write_logs,
)


@pytest.fixture(scope="module")
def database(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("views")
    write_logs(
        root / "logs",
        {
            key("us-east-1", "2026-07-14"): [
                record("a", inp=1000, out=200, meta={"tenant": "acme", "app": "bot"}),
                record("b", inp=3000, out=600, meta={"tenant": "globex"}),
                record("c", inp=7, arn="arn:aws:iam::111122223333:user/carol"),
            ]
        },
    )
    pricing = write_csv(root / "prices.csv", [price()])
    db = unique_database()
    out = str(root / "out")
    run_invocation_costs(spark, RunConfig(str(root / "logs"), out, pricing, database=db))
    write_cur(
        spark,
        root / "cur",
        [
            cur_line("USE1-Claude4.5Haiku-input-tokens", "4.007", "0.005"),
            cur_line("USE1-Claude4.5Haiku-output-tokens", "0.8", "0.004"),
        ],
    )
    run_reconcile(spark, ReconcileConfig(out, str(root / "cur"), pricing_path=pricing, database=db))
    for _, statement in create_statements(db, "spark"):
        spark.sql(statement)
    return db


def nano(value: Decimal) -> int:
    return int((value * 1_000_000_000).to_integral_value())


def test_cost_by_model_exposes_double_and_exact_nano_dollars(spark, database):
    rows = spark.table(f"{database}.daily_cost_by_model").collect()  # one per tenant
    exact = sum(r.total_cost for r in spark.table(f"{database}.invocations").collect())
    assert [sum(r[c] for r in rows) for c in ("calls", "input_tokens", "output_tokens")] == [
        3,
        4007,
        800,
    ]
    assert sum(r.cost_nano_usd for r in rows) == nano(exact) == 8_007_000
    (globex,) = [r for r in rows if r.tenant == "globex"]
    assert globex.cost_usd == pytest.approx(0.006, rel=1e-15)


def test_cost_by_tag_and_principal(spark, database):
    tags = {
        (r.tag_key, r.tag_value): r.cost_nano_usd
        for r in spark.table(f"{database}.daily_cost_by_tag").collect()
    }
    assert tags == {
        ("tenant", "acme"): 2_000_000,
        ("tenant", "globex"): 6_000_000,
        ("app", "bot"): 2_000_000,
    }
    people = {
        (r.principal_type, r.principal_name, r.tenant): r.calls
        for r in spark.table(f"{database}.daily_cost_by_principal").collect()
    }
    assert people == {
        ("assumed_role", "AppRole", "acme"): 1,
        ("assumed_role", "AppRole", "globex"): 1,
        ("iam_user", "carol", None): 1,
    }


def test_reconciliation_and_allocation_views_add_up_to_the_bill(spark, database):
    status = {
        (r.token_kind, r.status): (r.billed_nano_usd, r.estimated_nano_usd)
        for r in spark.table(f"{database}.reconciliation_status").collect()
    }
    assert status == {
        ("input", "under"): (5_000_000, 4_007_000),
        ("output", "matched"): (4_000_000, 4_000_000),
    }
    by_tag = {
        r.tag_value: r.allocated_nano_usd
        for r in spark.table(f"{database}.allocated_cost_by_tag").collect()
        if r.tag_key == "tenant"
    }
    by_principal = spark.table(f"{database}.allocated_cost_by_principal").collect()
    assert sum(r.allocated_nano_usd for r in by_principal) == 9_000_000  # the CUR total
    assert by_tag["acme"] + by_tag["globex"] < 9_000_000  # carol's call carries no tenant tag


def test_declared_columns_are_what_the_views_return(spark, database):
    for name in VIEWS:
        schema = spark.table(f"{database}.{name}").schema
        assert tuple((f.name, f.dataType.simpleString()) for f in schema) == COLUMNS[name], name


def test_athena_text_differs_only_in_the_unnest():
    for name in VIEWS:
        athena, spark_sql = view_sql(name, "db", "athena"), view_sql(name, "db", "spark")
        if "UNNEST" in athena:
            assert "CROSS JOIN UNNEST(" in athena and "LATERAL VIEW explode(" in spark_sql
            assert athena.split(" FROM ")[0] == spark_sql.split(" FROM ")[0]
            assert athena.split(" GROUP BY ")[1] == spark_sql.split(" GROUP BY ")[1]
        else:
            assert athena == spark_sql
    assert [n for n, _ in create_statements("db")] == list(VIEWS)


def test_tenant_column_is_the_tenant_tag_as_the_job_promotes_it(spark, database):
    by_tenant = {
        r.tenant: r.cost_nano_usd for r in spark.table(f"{database}.daily_cost_by_model").collect()
    }
    promoted = {
        r.tag_tenant: nano(r.total_cost) for r in spark.table(f"{database}.invocations").collect()
    }
    assert by_tenant == promoted == {"acme": 2_000_000, "globex": 6_000_000, None: 7_000}
    allocated = {r.tenant for r in spark.table(f"{database}.allocated_cost_by_principal").collect()}
    assert allocated == {"acme", "globex", None}
    # another tag as the tenant: the key is matched after sanitizing, as tag_<key> columns are
    spark.sql(
        f"CREATE OR REPLACE TEMPORARY VIEW by_app AS "
        f"{view_sql('daily_cost_by_principal', database, 'spark', tenant_tag=' APP ')}"
    )
    apps = {(r.principal_name, r.tenant) for r in spark.table("by_app").collect()}
    assert apps == {("AppRole", "bot"), ("AppRole", None), ("carol", None)}
