"""Glue job arguments (CONTRACT §1) to the same RunConfig the command line builds."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Protocol, TypeVar

from pyspark.sql import SparkSession

from bedrock_costs.config import DEFAULT_DATABASE, DEFAULT_MAX_TAG_COLUMNS, RunConfig, parse_date
from bedrock_costs.errors import UsageError
from bedrock_costs.price_table import default_pricing_path
from bedrock_costs.quality import (
    DEFAULT_MIN_MATCHED_SHARE,
    DEFAULT_MIN_PRICED_SHARE,
    QualityConfig,
    parse_policies,
)
from bedrock_costs.reconcile_job import ReconcileConfig

REQUIRED = ("logs_path", "output_path", "pricing_path")
OPTIONAL = (
    "profiles_path",
    "start_date",
    "end_date",
    "database",
    "max_tag_columns",
    "pricing_format",
    "default_tier",
    "unit_pricing_path",
    "trailing_days",
    "quality_policy",
    "min_priced_share",
)
RECONCILE_REQUIRED = ("output_path", "cur_path")
RECONCILE_OPTIONAL = (
    "billing_period",
    "pricing_path",
    "database",
    "quality_policy",
    "min_matched_share",
)
Resolver = Callable[[Sequence[str], list[str]], dict[str, str]]


def glue_run_config(
    argv: Sequence[str], resolve: Resolver, today: date | None = None
) -> tuple[dict[str, str], RunConfig]:
    """Resolve Glue-style `--name value` arguments; optional ones only when passed.

    `--trailing_days N` (what the scheduled trigger passes) is the window of the last N UTC days,
    today included, so logs delivered late are picked up by the next days' runs.
    """
    names = ["JOB_NAME", *REQUIRED, *[o for o in OPTIONAL if f"--{o}" in argv]]
    args = resolve(argv, names)
    start, end = _window(args, today or datetime.now(UTC).date())
    config = RunConfig(
        logs_path=args["logs_path"],
        output_path=args["output_path"],
        pricing_path=args["pricing_path"],
        profiles_path=args.get("profiles_path") or None,
        start_date=start,
        end_date=end,
        database=args.get("database") or DEFAULT_DATABASE,
        max_tag_columns=int(args.get("max_tag_columns") or DEFAULT_MAX_TAG_COLUMNS),
        pricing_format=args.get("pricing_format") or "bedrock-costs",
        default_tier=args.get("default_tier") or "standard",
        unit_pricing_path=args.get("unit_pricing_path") or None,
        quality=QualityConfig(
            min_priced_share=_share(args, "min_priced_share", DEFAULT_MIN_PRICED_SHARE),
            policies=parse_policies([args.get("quality_policy") or ""]),
        ),
    )
    return args, config


def _share(args: dict[str, str], name: str, default: float) -> float:
    text = args.get(name)
    try:
        return float(text) if text else default
    except ValueError:
        raise UsageError(f"--{name} expects a number between 0 and 1, got {text!r}") from None


def _window(args: dict[str, str], today: date) -> tuple[date | None, date | None]:
    start = parse_date(args["start_date"], "--start_date") if args.get("start_date") else None
    end = parse_date(args["end_date"], "--end_date") if args.get("end_date") else None
    if not args.get("trailing_days"):
        return start, end
    if start or end:
        raise UsageError(
            "--trailing_days replaces --start_date and --end_date: pass one or the other"
        )
    days = args["trailing_days"]
    if not days.isdigit() or int(days) < 1:
        raise UsageError(f"--trailing_days expects a whole number of days, got {days!r}")
    return today - timedelta(days=int(days) - 1), today


def glue_reconcile_config(
    argv: Sequence[str], resolve: Resolver
) -> tuple[dict[str, str], ReconcileConfig]:
    """The reconciliation job's arguments: --output_path --cur_path [--billing_period ...]."""
    names = [
        "JOB_NAME",
        *RECONCILE_REQUIRED,
        *[o for o in RECONCILE_OPTIONAL if f"--{o}" in argv],
    ]
    args = resolve(argv, names)
    config = ReconcileConfig(
        output_path=args["output_path"],
        cur_path=args["cur_path"],
        billing_period=args.get("billing_period") or None,
        pricing_path=args.get("pricing_path") or default_pricing_path(),
        database=args.get("database") or DEFAULT_DATABASE,
        quality=QualityConfig(
            min_matched_share=_share(args, "min_matched_share", DEFAULT_MIN_MATCHED_SHARE),
            policies=parse_policies([args.get("quality_policy") or ""]),
        ),
    )
    return args, config


def local_resolved_options(argv: Sequence[str], names: list[str]) -> dict[str, str]:
    """getResolvedOptions' behaviour without the Glue runtime (JOB_NAME may be left out)."""
    parser = argparse.ArgumentParser(prog=argv[0].rsplit("/", 1)[-1], allow_abbrev=False)
    for name in names:
        parser.add_argument(
            f"--{name}",
            required=name != "JOB_NAME",
            default="bedrock-costs-local" if name == "JOB_NAME" else None,
        )
    known, _ = parser.parse_known_args(list(argv[1:]))
    return vars(known)


class _JobConfig(Protocol):
    @property
    def output_path(self) -> str: ...


Config = TypeVar("Config", bound=_JobConfig)


def run_job(
    argv: Sequence[str],
    configure: Callable[[Sequence[str], Resolver], tuple[dict[str, str], Config]],
    work: Callable[[SparkSession, Config], object],
) -> None:
    """A job script's body: inside Glue, GlueContext/Job init, `work`, commit; without the Glue
    runtime (a laptop, CI), the same `work` on a plain local SparkSession.

    The Glue runtime is imported here lazily and only by name, so the library still never depends
    on awsglue: this function is called from jobs/ only.
    """
    import importlib

    try:
        context = importlib.import_module("awsglue.context")
        job_module = importlib.import_module("awsglue.job")
        utils = importlib.import_module("awsglue.utils")
    except ImportError:
        from bedrock_costs.session import local_session

        _, config = configure(argv, local_resolved_options)
        work(local_session(config.output_path), config)
        return
    from pyspark.context import SparkContext

    args, config = configure(argv, utils.getResolvedOptions)
    glue_context = context.GlueContext(SparkContext.getOrCreate())
    job = job_module.Job(glue_context)
    job.init(args["JOB_NAME"], args)
    work(glue_context.spark_session, config)
    job.commit()
