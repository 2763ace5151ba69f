"""The bill's own tags (issue 17 §5): CUR 2.0 `resource_tags` / `tags` — application profiles'
cost allocation tags and IAM principal tags — become bill_tags and bill_tag_<key> /
bill_principal_tag_<key> columns of reconciliation and allocations, every spelling AWS and tools
use is read, and the allocations of each bill tag sum exactly to what the CUR bills it."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from bedrock_costs.billing import bill_tags
from bedrock_costs.config import ReconcileConfig, RunConfig
from bedrock_costs.contract.tag_columns import TagKey
from bedrock_costs.pipelines.invocation_costs import run_invocation_costs
from bedrock_costs.pipelines.reconcile import run_reconcile
from helpers import (
    ACCOUNT,
    HAIKU,
    NoChecks,
    cur_line,
    key,
    price,
    record,
    unique_database,
    write_csv,
    write_cur,
    write_logs,
)

HAIKU_IN = "USE1-Claude4.5Haiku-input-tokens"
ALICE = f"arn:aws:sts::{ACCOUNT}:assumed-role/SearchRole/alice"
BOB = f"arn:aws:sts::{ACCOUNT}:assumed-role/MlRole/bob"
PROFILE_A = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/appa"
PROFILE_B = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/appb"


def tagged(line: dict, *, resource: str | None = None, **maps: dict) -> dict:
    return {**line, "line_item_resource_id": resource, **maps}


def cur() -> list[dict]:
    """Haiku input on one day, billed per principal and profile, with tags in every spelling."""
    return [
        tagged(
            cur_line(HAIKU_IN, "4", "0.004", principal=ALICE),
            resource=PROFILE_A,
            resource_tags={
                "user:application": "alpha",
                "user_tenant": "acme",
                "iamPrincipal/team": "search",
            },
        ),
        tagged(
            cur_line(HAIKU_IN, "2", "0.0021", principal=ALICE),
            resource=PROFILE_B,
            resource_tags={"user:application": "beta", "iamPrincipal/team": "search"},
        ),
        tagged(
            cur_line(HAIKU_IN, "4", "0.004", principal=ALICE),
            tags={"iamPrincipal/team": "search", "iamPrincipal/cost-center": "CC-1"},
        ),
        tagged(cur_line(HAIKU_IN, "1", "0.001", principal=BOB), tags={"iamprincipal_team": "ml"}),
        tagged(
            cur_line(HAIKU_IN, "0", "-0.0005", line_type="Credit", unit=None),
            resource_tags={"aws:createdBy": "Root"},
        ),
    ]


@pytest.fixture(scope="module")
def tagged_month(spark, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bill-tags")
    write_logs(
        folder / "logs",
        {
            key("us-east-1", "2026-07-14"): [
                record("p1", model=PROFILE_A, inp=1000, arn=ALICE, meta={"tenant": "acme"}),
                record("p2", model=PROFILE_A, inp=3000, arn=ALICE),
                record("p3", model=PROFILE_B, inp=2000, arn=ALICE),
                record("d1", inp=4000, arn=ALICE),
                record("b1", inp=1000, arn=BOB),
            ]
        },
    )
    profiles = folder / "profiles.csv"
    profiles.write_text(f"profile_arn,model_id\n{PROFILE_A},{HAIKU}\n{PROFILE_B},{HAIKU}\n")
    pricing = write_csv(folder / "prices.csv", [price()])
    database, out = unique_database(), str(folder / "out")
    run = RunConfig(
        str(folder / "logs"), out, pricing, database=database, profiles_path=str(profiles)
    )
    run_invocation_costs(spark, run, validator=NoChecks())
    write_cur(spark, folder / "cur", cur())
    config = ReconcileConfig(out, str(folder / "cur"), pricing_path=pricing, database=database)
    [summary] = run_reconcile(spark, config, validator=NoChecks())
    return {
        "database": database,
        "summary": summary,
        "alloc": spark.table(f"{database}.allocations").collect(),
        "rec": spark.table(f"{database}.reconciliation").collect(),
        "columns": {
            t: spark.table(f"{database}.{t}").columns for t in ("reconciliation", "allocations")
        },
        "out": Path(out),
    }


CANONICAL = {
    "user:application",
    "user:tenant",
    "iamPrincipal/team",
    "iamPrincipal/cost-center",
    "aws:createdBy",
}


def cur_total_by_tag() -> dict[tuple[str, str], Decimal]:
    """What the CUR bills each tag, summed here from the lines themselves."""
    canonical = {
        "user_tenant": "user:tenant",
        "iamprincipal_team": "iamPrincipal/team",
    }
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in cur():
        tags = {**(line.get("resource_tags") or {}), **(line.get("tags") or {})}
        for raw, value in tags.items():
            cost = Decimal(repr(line["line_item_unblended_cost"]))
            totals[(canonical.get(raw, raw), value)] += cost
    return dict(totals)


def test_allocations_per_bill_tag_are_what_the_cur_bills_it_exactly(tagged_month):
    got: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in tagged_month["alloc"]:
        for tag, value in (row.bill_tags or {}).items():
            got[(tag, value)] += row.allocated_cost
    assert dict(got) == cur_total_by_tag()
    assert {t for t, _ in got} == CANONICAL
    assert got[("iamPrincipal/team", "search")] == Decimal("0.0101")
    assert got[("user:application", "alpha")] == Decimal("0.004")


def test_a_profiles_dollars_go_to_the_calls_made_through_it(tagged_month):
    usage = {
        (r.request_id, r.resource_id): r.allocated_cost
        for r in tagged_month["alloc"]
        if r.charge_category == "Usage"
    }
    assert usage == {
        ("p1", PROFILE_A): Decimal("0.001"),  # a's 0.004 by estimate: 1000 and 3000 tokens
        ("p2", PROFILE_A): Decimal("0.003"),
        ("p3", PROFILE_B): Decimal("0.0021"),  # b's bill, over the estimate, all its own
        ("d1", None): Decimal("0.004"),  # Alice's line without a profile: her other call
        ("b1", None): Decimal("0.001"),
    }
    credit = [r for r in tagged_month["alloc"] if r.charge_category == "Credit"]
    assert sum(r.allocated_cost for r in credit) == Decimal("-0.0005")
    assert {r.request_id for r in credit} == {"p1", "p2", "p3", "d1", "b1"}  # no principal
    assert all(r.bill_tags == {"aws:createdBy": "Root"} for r in credit)


def test_bill_tags_become_columns_of_both_tables(tagged_month):
    wanted = {
        "bill_tag_application",
        "bill_tag_tenant",
        "bill_tag_aws_createdby",
        "bill_principal_tag_team",
        "bill_principal_tag_cost_center",
    }
    for table, columns in tagged_month["columns"].items():
        assert wanted <= set(columns), table
        assert "tag_tenant" not in columns  # log tags stay in request_metadata here
    p1 = next(r for r in tagged_month["alloc"] if r.request_id == "p1" and r.resource_id)
    assert (p1.bill_tag_application, p1.bill_tag_tenant, p1.bill_principal_tag_team) == (
        "alpha",
        "acme",
        "search",
    )
    assert p1.request_metadata == {"tenant": "acme"}  # the log's tenant, kept beside it


def test_reconciliation_keeps_the_tags_a_buckets_lines_share(tagged_month):
    usage = {r.principal: r for r in tagged_month["rec"] if r.charge_category == "Usage"}
    alice, bob = usage[ALICE], usage[BOB]
    assert (alice.cur_tag_sets, alice.bill_tags) == (3, {"iamPrincipal/team": "search"})
    assert (alice.bill_principal_tag_team, alice.bill_tag_application) == ("search", None)
    assert (alice.calls, alice.cur_unblended_cost) == (4, Decimal("0.0101"))
    assert (bob.cur_tag_sets, bob.bill_principal_tag_team) == (1, "ml")


def test_the_summary_names_the_columns_and_the_key_spellings_seen(tagged_month):
    tags = tagged_month["summary"].bill_tags
    assert tags["columns"] == [
        "bill_tag_application",
        "bill_tag_aws_createdby",
        "bill_tag_tenant",
        "bill_principal_tag_team",
        "bill_principal_tag_cost_center",
    ]
    assert tags["not_promoted"] == []
    assert tags["key_spellings"] == ["aws:", "iamPrincipal/", "iamprincipal_", "user:", "user_"]
    assert "bill tags            5 column(s)" in tagged_month["summary"].human()


def test_every_documented_spelling_becomes_one_canonical_key(spark):
    frame = spark.createDataFrame(
        [
            (
                {"user_Team": "a", "aws_createdBy": "r", "IAMPRINCIPAL_dept": "d", "odd": "o"},
                {"resourceTags/user:env": "prod", "iamPrincipal/team": "t"},
            )
        ],
        "resource_tags map<string,string>, tags map<string,string>",
    )
    [row] = frame.select(bill_tags.line_tags(frame).alias("m")).collect()
    assert row.m == {
        "user:Team": "a",
        "aws:createdBy": "r",
        "iamPrincipal/dept": "d",
        "odd": "o",
        "user:env": "prod",
        "iamPrincipal/team": "t",
    }


def test_the_plan_keeps_existing_columns_and_bounds_each_kind():
    usage = [
        ("bill_tag_", TagKey("app", 9, ("user:app",))),
        ("bill_tag_", TagKey("env", 5, ("user:env",))),
        ("bill_tag_", TagKey("x" * 247, 7, ("user:" + "x" * 247,))),  # over 255 with the prefix
        ("bill_principal_tag_", TagKey("team", 3, ("iamPrincipal/team",))),
    ]
    plan = bill_tags.plan(usage, ["bill_tag_old"], limit=2)
    assert plan.columns == ("bill_tag_old", "bill_tag_app", "bill_principal_tag_team")
    assert [k.key for k in plan.not_promoted] == ["bill_tag_env", "bill_tag_" + "x" * 247]


def test_the_bill_tag_view_sums_to_what_the_cur_bills_each_tag(spark, tagged_month):
    from bedrock_costs.deploy.views import create_statements

    views = f"spark_catalog.{tagged_month['database']}"
    spark.sql(f"CREATE DATABASE IF NOT EXISTS {views}")
    for _, statement in create_statements(tagged_month["database"], "spark", views_in=views):
        spark.sql(statement)
    found: dict[tuple[str, str], int] = defaultdict(int)
    groups: dict[tuple[str, str], int] = defaultdict(int)
    sources = {}
    for r in spark.table(f"{views}.allocated_cost_by_bill_tag").collect():
        found[(r.tag_key, r.tag_value)] += r.allocated_nano_usd
        groups[(r.tag_key, r.tag_value)] += 1
        sources[r.tag_key] = r.tag_source
    nano = {k: int(v * 1_000_000_000) for k, v in cur_total_by_tag().items()}
    assert set(found) == set(nano)
    for tag, expected in nano.items():  # each view row is rounded to the nano-dollar
        assert abs(found[tag] - expected) * 2 <= groups[tag], tag
    assert sources == {
        "user:application": "cost_allocation",
        "user:tenant": "cost_allocation",
        "aws:createdBy": "aws_generated",
        "iamPrincipal/team": "iam_principal",
        "iamPrincipal/cost-center": "iam_principal",
    }


def test_focus_tags_carry_the_log_and_the_bill_tags_apart(spark, tagged_month):
    import json
    from datetime import date

    from bedrock_costs.billing.focus import from_allocations

    allocations = spark.table(f"{tagged_month['database']}.allocations")
    rows = from_allocations(allocations, date(2026, 7, 1)).where("x_RequestId = 'p1'").collect()
    tags = [json.loads(r.Tags) for r in rows if r.ChargeCategory == "Usage"]
    assert tags == [
        {
            "tenant": "acme",
            "user:application": "alpha",
            "user:tenant": "acme",
            "iamPrincipal/team": "search",
        }
    ]
