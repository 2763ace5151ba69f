"""deploy.sh's deployment in one process: after deploy.sh has checked its arguments and built
the package's wheel, `python -m bedrock_costs.deploy.apply` reads what the account has, checks
everything that could refuse the deploy, then makes each resource, in this order:

0. the checks (nothing written yet): the jobs' role policy (every location named exactly, the
   buckets' KMS keys found), Athena's results folder outside the output, the access file, a
   deployment with row-level security redeployed without its access file, the Iceberg tables
   each at their own location — a usage error here is one line, exit 2;
1. the artifacts (deploy/artifacts.py): the zip of wheels, the job scripts, the price tables and
   the access file's rules tables, each uploaded only when it changed;
2-3. the jobs' role and the Glue database (deploy/foundation.py);
3b. the output tables as Iceberg tables (deploy/iceberg_tables.py), the rules tables;
4-5. the Glue jobs and triggers (deploy/glue_jobs.py);
6. with --lake-formation, Lake Formation made to decide (deploy/governance.py);
7. the Athena workgroup and the dashboard views, each awaited (deploy/athena.py);
8. with --lake-formation, the output location, the grants and the data-cell filters
   (deploy/lake_formation.py);
9. with --quicksight-principal, the data source, datasets and dashboard, each awaited
   (deploy/quicksight_apply.py).
Each prints its plan lines (`  action     what`); with --dry-run nothing is written. AWS
refusing a step is one line naming the service, exit 1: the steps before it stay made, and
deploying again continues from there (each step reads what exists first).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bedrock_costs
from bedrock_costs.contract.errors import EXIT_FAILED, EXIT_USAGE, UsageError
from bedrock_costs.deploy import access as access_file
from bedrock_costs.deploy import (
    artifacts,
    athena,
    foundation,
    glue_jobs,
    glue_tables,
    governance,
    iceberg_tables,
    lake_formation,
    quicksight,
    quicksight_apply,
    role_policy,
)
from bedrock_costs.deploy.glue_wheels import BundleError
from bedrock_costs.deploy.plan import DeployError, Plan, step
from bedrock_costs.io import aws


@dataclass(frozen=True)
class Checked:
    """What step 0 found and made: nothing is written before all of it holds."""

    policy: dict
    trust: dict
    results: str  # Athena's query results folder
    access: access_file.Access | None
    tables: dict[str, dict]  # the database's tables now, by name
    iceberg: list[iceberg_tables.Planned]


def check(args: argparse.Namespace) -> Checked:
    """Step 0: a UsageError for anything that would refuse the deploy; AWS is only read."""
    places = {
        "logs": args.logs,
        "output": args.output,
        "artifacts": args.artifacts,
        **({"cur": args.cur} if args.cur else {}),
    }
    settings = role_policy.deployed(
        args.account,
        args.region,
        args.prefix,
        args.database,
        places,
        lake_formation=args.lake_formation,
        kms_keys=tuple(args.kms_key),
    )
    results = args.athena_results or athena.default_results(args.output, args.prefix)
    athena.check_results(results, args.output)
    loaded = access_file.load(args.access) if args.access else None
    tables = catalog_tables(aws.client("glue"), args.database)
    if loaded is None and "access_rules" in tables:
        raise UsageError(
            "this deployment has row-level security: pass its --access file "
            "(a deploy without it would show every row)"
        )
    tag_columns = (loaded.tenant_column,) if loaded and args.lake_formation else ()
    return Checked(
        role_policy.role_policy(settings),
        role_policy.trust_policy(args.account),
        results,
        loaded,
        tables,
        iceberg_tables.plan_tables(tables, args.output, tag_columns),
    )


def catalog_tables(glue: Any, database: str) -> dict[str, dict]:
    """The database's table definitions by name ({} when there is no database yet)."""
    found: dict[str, dict] = {}
    try:
        for page in glue.get_paginator("get_tables").paginate(DatabaseName=database):
            found |= {t["Name"]: t for t in page["TableList"]}
    except Exception as exc:
        if not aws.is_missing(exc):
            raise
    return found


