"""Reconciliation and allocation end to end on a hand-made month: logs -> run -> CUR -> tables."""

from decimal import Decimal

import pytest

from bedrock_costs.config import RunConfig
from bedrock_costs.job import run_invocation_costs
from bedrock_costs.reconcile_job import ReconcileConfig, run_reconcile
from helpers import (
    HAIKU,
    NOVA,
    cur_line,
    key,
    price,
    record,
    unique_database,
    write_csv,
    write_logs,
)

BEDROCK = {"product_code": "AmazonBedrock", "product_name": "Amazon Bedrock"}
HAIKU_IN = "USE1-Claude4.5Haiku-input-tokens"
MARKETPLACE = {
    "product_code": "prodx",
    "product_name": "Claude 3 Haiku (Amazon Bedrock Edition)",
    "entity": "AWS Marketplace",
    "unit": "Units",
}


def cur_lines(global_input_cost: str = "0.0006") -> list[dict]:
    return [
        cur_line(HAIKU_IN, "4", "0.004"),
        cur_line("USE1-Claude4.5Haiku-output-tokens", "0.8", "0.00404"),  # 1 % off: matched
        cur_line("USE1-Claude4.5Haiku-cache-read-input-token-count", "3", "0.0003"),
        cur_line(f"{HAIKU_IN}-cross-region-global", "0.5", global_input_cost),
        cur_line("USE1-NovaMicro-input-tokens", "0.1", "0.0000035", **BEDROCK),
        cur_line("USW2-NovaLite-input-tokens", "2", "0.00012", region="us-west-2", **BEDROCK),
        cur_line("USE1-Mystery-input-tokens", "1", "0.5", **BEDROCK),
        cur_line(HAIKU_IN, "0", "-0.001", line_type="Credit", unit=None),
        cur_line("USE1-TimedStorage-ByteHrs", "1", "1", product_code="AmazonS3", unit="GB-Mo"),
        cur_line("USE1-MP:USE1_OutputTokenCount-Units", "0.000002", "0.0000025", **MARKETPLACE),
        cur_line(HAIKU_IN, "0.003", "0.000000001", day="2026-07-16"),
    ]


@pytest.fixture(scope="module")
def month(spark, tmp_path_factory):
    from helpers import write_cur

    root = tmp_path_factory.mktemp("month")
    write_logs(
        root / "logs",
        {
            key("us-east-1", "2026-07-14"): [
                record("a", inp=1000, out=200, cr=3000, meta={"tenant": "acme"}),
                record("b", inp=3000, out=600, meta={"tenant": "globex"}),
                record("c", model=f"global.{HAIKU}", inp=500),
                record("d", model=f"us.{NOVA}", inp=100),
            ],
            key("us-east-1", "2026-07-15"): [record("h", ts="2026-07-15T09:00:00Z", inp=10)],
            key("us-east-1", "2026-07-16"): [
                record(r, ts="2026-07-16T09:00:00Z", inp=1) for r in ("g", "e", "f")
            ],
        },
    )
    pricing = write_csv(root / "prices.csv", [price()])
    database = unique_database()
    out = str(root / "out")
    run_invocation_costs(spark, RunConfig(str(root / "logs"), out, pricing, database=database))
    drop = ("line_item_iam_principal", "line_item_net_unblended_cost")  # an export without them
    write_cur(spark, root / "cur", cur_lines(), drop=drop)
    config = ReconcileConfig(out, str(root / "cur"), pricing_path=pricing, database=database)
    (summary,) = run_reconcile(spark, config)
    return {"spark": spark, "config": config, "summary": summary, "root": root, "drop": drop}


def table(month, name):
    return month["spark"].table(f"{month['config'].database}.{name}").collect()


def buckets(month):
    return {
        (r.usage_date.day, r.model, r.token_kind, r.routing, r.charge_category): r
        for r in table(month, "reconciliation")
    }


def test_each_bucket_gets_its_status(month):
    b = buckets(month)
    haiku_in = b[(14, HAIKU, "input", "regional", "Usage")]
    assert (haiku_in.calls, haiku_in.log_usage, haiku_in.cur_usage) == (2, 4000, 4000)
    assert (haiku_in.estimated_cost, haiku_in.cur_unblended_cost) == (
        Decimal("0.004"),
        Decimal("0.004"),
    )
    assert (haiku_in.status, haiku_in.status_basis, haiku_in.pricing_units) == (
        "matched",
        "cost",
        ["1K tokens"],
    )
    assert haiku_in.cur_net_unblended_cost is None  # the export has no net column
    assert b[(14, HAIKU, "output", "regional", "Usage")].status == "matched"  # exactly 1 % off
    assert b[(14, HAIKU, "cache_read", "regional", "Usage")].status == "matched"
    glob = b[(14, HAIKU, "input", "global", "Usage")]
    assert (glob.status, glob.cost_difference) == ("under", Decimal("-0.0001"))
    nova = b[(14, NOVA, "input", "regional", "Usage")]
    assert (nova.status, nova.status_basis, nova.unpriced_calls, nova.estimated_cost) == (
        "matched",
        "usage",
        1,
        None,
    )
    lite = b[(14, "amazon.nova-lite-v1:0", "input", "regional", "Usage")]
    assert (lite.status, lite.calls, lite.region) == ("logs_missing", 0, "us-west-2")
    mp = b[(14, "anthropic.claude-3-haiku-20240307-v1:0", "output", "regional", "Usage")]
    assert (mp.status, mp.marketplace, mp.unit_basis, mp.cur_usage) == (
        "logs_missing",
        True,
        "assumed",
        2,
    )
    mystery = b[(14, None, "input", "regional", "Usage")]
    assert (mystery.status, mystery.unmapped_usage_type) == (
        "unmapped",
        "USE1-Mystery-input-tokens",
    )
    assert b[(15, HAIKU, "input", "regional", "Usage")].status == "cur_missing"
    assert b[(16, HAIKU, "input", "regional", "Usage")].status == "over"
    credit = b[(14, HAIKU, "input", "regional", "Credit")]
    assert (credit.status, credit.cur_unblended_cost) == ("not_usage", Decimal("-0.001"))
    assert not any("TimedStorage" in t for r in b.values() for t in (r.usage_types or []))


