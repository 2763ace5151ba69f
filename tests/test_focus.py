"""The FOCUS export job on a copy of the hand-made month: allocated rows that sum to the bill,
an estimated export for a month not reconciled, and failures that leave nothing behind."""

import shutil
from decimal import Decimal

import pyarrow.parquet as pq
import pytest

from bedrock_costs.config import FocusConfig
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.io import partitions
from bedrock_costs.pipelines import focus as focus_job
from bedrock_costs.pipelines import publish
from bedrock_costs.pipelines.focus import run_focus
from helpers import snapshot, unique_database


@pytest.fixture()
def month_copy(hand_month, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(hand_month["out"], out, ignore=shutil.ignore_patterns("_catalog"))
    return FocusConfig(str(out), database=unique_database()), out


def test_a_reconciled_month_exports_its_allocations_and_sums_to_the_bill(spark, month_copy):
    config, out = month_copy
    (export,) = run_focus(spark, config)
    billed = sum(r["allocated_cost"] for r in pq.read_table(out / "allocations").to_pylist())
    assert (export.billing_period, export.cost_basis, export.left_out) == (
        "2026-07",
        "allocated",
        0,
    )
    rows = pq.read_table(out / "focus").to_pylist()
    assert export.rows == len(rows) and export.billed_cost == billed == sum(
        r["BilledCost"] for r in rows
    )
    assert spark.table(f"{config.database}.focus").count() == len(rows)


def test_a_month_not_reconciled_is_estimated_and_unpriced_calls_are_counted(spark, month_copy):
    config, out = month_copy
    shutil.rmtree(out / "allocations")
    (export,) = run_focus(spark, config)
    assert export.cost_basis == "estimated" and export.left_out == 1  # d: no price for Nova
    calls = pq.read_table(out / "invocations").to_pylist()
    priced = sum(c["total_cost"] for c in calls if c["total_cost"] is not None)
    assert export.billed_cost == priced != Decimal(0)


def test_no_invocations_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no invocations table here"):
        focus_job.validate(FocusConfig(str(tmp_path)))


def _fail(*_args, **_kwargs):
    raise RuntimeError("injected")


@pytest.mark.parametrize("step", ["stage", "verify", "publish"])
def test_a_failure_at_any_step_leaves_no_staging_and_the_table_as_it_was(
    spark, month_copy, monkeypatch, step
):
    config, out = month_copy
    run_focus(spark, config)
    before = snapshot(out, "focus")
    if step == "stage":
        monkeypatch.setattr(partitions, "stage", _fail)
    elif step == "verify":  # the totals read back from the staged rows
        monkeypatch.setattr(publish.Staging, "read", _fail)
    else:
        monkeypatch.setattr(partitions.Swap, "replace", _fail)
    with pytest.raises(RuntimeError, match="injected"):
        run_focus(spark, config)
    assert snapshot(out, "focus") == before
    assert not (out / "_staging").exists()
