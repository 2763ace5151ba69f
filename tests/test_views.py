"""The dashboard views, executed: the Spark rendering runs against the hand-made month's tables
(every figure checked against the tables read independently with pyarrow), and the Athena
rendering differs from it only in how request_metadata is unnested."""

from collections import defaultdict
from decimal import Decimal

import pytest

from bedrock_costs.deploy.views import COLUMNS, VIEWS, create_statements, view_sql
from helpers import rows


@pytest.fixture(scope="module")
def database(spark, hand_month):
    """Where the views are: Spark's built-in catalog (Spark 3.5 does not resolve GROUP BY
    ordinals inside Iceberg views), over the month's Iceberg tables."""
    views = f"spark_catalog.{hand_month['database']}"
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {views}")
    for _, statement in create_statements(hand_month["database"], "spark", views_in=views):
        spark.sql(statement)
    return views


def tables_of(views: str) -> str:
    """The tables' database (the default catalog) of the views' `spark_catalog.<database>`."""
    return views.removeprefix("spark_catalog.")


@pytest.fixture(scope="module")
def tables(spark, hand_month) -> dict[str, list[dict]]:
    database = hand_month["database"]
    return {
        t: [r.asDict() for r in rows(spark, database, t)] for t in ("invocations", "allocations")
    }


def nano(value: Decimal) -> int:
    return int((value * 1_000_000_000).to_integral_value())


def test_cost_by_model_exposes_double_and_exact_nano_dollars(spark, database, tables):
    rows = spark.table(f"{database}.daily_cost_by_model").collect()
    calls = tables["invocations"]
    assert [sum(r[c] for r in rows) for c in ("calls", "input_tokens", "output_tokens")] == [
        len(calls),
        sum(c["input_tokens"] for c in calls),
        sum(c["output_tokens"] for c in calls),
    ]
    exact = sum(c["total_cost"] for c in calls if c["total_cost"] is not None)
    assert sum(r.cost_nano_usd or 0 for r in rows) == nano(exact)
    (globex,) = [r for r in rows if r.tenant == "globex"]
    assert globex.cost_usd == pytest.approx(0.006, rel=1e-15)  # 3000 in, 600 out at 1 / 5 USD


def test_cost_by_tag_and_principal(spark, database, tables):
    tags: dict = defaultdict(Decimal)
    for call in tables["invocations"]:
        for item in (call["request_metadata"] or {}).items():
            tags[item] += call["total_cost"] or 0
    found = {
        (r.tag_key, r.tag_value): r.cost_nano_usd
        for r in spark.table(f"{database}.daily_cost_by_tag").collect()
    }
    assert found == {k: nano(v) for k, v in tags.items()}
    assert set(found) == {("tenant", "acme"), ("tenant", "globex"), ("app", "bot")}
    people: dict = defaultdict(int)
    for call in tables["invocations"]:
        people[(call["principal_type"], call["principal_name"], call["tag_tenant"])] += 1
    found_people: dict = defaultdict(int)
    for r in spark.table(f"{database}.daily_cost_by_principal").collect():  # one row per day
        found_people[(r.principal_type, r.principal_name, r.tenant)] += r.calls
    assert found_people == people
    assert people[("iam_user", "carol", None)] == 1


def test_reconciliation_and_allocation_views_add_up_to_the_bill(spark, database, tables):
    billed = sum(r["allocated_cost"] for r in tables["allocations"])
    by_principal = spark.table(f"{database}.allocated_cost_by_principal").collect()
    assert sum(r.allocated_nano_usd for r in by_principal) == nano(billed)
    status = spark.table(f"{database}.reconciliation_status").collect()
    reconciliation = spark.table(f"{tables_of(database)}.reconciliation").collect()
    assert sum(r.billed_nano_usd or 0 for r in status) == nano(
        sum(r.cur_unblended_cost or 0 for r in reconciliation)
    )
    by_tag: dict = defaultdict(int)  # one row per day and charge category
    for r in spark.table(f"{database}.allocated_cost_by_tag").collect():
        if r.tag_key == "tenant":
            by_tag[r.tag_value] += r.allocated_nano_usd
    tenant: dict = defaultdict(Decimal)
    for row in tables["allocations"]:
        value = dict(row["request_metadata"] or []).get("tenant")
        if value:
            tenant[value] += row["allocated_cost"]
    assert by_tag == {k: nano(v) for k, v in tenant.items()}


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


def test_tenant_column_is_the_tenant_tag_as_the_job_promotes_it(spark, database, tables):
    by_tenant: dict = defaultdict(int)
    for r in spark.table(f"{database}.daily_cost_by_model").collect():
        by_tenant[r.tenant] += r.cost_nano_usd or 0
    promoted: dict = defaultdict(int)
    for call in tables["invocations"]:
        promoted[call["tag_tenant"]] += nano(call["total_cost"] or Decimal(0))
    assert by_tenant == promoted and set(promoted) == {"acme", "globex", None}
    allocated = {r.tenant for r in spark.table(f"{database}.allocated_cost_by_principal").collect()}
    assert allocated == {"acme", "globex", None}
    # another tag as the tenant: the key is matched after sanitizing, as tag_<key> columns are
    spark.sql(
        f"CREATE OR REPLACE TEMPORARY VIEW by_app AS "
        f"{view_sql('daily_cost_by_principal', tables_of(database), 'spark', tenant_tag=' APP ')}"
    )
    apps = {(r.principal_name, r.tenant) for r in spark.table("by_app").collect()}
    assert apps == {("AppRole", None), ("carol", "bot")}
