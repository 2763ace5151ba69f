"""The sample month with its synthetic CUR: every planted gap is found, the rest matches, the
allocations are the bill to the last decimal, and the FOCUS export keeps the spec's rules."""

import dataclasses
import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pyspark.sql import functions as F

from bedrock_costs.billing.buckets import call_kinds
from bedrock_costs.billing.focus import from_estimates
from bedrock_costs.io.tables import read_table
from bedrock_costs.reference.price_file import check_no_ambiguity, default_pricing_path, load_prices
from bedrock_costs.reference.price_refresh import Refresh
from bedrock_costs.sample import planted as sample_cur
from bedrock_costs.sample.cur_lines import MARKETPLACE_MODEL
from helpers import catalog_table, register_output

END = date(2026, 10, 31)
FIRST = END - timedelta(days=6)
MICRO = "amazon.nova-micro-v1:0"


@pytest.fixture(scope="module")
def month(spark, sample_month):
    """The demo's month (sample_month: `bedrock-costs demo` in its own process) read back."""
    tables = sample_month["tables"]
    summary = json.loads((tables / "_reconcile" / "2026-10.json").read_text())
    database = register_output(spark, tables)  # the demo's tables, in this process's catalog
    invocations = read_table(spark, database, "invocations")
    calls = call_kinds(
        invocations.where(F.col("usage_date").between(F.lit(FIRST), F.lit(END))),
        by_principal=False,
    )
    estimated = from_estimates(calls, date(2026, 10, 1))
    return {
        "root": sample_month["root"],
        "cur": sample_month["cur"],
        "tables": tables,
        "summary": summary,
        "database": database,
        "rec": read_table(spark, database, "reconciliation").collect(),
        "alloc": read_table(spark, database, "allocations").collect(),
        "estimated": (estimated.count(), calls.where(F.col("estimated_cost").isNull()).count()),
        "stdout": sample_month["stdout"],
    }


def billed_total(cur) -> Decimal:
    """The export's Bedrock total read independently (pyarrow, no code of ours)."""
    rows = pq.read_table(cur / "data").to_pylist()
    bedrock = ("AmazonBedrock", "AmazonBedrockService")
    return sum(
        (
            Decimal(repr(r["line_item_unblended_cost"]))
            for r in rows
            if r["line_item_product_code"] in bedrock
            or r["bill_billing_entity"] == "AWS Marketplace"
        ),
        Decimal(0),
    )


def planted(r) -> bool:
    return (
        (r.account_id, r.region, r.model) == sample_cur.LOGS_MISSING
        or r.unmapped_usage_type == sample_cur.UNMAPPED
        or (
            (r.region, r.model) == sample_cur.PRICE_CHANGE
            and r.usage_date >= FIRST + timedelta(days=sample_cur.PRICE_CHANGE_DAY)
        )
    )


def test_outside_the_planted_gaps_at_least_99_percent_of_usage_dollars_match(month):
    usage = [r for r in month["rec"] if r.charge_category == "Usage" and r.cur_unblended_cost]
    rest = [r for r in usage if not planted(r)]
    matched = sum(r.cur_unblended_cost for r in rest if r.status == "matched")
    assert matched / sum(r.cur_unblended_cost for r in rest) >= Decimal("0.99")
    assert {r.status for r in rest} == {"matched"}
    assert month["summary"]["by_principal"]  # the sample CUR carries line_item_iam_principal


def test_the_region_without_logs_is_logs_missing(month):
    missing = {
        (r.account_id, r.region, r.model) for r in month["rec"] if r.status == "logs_missing"
    }
    assert missing == {sample_cur.LOGS_MISSING}
    assert month["summary"]["findings"]["logs_missing"][0]["days"] == 7


