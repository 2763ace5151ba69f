"""One settings table, two spellings: the command line and the Glue adapter build the same
frozen configs, with every default defined once (the config dataclass's)."""

import dataclasses
import re
from datetime import date

import pytest

from bedrock_costs import config
from bedrock_costs.config import CLI, GLUE, QualityConfig, RunConfig
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.entry.cli import build_parser

BASE = {"logs_path": "s3://l/", "output_path": "s3://o/", "pricing_path": "p.csv"}


def glue_run(**extra: str) -> RunConfig:
    return config.run_config({**BASE, **extra}, GLUE, today=date(2026, 11, 2))


def test_trailing_days_is_the_last_n_utc_days_today_included():
    assert glue_run(trailing_days="3").window == (date(2026, 10, 31), date(2026, 11, 2))


def test_an_explicit_window_and_no_window_are_kept():
    window = glue_run(start_date="2026-07-01", end_date="2026-07-31").window
    assert window == (date(2026, 7, 1), date(2026, 7, 31))
    assert glue_run().window is None
    assert glue_run(start_date="none", end_date="", trailing_days="none").window is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"trailing_days": "0"},
            "--trailing_days expects a whole number of days (1 to 36,499), got '0'",
        ),
        (
            {"trailing_days": "3", "start_date": "2026-07-01"},
            "--trailing_days replaces --start_date and --end_date: pass one or the other",
        ),
        (
            {"max_tag_columns": "many"},
            "--max_tag_columns expects a whole number below 1,000,000,000, got 'many'",
        ),
        # '²'.isdigit() is True (int() then raised); past a century, date arithmetic failed
        ({"max_tag_columns": "²"}, "--max_tag_columns expects a whole number below"),
        ({"trailing_days": "36500"}, "--trailing_days expects a whole number of days (1 to"),
        ({"min_priced_share": "most"}, "--min_priced_share expects a number between 0 and 1"),
        ({"default_tier": "gold"}, "--default-tier must be one of standard, priority"),
    ],
)
def test_bad_glue_arguments_are_usage_errors(extra, message):
    with pytest.raises(UsageError, match=re.escape(message)):
        glue_run(**extra)


def test_the_command_line_and_glue_build_the_same_config():
    args = build_parser().parse_args(
        [
            *("run", "--logs", "s3://l/", "--output", "s3://o/", "--pricing", "p.csv"),
            *("--start-date", "2026-07-01", "--end-date", "2026-07-02", "--max-tag-columns", "9"),
            *("--quality-policy", "priced_share=fail", "--quality-policy", "currency_is_usd=warn"),
            *("--min-priced-share", "0.5"),
        ]
    )
    from_cli = config.run_config(vars(args), CLI)
    from_glue = glue_run(
        start_date="2026-07-01",
        end_date="2026-07-02",
        max_tag_columns="9",
        quality_policy="priced_share=fail,currency_is_usd=warn",
        min_priced_share="0.5",
    )
    assert from_cli == from_glue
    assert from_cli.quality == QualityConfig(
        min_priced_share=0.5, policies={"priced_share": "fail", "currency_is_usd": "warn"}
    )


def test_every_default_is_the_config_dataclass_default():
    for settings, target in (
        (config.RUN_SETTINGS, RunConfig),
        (config.RECONCILE_SETTINGS, config.ReconcileConfig),
        (config.FOCUS_SETTINGS, config.FocusConfig),
    ):
        fields = {f.name: f for f in dataclasses.fields(target)}
        for setting in settings:
            if setting.target is QualityConfig:
                assert setting.default == getattr(QualityConfig(), setting.field)
            elif setting.field in fields and setting.default is not None:
                assert setting.default == getattr(target(**_required(target)), setting.field)
    unset = build_parser().parse_args(["run", "--logs", "l", "--output", "o"])
    assert config.run_config(vars(unset), CLI) == RunConfig("l", "o")


def _required(target: type) -> dict:
    return {
        f.name: "x"
        for f in dataclasses.fields(target)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }


def test_reconcile_arguments():
    found = config.reconcile_config(
        {"output_path": "s3://o/", "cur_path": "s3://c/x", "billing_period": "2026-10"}, GLUE
    )
    assert (found.cur_path, found.billing_period, found.database) == (
        "s3://c/x",
        "2026-10",
        "bedrock_costs",
    )
    with pytest.raises(UsageError, match="--cur_path is required"):
        config.reconcile_config({"output_path": "s3://o/", "cur_path": "none"}, GLUE)
    with pytest.raises(UsageError, match="--billing-period expects YYYY-MM, got 'July'"):
        config.reconcile_config(
            {"output_path": "o", "cur_path": "c", "billing_period": "July"}, GLUE
        )


def test_quality_settings_are_checked():
    with pytest.raises(UsageError, match="must be fail or warn, not 'stop'"):
        QualityConfig(policies={"priced_share": "stop"})
    with pytest.raises(UsageError, match="--min-priced-share must be between 0 and 1"):
        QualityConfig(min_priced_share=95)
    with pytest.raises(UsageError, match="NAME=fail or NAME=warn"):
        config.parse_policies("priced_share")
    assert config.parse_policies(" a=fail, ,b=warn") == {"a": "fail", "b": "warn"}
