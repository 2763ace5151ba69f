"""The reconciliation job on the hand-made month (months.py): each bucket's status, allocations
that are the bill to the last decimal, the named gaps, re-runs, gates and failures."""

from __future__ import annotations

import dataclasses
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from bedrock_costs.billing import findings
from bedrock_costs.config import QualityConfig, ReconcileConfig
from bedrock_costs.contract.errors import QualityGateError, UsageError
from bedrock_costs.io import partitions, snapshots
from bedrock_costs.pipelines import reconcile as reconcile_job
from bedrock_costs.pipelines.reconcile import run_reconcile
from helpers import (
    HAIKU,
    NOVA,
    FailingChecks,
    NoChecks,
    branches,
    copy_tables,
    data_files,
    published,
    snapshot,
    write_cur,
)
from months import DROPPED, TABLES, cur_lines

RECONCILED = ("reconciliation", "allocations")


def table(spark, database: str, name: str) -> list:
    return spark.table(f"{database}.{name}").collect()


def buckets(spark, database: str) -> dict:
    return {
        (r.usage_date.day, r.model, r.token_kind, r.routing, r.charge_category): r
        for r in table(spark, database, "reconciliation")
    }


def summary_of(out: str | Path) -> dict:
    return json.loads((Path(out) / "_reconcile" / "2026-07.json").read_text())


def test_each_bucket_gets_its_status(spark, hand_month):
    b = buckets(spark, hand_month["database"])
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


def billed(lines: list[dict], line_type: str | None = None) -> Decimal:
    """The month's Bedrock bill from the CUR lines themselves (the double as AWS writes it)."""
    return sum(
        (
            Decimal(repr(line["line_item_unblended_cost"]))
            for line in lines
            if line["line_item_product_code"] != "AmazonS3"
            and line_type in (None, line["line_item_line_item_type"])
        ),
        Decimal(0),
    )


def test_allocations_split_each_bill_exactly_and_sum_to_the_cur(spark, hand_month):
    rows = table(spark, hand_month["database"], "allocations")
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
    unattributed = [r for r in rows if r.allocation == "unattributed"]
    assert {r.allocated_cost for r in unattributed} == {
        Decimal("0.00012"),
        Decimal("0.5"),
        Decimal("0.0000025"),
    }
    assert all(r.request_id is None for r in unattributed)
    total = billed(cur_lines())
    assert sum(r.allocated_cost for r in rows) == total
    assert Decimal(summary_of(hand_month["out"])["allocated_total"]) == total
    assert all(r.allocated_net_cost is None for r in rows)


def test_summary_names_the_gaps_and_proposes_prices(hand_month):
    summary = summary_of(hand_month["out"])
    assert [g["region"] for g in summary["findings"]["logs_missing"]] == ["us-west-2", "us-east-1"]
    assert summary["findings"]["unmapped"][0]["name"] == "USE1-Mystery-input-tokens"
    assert [g["calls"] for g in summary["findings"]["cur_missing"]] == [2]  # h (15th), carol
    glob = [d for d in summary["drift"] if d["routing"] == "global"]
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
    proposed = (Path(hand_month["out"]) / "_reconcile" / "2026-07-price-rows.csv").read_text()
    assert f"{HAIKU},us-east-1,*,standard,0,1.2," in proposed
    assert {k: Decimal(v) for k, v in summary["cur_by_category"].items()} == {
        "Usage": billed(cur_lines(), "Usage"),
        "Credit": Decimal("-0.001"),
    }
    assert summary["status"] == "succeeded"
    assert summary["allocation_check"] == "= CUR total exactly, every bucket exact"


def test_findings_read_only_small_aggregates_of_the_staged_rows(spark, hand_month):
    """The figures a summary carries are exactly what findings computes from the table."""
    rows = spark.table(f"{hand_month['database']}.reconciliation")
    figures = findings.summarise(rows)
    summary = summary_of(hand_month["out"])
    assert str(figures["estimated_total"]) == summary["estimated_total"]
    assert {k: v["buckets"] for k, v in figures["statuses"].items()} == {
        k: v["buckets"] for k, v in summary["statuses"].items()
    }


@pytest.fixture()
def month_copy(spark, hand_month, tmp_path) -> dict:
    """A private copy of the month, with tables of its own catalog database."""
    out = tmp_path / "out"
    database = copy_tables(spark, hand_month["database"], TABLES, out, hand_month["tag_columns"])
    shutil.copytree(Path(hand_month["out"]) / "_reconcile", out / "_reconcile")
    shutil.copytree(hand_month["cur"], tmp_path / "cur")
    config = ReconcileConfig(
        str(out), str(tmp_path / "cur"), pricing_path=hand_month["pricing"], database=database
    )
    return {"out": out, "cur": tmp_path / "cur", "config": config}