def test_the_unknown_mid_month_price_change_is_under_and_drift_proposes_the_row(month):
    under = {
        (r.model, r.region, r.usage_date) for r in month["rec"] if r.status in ("over", "under")
    }
    change = FIRST + timedelta(days=sample_cur.PRICE_CHANGE_DAY)
    assert {m for m, _, _ in under} == {MICRO} and min(d for _, _, d in under) == change
    drift = {(d["model"], d["token_kind"]): d for d in month["summary"]["drift"]}
    assert set(drift) == {(MICRO, "input"), (MICRO, "output")}
    assert (drift[(MICRO, "input")]["since"], drift[(MICRO, "input")]["billed_per_mtok"]) == (
        change.isoformat(),
        "0.042",
    )
    proposed = load_prices(month["summary"]["proposed_prices"])
    assert [
        (r.model, r.region, r.input_per_mtok, r.output_per_mtok, r.effective_from) for r in proposed
    ] == [(MICRO, "us-east-1", Decimal("0.042"), Decimal("0.168"), change)]
    current = load_prices(default_pricing_path())
    closing = [
        dataclasses.replace(r, effective_to=change)
        for r in current
        if (r.model, r.region) == (MICRO, "us-east-1")
    ]
    changes = Path(month["summary"]["proposed_prices"].replace(".csv", ".txt")).read_text()
    assert (
        f"~ close row {closing[0].row}: {MICRO} us-east-1 * standard effective_to={change}"
        in changes
    )
    merged = Refresh(added=proposed, closed=closing).merged(current)
    check_no_ambiguity("merged", merged)  # the proposal applies cleanly


def test_the_marketplace_model_is_placed_by_product_name_and_matches(month):
    mp = [r for r in month["rec"] if r.marketplace]
    assert {r.model for r in mp} == {MARKETPLACE_MODEL}
    assert {(r.status, r.unit_basis, r.billing_entity) for r in mp} == {
        ("matched", "assumed", "AWS Marketplace")
    }


def test_the_unit_change_is_named_and_normalised(month):
    notes = {f["usage_type"]: f["note"] for f in month["summary"]["findings"]["pricing_units"]}
    assert notes["USE1-NovaPro-output-tokens"].startswith("changes unit: '1K tokens'")
    assert "'1M tokens'" in notes["USE1-NovaPro-output-tokens"]
    pro = [
        r
        for r in month["rec"]
        if (r.model, r.region, r.token_kind) == ("amazon.nova-pro-v1:0", "us-east-1", "output")
    ]
    assert {r.status for r in pro} == {"matched"} and len(
        {tuple(r.pricing_units) for r in pro}
    ) == 2


def test_credit_and_tax_stay_out_of_usage_and_are_allocated(month):
    other = {r.charge_category: r for r in month["rec"] if r.status == "not_usage"}
    assert set(other) == {"Credit", "Tax"}
    credit = [r for r in month["alloc"] if r.charge_category == "Credit"]
    assert sum(r.allocated_cost for r in credit) == sample_cur.CREDIT[1]
    assert {r.allocation for r in credit} == {"call"}  # spread over the bucket's calls
    tax = [r for r in month["alloc"] if r.charge_category == "Tax"]
    assert [(r.allocation, r.allocated_cost) for r in tax] == [("unattributed", sample_cur.TAX)]


def test_the_unmapped_billing_name_is_reported(month):
    assert month["summary"]["findings"]["unmapped"][0]["name"] == sample_cur.UNMAPPED


def test_allocations_are_the_bill_to_the_last_decimal(month):
    total = billed_total(month["cur"])
    assert (
        sum(r.allocated_cost for r in month["alloc"])
        == total
        == Decimal(month["summary"]["cur_total"])
    )
    by_tenant: dict = {}
    for r in month["alloc"]:
        tenant = (r.request_metadata or {}).get("tenant")
        by_tenant[tenant] = by_tenant.get(tenant, Decimal(0)) + r.allocated_cost
    assert sum(by_tenant.values()) == total and len(by_tenant) > 5


MANDATORY = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "BillingCurrency",
    "BillingAccountId",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "ChargeCategory",
    "ProviderName",
    "PublisherName",
    "InvoiceIssuerName",
    "ServiceCategory",
    "ServiceName",
)


