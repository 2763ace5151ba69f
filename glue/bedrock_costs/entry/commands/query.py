"""`bedrock-costs query`: one SQL statement against an output folder's catalog."""

from __future__ import annotations

import argparse

from bedrock_costs.contract.errors import EXIT_OK, UsageError


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "query",
        help="run SQL against an output folder's catalog",
        description="Run one SQL statement in a Spark session attached "
        "to the catalog kept under a local output folder.",
    )
    parser.add_argument("--output", required=True, metavar="PATH")
    parser.add_argument(
        "sql", help='e.g. "SELECT model, sum(total_cost) FROM bedrock_costs.invocations GROUP BY 1"'
    )
    parser.add_argument(
        "--limit", type=int, default=50, metavar="N", help="rows to show (default 50)"
    )
    parser.set_defaults(handler=lambda args: query(args.output, args.sql, limit=args.limit))


def query(output: str, sql: str, *, limit: int) -> int:
    from bedrock_costs.io.session import catalog_dir, local_session

    if not catalog_dir(output).exists():
        raise UsageError(
            "no catalog here: run `bedrock-costs run` with this --output first", file=output
        )
    spark = local_session(output)
    spark.sql(sql).show(limit, truncate=False)
    return EXIT_OK
