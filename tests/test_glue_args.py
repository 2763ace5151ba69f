from datetime import date

import pytest

from bedrock_costs.errors import UsageError
from bedrock_costs.glue_args import (
    glue_reconcile_config,
    glue_run_config,
    local_resolved_options,
)

BASE = ["job.py", "--logs_path", "s3://l/", "--output_path", "s3://o/", "--pricing_path", "p.csv"]


def test_trailing_days_is_the_last_n_utc_days_today_included():
    _, config = glue_run_config(
        [*BASE, "--trailing_days", "3"], local_resolved_options, today=date(2026, 11, 2)
    )
    assert config.window == (date(2026, 10, 31), date(2026, 11, 2))


def test_an_explicit_window_and_no_window_are_kept():
    _, config = glue_run_config(
        [*BASE, "--start_date", "2026-07-01", "--end_date", "2026-07-31"], local_resolved_options
    )
    assert config.window == (date(2026, 7, 1), date(2026, 7, 31))
    assert glue_run_config(BASE, local_resolved_options)[1].window is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--trailing_days", "0"], "expects a whole number of days, got '0'"),
        (["--trailing_days", "3", "--start_date", "2026-07-01"], "pass one or the other"),
    ],
)
def test_bad_windows_are_usage_errors(extra, message):
    with pytest.raises(UsageError, match=message):
        glue_run_config([*BASE, *extra], local_resolved_options)


def test_reconcile_arguments():
    args, config = glue_reconcile_config(
        [
            "r.py",
            "--output_path",
            "s3://o/",
            "--cur_path",
            "s3://c/x",
            "--billing_period",
            "2026-10",
        ],
        local_resolved_options,
    )
    assert (config.cur_path, config.billing_period, config.database) == (
        "s3://c/x",
        "2026-10",
        "bedrock_costs",
    )
    assert args["JOB_NAME"] == "bedrock-costs-local"