def test_allocations_per_bill_tag_are_the_cur_totals_per_tag(month):
    """Issue 17 §5 on the sample month: the synthetic CUR tags its lines with the profiles'
    cost allocation tags and the principals' tags; per tag key and value, the allocations sum
    exactly to the export's own lines (read with pyarrow) carrying that tag."""
    rows = pq.read_table(month["cur"] / "data").to_pylist()
    bedrock = ("AmazonBedrock", "AmazonBedrockService")
    billed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["line_item_product_code"] in bedrock or r["bill_billing_entity"] == "AWS Marketplace":
            for tag, value in r["resource_tags"] or []:
                billed[(tag, value)] += Decimal(repr(r["line_item_unblended_cost"]))
    allocated: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for r in month["alloc"]:
        for tag, value in (r.bill_tags or {}).items():
            allocated[(tag, value)] += r.allocated_cost
    assert {t for t, _ in billed} == {
        "user:application",
        "user:tenant",
        "iamPrincipal/team",
        "iamPrincipal/cost-center",
    }
    assert dict(allocated) == dict(billed)
    by_column: dict[str, Decimal] = defaultdict(Decimal)
    for r in month["alloc"]:
        if r.bill_tag_application:
            by_column[r.bill_tag_application] += r.allocated_cost
    assert dict(by_column) == {v: c for (t, v), c in billed.items() if t == "user:application"}
    profiled = [r for r in month["alloc"] if r.resource_id and r.allocation == "call"]
    assert profiled and all(r.inference_profile_arn == r.resource_id for r in profiled)
    assert month["summary"]["bill_tags"]["key_spellings"] == ["iamPrincipal/", "user:"]


def test_focus_rows_keep_the_spec_rules(month):
    table = catalog_table(month["tables"], "focus")
    names = [n for n in table.column_names if n != "billing_period"]
    custom = [i for i, n in enumerate(names) if n.startswith("x_")]
    assert custom and min(custom) == len(names) - len(custom)  # x_ columns come last
    assert all(n[0].isupper() and "_" not in n for n in names[: min(custom)])  # PascalCase
    for name in ("BillingPeriodStart", "ChargePeriodStart", "ChargePeriodEnd"):
        assert str(table.schema.field(name).type) == "timestamp[us, tz=UTC]"
    rows = table.to_pylist()
    assert rows and {r["x_CostBasis"] for r in rows} == {"allocated"}
    for r in rows:
        assert all(r[c] is not None for c in MANDATORY), r
        assert r["ChargeCategory"] in ("Usage", "Credit", "Tax", "Purchase", "Adjustment")
        assert r["ServiceCategory"] == "AI and Machine Learning"
        assert r["BillingPeriodStart"] <= r["ChargePeriodStart"] < r["ChargePeriodEnd"]
        assert r["ChargePeriodEnd"] <= r["BillingPeriodEnd"]
        if r["ListUnitPrice"] is not None:
            assert r["ListUnitPrice"] * r["PricingQuantity"] == r["ListCost"]
            assert r["ContractedUnitPrice"] * r["PricingQuantity"] == r["ContractedCost"]
            assert r["ListCost"] == r["x_EstimatedCost"]
        if r["ChargeCategory"] == "Usage":
            assert r["PricingQuantity"] is not None and r["PricingUnit"] is not None
        if r["Tags"] is not None:
            assert isinstance(json.loads(r["Tags"]), dict)
    assert sum(r["BilledCost"] for r in rows) == billed_total(month["cur"])
    assert f"5. FOCUS 1.2 export: 2026-10 {len(rows):,} rows (allocated)" in month["stdout"]


def test_focus_before_reconciling_is_estimated_and_leaves_unpriced_calls_out(spark, month):
    rows, left_out = month["estimated"]
    calls = read_table(spark, month["database"], "invocations")
    priced = calls.where(F.col("pricing_status") == "priced")
    assert rows >= priced.count() > 0  # one row per priced call and kind with usage
    assert left_out > 0  # the sample's provisioned-throughput calls have no price
