"""The FOCUS export job on a copy of the hand-made month: allocated rows that sum to the bill,
an estimated export for a month not reconciled, and failures that leave nothing behind."""

from decimal import Decimal

import pytest

from bedrock_costs.config import FocusConfig
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.io import partitions, snapshots
from bedrock_costs.pipelines import focus as focus_job
from bedrock_costs.pipelines import publish
from bedrock_costs.pipelines.focus import run_focus
from helpers import branches, copy_tables, data_files, published, rows


@pytest.fixture()
def month_copy(spark, hand_month, tmp_path):
    """The month's invocations and allocations in tables of their own."""
    out = tmp_path / "out"
    tables = ("invocations", "allocations")
    database = copy_tables(spark, hand_month["database"], tables, out, hand_month["tag_columns"])
    return FocusConfig(str(out), database=database), out


def test_a_reconciled_month_exports_its_allocations_and_sums_to_the_bill(spark, month_copy):
    config, _ = month_copy
    (export,) = run_focus(spark, config)
    billed = sum(r.allocated_cost for r in rows(spark, config.database, "allocations"))
    assert (export.billing_period, export.cost_basis, export.left_out) == (
        "2026-07",
        "allocated",
        0,
    )
    exported = rows(spark, config.database, "focus")
    assert export.rows == len(exported) and export.billed_cost == billed == sum(
        r.BilledCost for r in exported
    )


def test_a_month_not_reconciled_is_estimated_and_unpriced_calls_are_counted(spark, month_copy):
    config, _ = month_copy
    spark.sql(f"DROP TABLE `{config.database}`.`allocations`")
    (export,) = run_focus(spark, config)
    assert export.cost_basis == "estimated" and export.left_out == 1  # d: no price for Nova
    calls = rows(spark, config.database, "invocations")
    priced = sum(c.total_cost for c in calls if c.total_cost is not None)
    assert export.billed_cost == priced != Decimal(0)


def test_no_invocations_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no invocations table here"):
        focus_job.validate(FocusConfig(str(tmp_path)))


def _fail(*_args, **_kwargs):
    raise RuntimeError("injected")


@pytest.mark.parametrize("step", ["stage", "verify", "publish"])
def test_a_failure_at_any_step_leaves_the_table_and_its_files_as_they_were(
    spark, month_copy, monkeypatch, step
):
    config, out = month_copy
    run_focus(spark, config)
    before = (published(spark, config.database, "focus"), data_files(out, "focus"))
    if step == "stage":
        monkeypatch.setattr(partitions, "overwrite", _fail)
    elif step == "verify":  # the totals read back from the written rows
        monkeypatch.setattr(publish.Staging, "read", _fail)
    else:
        monkeypatch.setattr(snapshots, "publish", _fail)
    with pytest.raises(RuntimeError, match="injected"):
        run_focus(spark, config)
    assert (published(spark, config.database, "focus"), data_files(out, "focus")) == before
    assert branches(spark, config.database, "focus") == {"main"}
