"""`bedrock-costs focus`: the FinOps FOCUS 1.2 export."""

from __future__ import annotations

import argparse

from bedrock_costs import config
from bedrock_costs.config import CLI, FocusConfig
from bedrock_costs.contract.errors import EXIT_OK
from bedrock_costs.entry.options import add_settings
from bedrock_costs.io import storage


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "focus",
        help="export FOCUS 1.2 cost rows",
        description="Write the focus table (FinOps FOCUS 1.2 columns plus x_ extras) under "
        "--output: allocated CUR cost per call for reconciled billing periods, estimates "
        "otherwise.",
    )
    add_settings(parser, config.FOCUS_SETTINGS)
    parser.set_defaults(handler=lambda args: focus(config.focus_config(vars(args), CLI)))


def focus(settings: FocusConfig) -> int:
    from bedrock_costs.io.session import local_session, writer_lock
    from bedrock_costs.pipelines.focus import run_focus, validate

    validate(settings)  # before Spark starts
    with writer_lock(settings.output_path):
        exports = run_focus(local_session(settings.output_path), settings)
    for export in exports:
        note = (
            f", {export.left_out:,} unpriced call kinds left out (see `pricing coverage`)"
            if export.left_out
            else ""
        )
        print(
            f"focus {export.billing_period}: {export.rows:,} rows, BilledCost USD "
            f"{export.billed_cost:,.2f} ({export.cost_basis}){note}"
        )
    table = storage.join(settings.output_path, "focus")
    print(f"table: {table} ({settings.database}.focus)")
    return EXIT_OK