def test_allocations_split_each_bill_exactly_and_sum_to_the_cur(month):
    rows = table(month, "allocations")
    by = {(r.request_id, r.token_kind, r.usage_date.day, r.charge_category): r for r in rows}
    assert by[("a", "input", 14, "Usage")].allocated_cost == Decimal("0.001")
    assert by[("b", "input", 14, "Usage")].allocated_cost == Decimal("0.003")
    assert by[("a", "output", 14, "Usage")].allocated_cost == Decimal("0.00101")
    assert by[("b", "output", 14, "Usage")].allocated_cost == Decimal("0.00303")
    assert by[("a", "input", 14, "Credit")].allocated_cost == Decimal("-0.00025")
    assert by[("b", "input", 14, "Credit")].allocated_cost == Decimal("-0.00075")
    # 10 units of 1e-10 USD over three equal calls: running-total rounding, request_id order
    assert [by[(r, "input", 16, "Usage")].allocated_cost for r in "efg"] == [
        Decimal("3E-10"),
        Decimal("3E-10"),
        Decimal("4E-10"),
    ]
    nova = by[("d", "input", 14, "Usage")]
    assert (nova.allocated_cost, nova.weight_basis) == (Decimal("0.0000035"), "usage")
    assert by[("a", "input", 14, "Usage")].request_metadata == {"tenant": "acme"}
    unattributed = {r.usage_date.day: r for r in rows if r.allocation == "unattributed"}
    assert {r.allocated_cost for r in rows if r.allocation == "unattributed"} == {
        Decimal("0.00012"),
        Decimal("0.5"),
        Decimal("0.0000025"),
    }
    assert all(r.request_id is None for r in unattributed.values())
    billed = sum(
        (
            Decimal(line["line_item_unblended_cost"].__repr__())
            for line in cur_lines()
            if line["line_item_product_code"] != "AmazonS3"
        ),
        Decimal(0),
    )
    assert sum(r.allocated_cost for r in rows) == billed == month["summary"].allocated_total
    assert all(r.allocated_net_cost is None for r in rows)


def test_summary_names_the_gaps_and_proposes_prices(month):
    summary = month["summary"]
    assert [g["region"] for g in summary.findings["logs_missing"]] == ["us-west-2", "us-east-1"]
    assert summary.findings["unmapped"][0]["name"] == "USE1-Mystery-input-tokens"
    glob = [d for d in summary.drift if d["routing"] == "global"]
    assert glob == [
        {
            "region": "us-east-1",
            "model": HAIKU,
            "token_kind": "input",
            "routing": "global",
            "tier": "standard",
            "since": "2026-07-14",
            "billed_per_mtok": "1.2",
            "table_per_mtok": "1.00",
            "days": 1,
        }
    ]
    proposed = (month["root"] / "out" / "_reconcile" / "2026-07-price-rows.csv").read_text()
    assert f"{HAIKU},us-east-1,*,standard,0,1.2," in proposed
    assert summary.cur_by_category == {"Usage": billed_usage(), "Credit": Decimal("-0.001")}
    assert "logs missing: 111122223333 us-west-2 amazon.nova-lite-v1:0" in summary.human()


def billed_usage() -> Decimal:
    return sum(
        (
            Decimal(repr(line["line_item_unblended_cost"]))
            for line in cur_lines()
            if line["line_item_product_code"] != "AmazonS3"
            and line["line_item_line_item_type"] == "Usage"
        ),
        Decimal(0),
    )


def test_reconciling_a_period_again_replaces_it(month):
    from helpers import write_cur

    spark, config = month["spark"], month["config"]
    before = len(table(month, "allocations"))
    write_cur(spark, month["root"] / "cur", cur_lines("0.0005"), drop=month["drop"])  # restated
    (summary,) = run_reconcile(spark, config)
    assert len(table(month, "allocations")) == before
    assert buckets(month)[(14, HAIKU, "input", "global", "Usage")].status == "matched"
    assert sum(r.allocated_cost for r in table(month, "allocations")) == summary.cur_total
    assert summary.cur_total == month["summary"].cur_total - Decimal("0.0001")


def test_a_failed_quality_gate_keeps_the_published_period(month):
    import dataclasses

    from bedrock_costs.quality import QualityConfig, QualityGateError

    spark, config = month["spark"], month["config"]
    out = month["root"] / "out"
    published = sorted(p.name for p in (out / "reconciliation").rglob("*.parquet"))
    summary = (out / "_reconcile" / "2026-07.json").read_text()
    strict = QualityConfig(min_matched_share=1.0, policies={"usage_matched_share": "fail"})
    with pytest.raises(QualityGateError, match=r"quality gate failed \(usage_matched_share\)"):
        run_reconcile(spark, dataclasses.replace(config, quality=strict))
    assert sorted(p.name for p in (out / "reconciliation").rglob("*.parquet")) == published
    assert (out / "_reconcile" / "2026-07.json").read_text() == summary
    assert not any((out / "_staging").iterdir())