def state(spark, month: dict) -> dict:
    """What readers see of the period's tables and summary, and the files behind them."""
    database, out = month["config"].database, month["out"]
    return {
        "published": published(spark, database, *RECONCILED),
        "files": data_files(out, *RECONCILED),
        "summary": snapshot(out, "_reconcile"),
        "branches": [branches(spark, database, t) for t in RECONCILED],
    }


def test_reconciling_a_period_again_replaces_it(spark, month_copy):
    config = month_copy["config"]
    before = len(table(spark, config.database, "allocations"))
    write_cur(spark, month_copy["cur"], cur_lines("0.0005"), drop=DROPPED)  # restated
    (summary,) = run_reconcile(spark, config, validator=NoChecks())
    rows = table(spark, config.database, "allocations")
    assert len(rows) == before
    assert buckets(spark, config.database)[(14, HAIKU, "input", "global", "Usage")].status == (
        "matched"
    )
    assert sum(r.allocated_cost for r in rows) == summary.cur_total == billed(cur_lines("0.0005"))
    periods = {r.billing_period for r in rows}
    assert periods == {"2026-07"}  # replaced, not added beside
    read = summary_of(month_copy["out"])["snapshots"]
    assert read["allocations"] == snapshots.snapshot_id(spark, config.database, "allocations")
    assert read["invocations"] == snapshots.snapshot_id(spark, config.database, "invocations")
    tagged = snapshots.snapshot_id(spark, config.database, "allocations", "reconciled-2026-07")
    assert tagged == read["allocations"]  # the close is tagged: maintain keeps it
    printed = summary.human()  # what `bedrock-costs reconcile` prints
    assert "reconciliation 2026-07" in printed and "proposed price rows" in printed
    assert "logs missing: 111122223333 us-west-2 amazon.nova-lite-v1:0" in printed


def test_line_items_in_another_currency_are_refused_not_summed_as_usd(spark, month_copy):
    """CUR lines in EUR were summed as USD (issue 17): one line, nothing written."""
    lines = cur_lines("0.0005")
    lines[0] = {**lines[0], "line_item_currency_code": "EUR"}
    write_cur(spark, month_copy["cur"], lines, drop=DROPPED)
    before = state(spark, month_copy)
    with pytest.raises(UsageError, match=r"of 2026-07 are not in USD \(1 in EUR\)"):
        run_reconcile(spark, month_copy["config"], validator=NoChecks())
    assert state(spark, month_copy) == before


def test_a_failed_quality_gate_keeps_the_published_period(spark, month_copy):
    out = month_copy["out"]
    strict = QualityConfig(policies={"usage_matched_share": "fail"})
    config = dataclasses.replace(month_copy["config"], quality=strict)
    before = state(spark, month_copy)
    with pytest.raises(QualityGateError, match=r"quality gate failed \(usage_matched_share\)"):
        run_reconcile(spark, config, validator=FailingChecks("usage_matched_share"))
    assert list((out / "_quality").glob("*.html"))  # the results say why
    assert state(spark, month_copy) == before


def _fail(*_args, **_kwargs):
    raise RuntimeError("injected")


@pytest.mark.parametrize(
    "step",  # a failing check is test_a_failed_quality_gate_keeps_the_published_period
    ["write", "figures", "publish"],
)
def test_a_failure_at_any_step_leaves_the_tables_and_files_as_they_were(
    spark, month_copy, monkeypatch, step
):
    config = month_copy["config"]
    before = state(spark, month_copy)
    if step == "write":
        monkeypatch.setattr(partitions, "overwrite", _fail)
    elif step == "figures":
        monkeypatch.setattr(reconcile_job.findings, "summarise", _fail)
    else:  # the second table's commit fails after the first one was published: undone
        publish = snapshots.publish

        def second_fails(spark_, database, table_, branch):
            if table_ == "allocations":
                raise RuntimeError("injected")
            return publish(spark_, database, table_, branch)

        monkeypatch.setattr(snapshots, "publish", second_fails)
    with pytest.raises(RuntimeError, match="injected"):
        run_reconcile(spark, dataclasses.replace(config), validator=NoChecks())
    assert state(spark, month_copy) == before
