"""`bedrock-costs query`: one SQL statement against an output folder's catalog."""

from __future__ import annotations

import argparse
import re

from bedrock_costs.config import RunConfig
from bedrock_costs.contract.errors import EXIT_OK, UsageError
from bedrock_costs.entry.options import add_as_of
from bedrock_costs.io.as_of import AsOf

TABLES = ("invocations", "quarantine", "reconciliation", "allocations", "focus")


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
    parser.add_argument("--database", default=RunConfig.database, metavar="NAME")
    add_as_of(
        parser,
        "read every table as it was at a snapshot id or an ISO-8601 time (UTC unless it says); "
        "name the tables without the database then (FROM invocations)",
    )
    parser.set_defaults(
        handler=lambda args: query(
            args.output, args.sql, limit=args.limit, database=args.database, as_of=args.as_of
        )
    )


def query(
    output: str,
    sql: str,
    *,
    limit: int,
    database: str = RunConfig.database,
    as_of: AsOf | None = None,
) -> int:
    from bedrock_costs.io.catalog import table_exists
    from bedrock_costs.io.catalog_settings import catalog_file, uses_glue_catalog
    from bedrock_costs.io.session import local_session
    from bedrock_costs.io.tables import read_table

    if not uses_glue_catalog() and not catalog_file(output).exists():
        raise UsageError(
            "no catalog here: run `bedrock-costs run` with this --output first", file=output
        )
    if as_of is not None and re.search(rf"\b{re.escape(database)}\s*\.", sql, re.IGNORECASE):
        raise UsageError(
            f"with --as-of, name the tables without the database ({database}.invocations "
            "reads the tables as they are now): SELECT … FROM invocations"
        )
    spark = local_session(output)
    if as_of is not None:  # each table as of then, as a temporary view of its bare name
        for table in TABLES:
            if table_exists(spark, database, table):
                frame = read_table(spark, database, table, as_of=as_of, missing_ok=True)
                frame.createOrReplaceTempView(table)
    spark.sql(sql).show(limit, truncate=False)
    return EXIT_OK
