"""`bedrock-costs profiles export`: the profiles CSV from the Bedrock API."""

from __future__ import annotations

import argparse
import os
import sys

from bedrock_costs.contract.errors import EXIT_OK, UsageError
from bedrock_costs.io import storage


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "profiles",
        help="application inference profiles",
        description="Tools for the application inference profiles CSV.",
    )
    tools = parser.add_subparsers(dest="profiles_command", required=True, metavar="TOOL")
    export = tools.add_parser(
        "export",
        help="write the profiles CSV from the Bedrock API",
        description="List the application inference profiles of each Region "
        "(ListInferenceProfiles, type APPLICATION) with their tags (ListTagsForResource) and "
        "write the profiles CSV that `run --profiles` reads. Uses the usual AWS credentials "
        "and AWS_PROFILE.",
    )
    export.add_argument("--to", required=True, metavar="CSV", help="where to write the CSV")
    export.add_argument(
        "--region",
        action="append",
        metavar="R",
        help="a Region to list (repeat for several; default: AWS_REGION)",
    )
    export.set_defaults(handler=lambda args: profiles_export(args.to, args.region))


def profiles_export(target: str, regions: list[str] | None) -> int:
    from bedrock_costs.reference.profile_inventory import export_profiles, to_csv

    default = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    regions = regions or ([default] if default else [])
    if not regions:
        raise UsageError("name a Region with --region (or set AWS_REGION)")
    profiles = export_profiles(regions, warn=lambda m: print(f"warning: {m}", file=sys.stderr))
    storage.write_text(target, to_csv(profiles))
    print(
        f"wrote {len(profiles)} application inference profiles "
        f"from {', '.join(regions)} to {target}"
    )
    return EXIT_OK
