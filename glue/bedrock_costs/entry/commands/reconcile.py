"""`bedrock-costs reconcile`: compare the estimates with the CUR 2.0 bill and allocate it."""

from __future__ import annotations

import argparse
import json

from bedrock_costs import config
from bedrock_costs.config import CLI, ReconcileConfig
from bedrock_costs.contract.errors import EXIT_OK
from bedrock_costs.entry.options import DEFAULT_SHOWN, Shown, add_output_options, add_settings
from bedrock_costs.io import storage


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "reconcile",
        help="reconcile invocations with the CUR 2.0 bill and allocate it to calls",
        description="Compare the invocations table under --output with the Bedrock line items "
        "of a CUR 2.0 export, per day, account, Region, model, token class, routing and tier "
        "(and IAM principal when the CUR has it); write the reconciliation and allocations "
        "tables, replacing each billing period reconciled.",
    )
    add_settings(parser, config.RECONCILE_SETTINGS)
    add_output_options(parser)
    parser.set_defaults(
        handler=lambda args: reconcile(config.reconcile_config(vars(args), CLI), Shown.of(args))
    )


def reconcile(settings: ReconcileConfig, shown: Shown = DEFAULT_SHOWN) -> int:
    from bedrock_costs.io.session import local_session, writer_lock
    from bedrock_costs.pipelines.reconcile import run_reconcile, validate

    validate(settings)  # before Spark starts: a bad input writes nothing
    with writer_lock(settings.output_path):
        spark = local_session(settings.output_path, s3=storage.is_s3(settings.cur_path))
        with shown.progress.watching(spark):
            summaries = run_reconcile(spark, settings, progress=shown.progress)
    if shown.json:
        print(json.dumps([json.loads(s.to_json()) for s in summaries], indent=2))
    elif not shown.quiet:
        for summary in summaries:
            print(summary.human())
            path = storage.join(
                settings.output_path, "_reconcile", f"{summary.billing_period}.json"
            )
            print(f"  summary              {path}")
    return EXIT_OK
