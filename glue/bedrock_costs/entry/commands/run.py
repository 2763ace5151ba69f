"""`bedrock-costs run`: price invocation logs into the invocations and quarantine tables."""

from __future__ import annotations

import argparse

from bedrock_costs import config
from bedrock_costs.config import CLI, RunConfig
from bedrock_costs.contract.errors import EXIT_OK, QualityGateError
from bedrock_costs.entry.options import DEFAULT_SHOWN, Shown, add_output_options, add_settings
from bedrock_costs.io import storage


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="price invocation logs into the invocations table",
        description="Price Bedrock invocation logs into the invocations "
        "and quarantine tables, and register them in a catalog.",
    )
    add_settings(parser, config.RUN_SETTINGS)
    add_output_options(parser)
    parser.set_defaults(
        handler=lambda args: run(config.run_config(vars(args), CLI), Shown.of(args))
    )


def run(settings: RunConfig, shown: Shown = DEFAULT_SHOWN) -> int:
    from bedrock_costs.io.session import local_session, writer_lock
    from bedrock_costs.pipelines.invocation_costs import run_invocation_costs, validate_inputs

    inputs = validate_inputs(settings)  # before Spark starts: a bad input writes nothing
    progress = shown.progress
    try:
        with writer_lock(settings.output_path):
            spark = local_session(settings.output_path, s3=storage.is_s3(settings.logs_path))
            with progress.watching(spark):
                summary = run_invocation_costs(spark, settings, inputs, progress=progress)
    except QualityGateError as exc:
        if shown.json:  # the summary saved with status quality_failed
            print(storage.read_text(summary_path(settings.output_path, exc.run_id)), end="")
        raise
    if shown.json:
        print(summary.to_json(), end="")
    elif not shown.quiet:
        print(summary.human())
        print(f"  summary              {summary_path(settings.output_path, summary.run_id)}")
    return EXIT_OK


def summary_path(output_path: str, run_id: str) -> str:
    return storage.join(output_path, "_runs", f"{run_id}.json")
