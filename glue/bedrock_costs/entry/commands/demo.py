"""`bedrock-costs demo`: sample data, the whole pipeline on it, and where everything is."""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bedrock_costs.config import FocusConfig, ReconcileConfig, RunConfig
from bedrock_costs.contract.errors import EXIT_OK
from bedrock_costs.entry.commands.report import write_report
from bedrock_costs.entry.options import Progress

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from bedrock_costs.pipelines.run_summary import RunSummary


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "demo",
        help="sample data, the whole pipeline, and where it all is",
        description="Generate sample logs, run the pipeline on them, and "
        "print the headline numbers and where the tables are.",
    )
    parser.add_argument(
        "--output", default="demo-output", metavar="PATH", help="default ./demo-output"
    )
    parser.add_argument("--records", type=int, default=20_000, metavar="N")
    parser.add_argument(
        "--no-cur", action="store_true", help="skip the synthetic CUR and the reconciliation"
    )
    parser.set_defaults(
        handler=lambda args: demo(args.output, records=args.records, with_cur=not args.no_cur)
    )


def demo(output: str, *, records: int, with_cur: bool = True) -> int:
    """Sample logs (and their CUR), the jobs on them, then the headline numbers and paths."""
    from bedrock_costs.io.session import local_session
    from bedrock_costs.pipelines.invocation_costs import run_invocation_costs, validate_inputs
    from bedrock_costs.report.figures import headline
    from bedrock_costs.sample.logs import write_sample

    root = Path(output)
    logs, tables, cur = root / "sample-logs", root / "tables", root / "sample-cur"
    for folder in (logs, tables, cur):  # the demo owns these folders: start clean
        shutil.rmtree(folder, ignore_errors=True)
    began, progress = time.monotonic(), Progress()
    spark = local_session(str(tables))
    counts = write_sample(
        str(logs), records=records, days=7, seed=7, cur=(spark, str(cur)) if with_cur else None
    )
    print(f"1. sample logs: {counts['records']:,} calls in {counts['files']:,} objects -> {logs}")
    if with_cur:
        print(f"   sample CUR 2.0 export: {counts['cur_lines']:,} line items -> {cur}")
    settings = RunConfig(str(logs), str(tables), profiles_path=str(logs / "profiles.csv"))
    summary = run_invocation_costs(spark, settings, validate_inputs(settings), progress=progress)
    print("2. invocation-cost job:")
    print(summary.human())
    print(headline(spark, settings.database))
    if with_cur:
        _reconcile(spark, str(tables), str(cur), progress)
    progress("writing the HTML report")
    page = write_report(spark, str(tables))
    print(f"\nDone in {time.monotonic() - began:.0f}s. Where everything is:")
    _where(tables, summary, settings.database, with_cur)
    print(f"\nThe cost report (open it in a browser): {page}")
    return EXIT_OK


def _reconcile(spark: SparkSession, tables: str, cur: str, progress: Progress) -> None:
    from bedrock_costs.pipelines.focus import run_focus
    from bedrock_costs.pipelines.reconcile import run_reconcile

    print("4. reconciliation with the CUR and allocation of the bill:")
    for reconciled in run_reconcile(spark, ReconcileConfig(tables, cur), progress=progress):
        print(reconciled.human())
    exports = run_focus(spark, FocusConfig(tables))
    print(
        "5. FOCUS 1.2 export: "
        + ", ".join(f"{e.billing_period} {e.rows:,} rows ({e.cost_basis})" for e in exports)
    )


def _where(tables: Path, summary: RunSummary, database: str, with_cur: bool) -> None:
    names = "invocations, quarantine" + (", reconciliation, allocations, focus" if with_cur else "")
    print(f"  tables (Iceberg)  {tables}/{{{names}}}")
    print(f"  run summary       {tables}/_runs/{summary.run_id}.json")
    if with_cur:
        print(f"  reconciliation    {tables}/_reconcile/ (summary JSON, proposed price rows)")
    print(f"  data quality      {tables}/_quality/ (great_expectations results, JSON + HTML)")
    print(f"  catalog           {tables}/_catalog/catalog.db (database {database})")
    print(
        f"  query it          .venv/bin/bedrock-costs query --output {tables} "
        f'"SELECT tag_tenant, sum(total_cost) FROM {database}.invocations GROUP BY 1"'
    )
    if with_cur:
        print(
            f"  who spent the bill .venv/bin/bedrock-costs query --output {tables} "
            f"\"SELECT request_metadata['tenant'] AS tenant, sum(allocated_cost) "
            f'FROM {database}.allocations GROUP BY 1 ORDER BY 2 DESC"'
        )