def deploy(args: argparse.Namespace, plan: Plan) -> None:
    found = check(args)
    role_arn = f"arn:aws:iam::{args.account}:role/{role_name(args)}"
    modules = f"bedrock_costs-{bedrock_costs.__version__}.gluewheels.zip"
    publish_artifacts(args, found, modules, plan)
    glue = aws.client("glue")
    with step("iam"):
        iam = aws.client("iam")
        foundation.ensure_role(iam, role_name(args), args.prefix, found.policy, found.trust, plan)
    with step("glue"):
        foundation.ensure_database(glue, args.database, args.prefix, args.lake_formation, plan)
        iceberg_tables.apply_tables(args.database, found.iceberg, found.tables, plan)
        if found.access is not None:
            rules = f"{args.artifacts}access/"
            glue_tables.ensure_rules_tables(glue, args.database, found.tables, rules, plan)
        glue_jobs.ensure(glue, jobs(args, role_arn, modules), plan)
    if args.lake_formation:
        with step("lake formation"):
            governance.enforce(args.account, args.database, role_arn, plan)
    with step("athena"):
        tag = found.access.tenant_tag if found.access else access_file.DEFAULT_TENANT_TAG
        athena.ensure(aws.client("athena"), args.database, args.prefix, found.results, tag, plan)
    if args.lake_formation:
        with step("lake formation"):
            lf = aws.client("lakeformation")
            reader = args.quicksight_principal
            lake_formation.govern(
                lf, args.account, args.database, args.output, role_arn, reader, found.access, plan
            )
    if args.quicksight_principal:
        requests = quicksight.requests(
            args.account,
            args.region,
            args.prefix,
            args.database,
            args.prefix,  # the workgroup
            args.quicksight_principal,
            args.access or None,
            args.dashboard,
        )
        with step("quicksight"):
            quicksight_apply.apply(aws.client("quicksight"), requests, plan)


def role_name(args: argparse.Namespace) -> str:
    return f"{args.prefix}-glue-jobs"


def publish_artifacts(args: argparse.Namespace, found: Checked, modules: str, plan: Plan) -> None:
    """Step 1: staged in a temporary folder, then uploaded where they changed."""
    with tempfile.TemporaryDirectory(prefix="bedrock-costs-deploy-") as build:
        stage = Path(build)
        relied = artifacts.stage(
            stage,
            home=args.home,
            pricing=args.pricing,
            wheel=args.wheel,
            modules=modules,
            cache=args.wheel_cache,
            access=found.access,
        )
        print(
            f"  the jobs' Python modules: {args.wheel.name} and its locked dependencies; "
            f"the job relies on Glue 5.0's {', '.join(relied)}",
            flush=True,
        )
        with step("s3"):
            artifacts.upload(stage, args.artifacts, plan)


def jobs(args: argparse.Namespace, role_arn: str, modules: str) -> glue_jobs.Jobs:
    settings = {
        name.replace("-", "_"): getattr(args, name.replace("-", "_")) for name in glue_jobs.SETTINGS
    }
    return glue_jobs.Jobs(
        prefix=args.prefix,
        region=args.region,
        role_arn=role_arn,
        database=args.database,
        artifacts=args.artifacts,
        modules=modules,
        logs=args.logs,
        output=args.output,
        cur=args.cur,
        **settings,
    )


def parser() -> argparse.ArgumentParser:
    """The options deploy.sh passes (it has checked and normalised them: s3:// folders end in /)."""
    found = argparse.ArgumentParser(prog="python -m bedrock_costs.deploy.apply")
    for option in ("account", "region", "prefix", "database", "logs", "output", "artifacts"):
        found.add_argument(f"--{option}", required=True)
    for option in ("cur", "athena-results", "quicksight-principal", "access"):
        found.add_argument(f"--{option}", default="")
    for option in ("home", "pricing", "wheel", "wheel-cache"):
        found.add_argument(f"--{option}", type=Path, required=True)
    found.add_argument("--kms-key", action="append", default=[], help="a key ARN to use")
    for option, default in glue_jobs.SETTINGS.items():
        found.add_argument(f"--{option}", type=type(default), default=default)
    for flag in ("lake-formation", "dashboard", "dry-run"):
        found.add_argument(f"--{flag}", action="store_true")
    return found


def main(argv: list[str] | None = None) -> int:
    """0 deployed (or planned, with --dry-run); 2 a usage error, nothing written; 1 AWS refused
    or failed a step (its one line on stderr)."""
    args = parser().parse_args(argv)
    try:
        import pyiceberg.catalog.glue  # noqa: F401  (the tables step: the [deploy] extra)
    except ImportError:
        print(
            f"deploy.sh: error: pyiceberg is not importable by {sys.executable} "
            "(pip install 'bedrock-costs[deploy]', or run make)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        deploy(args, Plan(dry_run=args.dry_run))
    except (UsageError, BundleError) as exc:
        print(f"deploy.sh: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DeployError as exc:
        print(f"deploy.sh: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


if __name__ == "__main__":
    sys.exit(main())
