"""What each sub-command does; Spark is imported only by the commands that need it."""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bedrock_costs import storage
from bedrock_costs.config import DEFAULT_DATABASE, RunConfig, parse_date
from bedrock_costs.errors import EXIT_OK, UsageError
from bedrock_costs.quality import QualityConfig, QualityGateError, parse_policies

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass(frozen=True)
class Shown:
    """What a long command prints: progress on stderr unless quiet or JSON; the summary for
    people, or only its JSON on stdout (--json), or nothing but errors (--quiet)."""

    quiet: bool = False
    json: bool = False

    @classmethod
    def of(cls, args: argparse.Namespace) -> Shown:
        return cls(quiet=args.quiet, json=args.json)

    @property
    def progress(self) -> Progress:
        return Progress(enabled=not (self.quiet or self.json))


class Progress:
    """Stage lines on stderr with the time since the command started; while a Spark stage runs
    longer than `every` seconds, a line with its finished and total tasks every `every` s."""

    def __init__(self, *, enabled: bool = True, every: float = 15.0) -> None:
        self.enabled, self.every, self.began = enabled, every, time.monotonic()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = time.monotonic() - self.began
            print(f"  [{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def watching(self, spark: SparkSession) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        done = threading.Event()
        tracker = spark.sparkContext.statusTracker()

        def report() -> None:
            while not done.wait(self.every):
                for stage_id in tracker.getActiveStageIds():
                    info = tracker.getStageInfo(stage_id)
                    if info is not None and info.numTasks > 1:
                        self(
                            f"   stage {stage_id}: {info.numCompletedTasks:,} of "
                            f"{info.numTasks:,} tasks done ({info.numActiveTasks} running)"
                        )

        thread = threading.Thread(target=report, name="bedrock-costs-progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()


def run(config: RunConfig, *, shown: Shown = Shown()) -> int:
    from bedrock_costs.job import run_invocation_costs, validate_inputs
    from bedrock_costs.session import local_session

    inputs = validate_inputs(config)  # before Spark starts: a bad input writes nothing
    spark = local_session(config.output_path)
    progress = shown.progress
    try:
        with progress.watching(spark):
            summary = run_invocation_costs(spark, config, inputs, progress=progress)
    except QualityGateError as exc:
        if shown.json:
            print(
                storage.read_text(
                    storage.join(config.output_path, "_runs", f"{exc.report.run_id}.json")
                ),
                end="",
            )
        raise
    if shown.json:
        print(summary.to_json(), end="")
    elif not shown.quiet:
        print(summary.human())
        print(
            f"  summary              "
            f"{storage.join(config.output_path, '_runs', summary.run_id + '.json')}"
        )
    return EXIT_OK


def sample(args: argparse.Namespace) -> int:
    from bedrock_costs.sample import write_sample

    if storage.is_s3(args.output):
        raise UsageError("sample writes to a local folder; copy it to S3 with `aws s3 sync`")
    if args.records < 0 or args.days < 1:
        raise UsageError("--records must be 0 or more and --days 1 or more")
    end = parse_date(args.end_date, "--end-date") if args.end_date else None
    cur_path = None
    if args.with_cur is not None:
        cur_path = args.with_cur or args.output.rstrip("/") + "-cur"
        if storage.is_s3(cur_path):
            raise UsageError("--with-cur writes to a local folder")
    with contextlib.ExitStack() as stack:
        spark = None
        if cur_path:
            from bedrock_costs.session import scratch_session

            spark = stack.enter_context(scratch_session())
        counts = write_sample(
            args.output,
            records=args.records,
            days=args.days,
            seed=args.seed,
            end=end,
            cur=(spark, cur_path) if spark and cur_path else None,
        )
    print(
        f"wrote {counts['records']:,} calls in {counts['files']:,} objects under "
        f"{Path(args.output) / 'AWSLogs'} (+{counts['duplicates']} duplicate deliveries, "
        f"{counts['malformed']} malformed lines, {counts['late']} delivered after midnight)"
    )
    print(f"profiles CSV: {Path(args.output) / 'profiles.csv'}")
    if cur_path:
        print(
            f"CUR 2.0 export: {cur_path} ({counts['cur_lines']:,} line items, "
            f"{counts['cur_periods']} billing period(s))"
        )
    return EXIT_OK


def reconcile(args: argparse.Namespace) -> int:
    from bedrock_costs.price_table import default_pricing_path
    from bedrock_costs.reconcile_job import ReconcileConfig, run_reconcile, validate
    from bedrock_costs.session import local_session

    config = ReconcileConfig(
        output_path=args.output,
        cur_path=args.cur,
        billing_period=args.billing_period,
        pricing_path=args.pricing or default_pricing_path(),
        database=args.database,
        quality=QualityConfig(
            min_matched_share=args.min_matched_share, policies=parse_policies(args.quality_policy)
        ),
    )
    validate(config)  # before Spark starts: a bad input writes nothing
    spark = local_session(config.output_path)
    shown = Shown.of(args)
    with shown.progress.watching(spark):
        summaries = run_reconcile(spark, config, progress=shown.progress)
    if shown.json:
        print(json.dumps([json.loads(s.to_json()) for s in summaries], indent=2))
    elif not shown.quiet:
        for summary in summaries:
            print(summary.human())
            print(
                "  summary              "
                + storage.join(config.output_path, "_reconcile", f"{summary.billing_period}.json")
            )
    return EXIT_OK


def focus(output: str, billing_period: str | None, database: str) -> int:
    from bedrock_costs.focus import run_focus
    from bedrock_costs.session import local_session

    if not storage.exists(storage.join(output, "invocations")):
        raise UsageError("no invocations table here: run `bedrock-costs run` first", file=output)
    spark = local_session(output)
    for export in run_focus(spark, output, billing_period=billing_period, database=database):
        note = (
            f", {export.left_out:,} unpriced call kinds left out (see `pricing coverage`)"
            if export.left_out
            else ""
        )
        print(
            f"focus {export.billing_period}: {export.rows:,} rows, BilledCost USD "
            f"{export.billed_cost:,.2f} ({export.cost_basis}){note}"
        )
    print(f"table: {storage.join(output, 'focus')} ({database}.focus)")
    return EXIT_OK


def demo(output: str, *, records: int, with_cur: bool = True) -> int:
    """Sample logs (and their CUR), the jobs on them, then the headline numbers and paths."""
    from bedrock_costs.job import run_invocation_costs, validate_inputs
    from bedrock_costs.price_table import default_pricing_path
    from bedrock_costs.report import headline
    from bedrock_costs.sample import write_sample
    from bedrock_costs.session import local_session

    root = Path(output)
    logs, tables, cur = root / "sample-logs", root / "tables", root / "sample-cur"
    for folder in (logs, tables, cur):  # the demo owns these folders: start clean
        shutil.rmtree(folder, ignore_errors=True)
    began = time.monotonic()
    progress = Progress()
    spark = local_session(str(tables))
    counts = write_sample(
        str(logs), records=records, days=7, seed=7, cur=(spark, str(cur)) if with_cur else None
    )
    print(f"1. sample logs: {counts['records']:,} calls in {counts['files']:,} objects -> {logs}")
    if with_cur:
        print(f"   sample CUR 2.0 export: {counts['cur_lines']:,} line items -> {cur}")
    config = RunConfig(
        logs_path=str(logs),
        output_path=str(tables),
        pricing_path=default_pricing_path(),
        profiles_path=str(logs / "profiles.csv"),
    )
    inputs = validate_inputs(config)
    summary = run_invocation_costs(spark, config, inputs, progress=progress)
    print("2. invocation-cost job:")
    print(summary.human())
    print(headline(spark, config.database))
    if with_cur:
        from bedrock_costs.focus import run_focus
        from bedrock_costs.reconcile_job import ReconcileConfig, run_reconcile

        print("4. reconciliation with the CUR and allocation of the bill:")
        for reconciled in run_reconcile(
            spark, ReconcileConfig(str(tables), str(cur)), progress=progress
        ):
            print(reconciled.human())
        exports = run_focus(spark, str(tables))
        print(
            "5. FOCUS 1.2 export: "
            + ", ".join(f"{e.billing_period} {e.rows:,} rows ({e.cost_basis})" for e in exports)
        )
    progress("writing the HTML report")
    page = write_report(spark, str(tables))
    print(f"\nDone in {time.monotonic() - began:.0f}s. Where everything is:")
    names = "invocations, quarantine" + (", reconciliation, allocations, focus" if with_cur else "")
    print(f"  tables (Parquet)  {tables}/{{{names}}}")
    print(f"  run summary       {tables}/_runs/{summary.run_id}.json")
    if with_cur:
        print(f"  reconciliation    {tables}/_reconcile/ (summary JSON, proposed price rows)")
    print(f"  data quality      {tables}/_quality/ (great_expectations results, JSON + HTML)")
    print(f"  catalog           {tables}/_catalog (database {config.database})")
    print(
        f"  query it          .venv/bin/bedrock-costs query --output {tables} "
        f'"SELECT tag_tenant, sum(total_cost) FROM {config.database}.invocations GROUP BY 1"'
    )
    if with_cur:
        print(
            f"  who spent the bill .venv/bin/bedrock-costs query --output {tables} "
            f"\"SELECT request_metadata['tenant'] AS tenant, sum(allocated_cost) "
            f'FROM {config.database}.allocations GROUP BY 1 ORDER BY 2 DESC"'
        )
    print(f"\nThe cost report (open it in a browser): {page}")
    return EXIT_OK


def report(output: str, target: str | None, database: str, pricing: str | None) -> int:
    """The one-file HTML report of an output folder's tables."""
    from bedrock_costs.session import catalog_dir, local_session

    if not catalog_dir(output).exists() or not storage.exists(storage.join(output, "invocations")):
        raise UsageError(
            "no invocations table here: run `bedrock-costs run` with this --output first",
            file=output,
        )
    path = write_report(local_session(output), output, target, database, pricing)
    print(f"report: {path}")
    return EXIT_OK


def write_report(
    spark: SparkSession,
    output: str,
    target: str | None = None,
    database: str = DEFAULT_DATABASE,
    pricing: str | None = None,
) -> str:
    from bedrock_costs.price_table import default_pricing_path, load_prices
    from bedrock_costs.report import report_data
    from bedrock_costs.report_page import render

    prices = load_prices(pricing or default_pricing_path())  # validated before any Spark work
    path = target or storage.join(output, "report.html")
    storage.write_text(path, render(report_data(spark, output, database, prices)))
    return path


def query(output: str, sql: str, *, limit: int) -> int:
    from bedrock_costs.session import catalog_dir, local_session

    if not catalog_dir(output).exists():
        raise UsageError(
            "no catalog here: run `bedrock-costs run` with this --output first", file=output
        )
    spark = local_session(output)
    spark.sql(sql).show(limit, truncate=False)
    return EXIT_OK


def pricing_validate(path: str, fmt: str) -> int:
    from bedrock_costs.price_table import load_prices

    rows = load_prices(path, fmt=fmt)
    models = len({r.model for r in rows})
    print(f"{path}: valid, {len(rows)} price rows for {models} models")
    return EXIT_OK


def pricing_convert(path: str, fmt: str, target: str) -> int:
    from bedrock_costs.aws_sample_prices import WARNING
    from bedrock_costs.price_table import load_prices, to_csv

    rows = load_prices(path, fmt=fmt)
    storage.write_text(target, to_csv(rows))
    if fmt == "aws-sample":
        print(f"warning: {WARNING.format(path=path)}", file=sys.stderr)
    print(f"wrote {len(rows)} rows to {target}")
    return EXIT_OK


def pricing_coverage(output: str, csv_path: str | None) -> int:
    """Unpriced calls in a written table, grouped, with the rows to add to the price table."""
    from bedrock_costs import schemas
    from bedrock_costs.coverage import suggested_rows, unpriced_groups
    from bedrock_costs.session import local_session

    table = storage.join(output, "invocations")
    if not storage.exists(table):
        raise UsageError("no invocations table here: run `bedrock-costs run` first", file=output)
    spark = local_session(output)
    calls = spark.read.schema(schemas.load("invocations").spark_type()).parquet(
        storage.spark_path(table)
    )
    groups = [r.asDict() for r in unpriced_groups(calls).take(10_000)]
    if not groups:
        print("every call is priced")
        return EXIT_OK
    print(
        f"{'status':<19}{'model / model_id':<62}{'region':<15}{'routing':<10}{'tier':<9}"
        f"{'calls':>8}{'input tok':>13}{'output tok':>12}  days"
    )
    for g in groups:
        name = g["model"] or g["model_id"] or "(none)"
        print(
            f"{g['pricing_status']:<19}{name[:60]:<62}{g['region'] or '':<15}"
            f"{g['routing'] or '':<10}{g['service_tier'] or '':<9}{g['calls']:>8,}"
            f"{g['input_tokens']:>13,}{g['output_tokens']:>12,}  {g['first_day']}..{g['last_day']}"
        )
    rows = suggested_rows(groups)
    if rows.count("\n") > 1:
        print("\nrows to add to the price table (fill in the prices):\n" + rows, end="")
    if csv_path:
        lines = [",".join(str(g[k] if g[k] is not None else "") for k in groups[0]) for g in groups]
        storage.write_text(csv_path, ",".join(groups[0]) + "\n" + "\n".join(lines) + "\n")
        print(f"wrote {len(groups)} groups to {csv_path}")
    return EXIT_OK


def profiles_export(target: str, regions: list[str] | None) -> int:
    import os

    from bedrock_costs.profile_inventory import export_profiles, to_csv

    regions = (
        regions
        or [r for r in (os.environ.get("AWS_REGION"), os.environ.get("AWS_DEFAULT_REGION")) if r][
            :1
        ]
    )
    if not regions:
        raise UsageError("name a Region with --region (or set AWS_REGION)")
    profiles = export_profiles(regions, warn=lambda m: print(f"warning: {m}", file=sys.stderr))
    storage.write_text(target, to_csv(profiles))
    print(
        f"wrote {len(profiles)} application inference profiles "
        f"from {', '.join(regions)} to {target}"
    )
    return EXIT_OK


def pricing_refresh(
    offers: list[str], pricing: str | None, as_of: str | None, target: str | None
) -> int:
    """Print the proposed changes; with a target, write the merged, validated table."""
    from datetime import UTC, datetime

    from bedrock_costs.model_names import model_names
    from bedrock_costs.price_list import read_offer
    from bedrock_costs.price_refresh import describe, propose
    from bedrock_costs.price_table import (
        check_no_ambiguity,
        default_pricing_path,
        load_prices,
        to_csv,
    )

    current = load_prices(pricing or default_pricing_path())
    day = parse_date(as_of, "--as-of") if as_of else datetime.now(UTC).date()
    prices, set_aside = [], 0
    for source in offers:
        found, skipped = read_offer(_read_offer_text(source))
        prices += found
        set_aside += len(skipped)
    refresh = propose(current, prices, model_names(), day)
    print(describe(refresh, current))
    print(f"  ({len(prices)} token prices read, {set_aside} other SKUs set aside)")
    if target:
        merged = refresh.merged(current)
        check_no_ambiguity(target, merged)
        storage.write_text(target, to_csv(merged))
        print(f"wrote {len(merged)} rows to {target}")
    return EXIT_OK


def _read_offer_text(source: str) -> str:
    try:
        if source.startswith(("https://", "http://")):
            from urllib.request import urlopen

            with urlopen(source, timeout=120) as response:
                return response.read().decode("utf-8")
        return storage.read_text(source)
    except OSError as exc:
        raise UsageError(f"cannot read the offer file ({exc})", file=source) from exc
