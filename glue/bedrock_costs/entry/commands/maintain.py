"""`bedrock-costs maintain`: expire old snapshots, remove killed runs' branches and orphan
files, compact small files (weekly in Glue)."""

from __future__ import annotations

import argparse

from bedrock_costs import config
from bedrock_costs.config import CLI, MaintainConfig
from bedrock_costs.contract.errors import EXIT_OK, UsageError
from bedrock_costs.entry.options import add_settings


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "maintain",
        help="expire old snapshots, remove orphan files, compact small files",
        description="Maintain an output folder's Iceberg tables: remove the unpublished "
        "branches of runs that were killed, expire snapshots older than --keep-days (snapshots "
        "tagged by reconcile are kept), delete files no snapshot references and compact small "
        "data files. Run it when no job is running.",
    )
    add_settings(parser, config.MAINTAIN_SETTINGS)
    parser.set_defaults(handler=lambda args: maintain(config.maintain_config(vars(args), CLI)))


def maintain(settings: MaintainConfig) -> int:
    from bedrock_costs.io import storage
    from bedrock_costs.io.session import local_session, writer_lock
    from bedrock_costs.pipelines.maintain import run_maintain

    if not storage.exists(storage.join(settings.output_path, "invocations")):
        raise UsageError(
            "no invocations table here: run `bedrock-costs run` first", file=settings.output_path
        )
    with writer_lock(settings.output_path):
        maintained = run_maintain(local_session(settings.output_path), settings)
    for done in maintained:
        print(done.human())
    return EXIT_OK
