"""deploy.sh --destroy, through the SDK: what deploy.sh made, removed in the reverse order —
triggers, jobs, Lake Formation's filters, grants and location, QuickSight's dashboard, datasets
and data source, the Athena workgroup, the Glue database (table and view definitions only), the
role and the artifacts. Never the logs, the CUR export, nor the tables' data and Iceberg metadata
under the output (a later deploy registers those tables again). Whatever is already gone is
skipped; a removal AWS refuses is a warning, and the rest goes on.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

from bedrock_costs.deploy import governance, quicksight
from bedrock_costs.deploy.access import RULE_COLUMNS
from bedrock_costs.deploy.athena import workgroups
from bedrock_costs.deploy.dashboard import dashboard_id
from bedrock_costs.deploy.lake_formation import job_role_grants
from bedrock_costs.deploy.plan import Plan, run_step
from bedrock_costs.deploy.views import VIEWS
from bedrock_costs.io import aws


@dataclass(frozen=True)
class Deployment:
    account: str
    prefix: str
    database: str
    output: str  # s3://bucket/key/ or "" (then the artifacts and the location are not known)
    artifacts: str  # s3://… or ""
    lake_formation: bool

    @property
    def role(self) -> str:
        return f"{self.prefix}-glue-jobs"

    def jobs(self) -> list[str]:
        return [f"{self.prefix}-{j}" for j in ("cur-reconcile", "invocation-costs", "maintain")]

    def triggers(self) -> list[str]:
        return [
            f"{self.prefix}-{t}"
            for t in ("reconcile-after-costs", "daily-costs", "weekly-maintain")
        ]


def _warn(what: str, exc: BaseException) -> None:
    print(f"deploy.sh: warning: could not delete {what}: {exc}", file=sys.stderr)


def glue_jobs(glue: Any, d: Deployment, plan: Plan) -> None:
    found = glue.batch_get_triggers(TriggerNames=d.triggers()).get("Triggers", [])
    for name in [t for t in d.triggers() if t in {f["Name"] for f in found}]:
        plan.say("delete", f"glue trigger {name}")
        if not plan.dry_run:
            glue.delete_trigger(Name=name)
    found = glue.batch_get_jobs(JobNames=d.jobs()).get("Jobs", [])
    for name in [j for j in d.jobs() if j in {f["Name"] for f in found}]:
        plan.say("delete", f"glue job {name}")
        if not plan.dry_run:
            glue.delete_job(JobName=name)


def lake_formation(lf: Any, d: Deployment, plan: Plan) -> None:
    delete_filters(lf, d, plan)
    if not d.output:
        print(
            "deploy.sh: warning: without --output the Lake Formation location stays registered",
            file=sys.stderr,
        )
        return
    bucket, key = aws.split_s3(d.output)
    location = f"arn:aws:s3:::{bucket}/{key}".rstrip("/")
    revoke_role(lf, d, location, plan)
    try:
        lf.describe_resource(ResourceArn=location)
    except Exception as exc:
        if not aws.is_missing(exc):
            raise
        return
    plan.say("delete", f"lake formation location {location}")
    if not plan.dry_run:
        lf.deregister_resource(ResourceArn=location)


def delete_filters(lf: Any, d: Deployment, plan: Plan) -> None:
    paginator = lf.get_paginator("list_data_cells_filter")  # every filter of the catalog
    filters = [f for page in paginator.paginate() for f in page.get("DataCellsFilters", [])]
    for found in filters:
        if found.get("DatabaseName") != d.database or not found.get("Name", "").startswith("bc-"):
            continue
        table, name = found["TableName"], found["Name"]
        plan.say("delete", f"lake formation filter {name} on {d.database}.{table}")
        ids = {
            "TableCatalogId": d.account,
            "DatabaseName": d.database,
            "TableName": table,
            "Name": name,
        }
        plan.record("lakeformation", "DeleteDataCellsFilter", ids)
        if not plan.dry_run:
            lf.delete_data_cells_filter(**ids)


def revoke_role(lf: Any, d: Deployment, location: str, plan: Plan) -> None:
    role_arn = f"arn:aws:iam::{d.account}:role/{d.role}"
    revoke = job_role_grants(role_arn, d.account, d.database, location)
    default = governance.database_resource(d.account, governance.DEFAULT_DATABASE)
    revoke["Entries"].append(
        governance.entry(role_arn, default, ["DESCRIBE"], len(revoke["Entries"]) + 1)
    )
    plan.say("revoke", f"lake formation permissions of {d.role}")
    plan.record("lakeformation", "BatchRevokePermissions", revoke)
    if not plan.dry_run:
        try:
            failed = lf.batch_revoke_permissions(**revoke).get("Failures") or []
        except Exception as exc:  # refused as a whole: said, and the rest goes on
            if aws.error_code(exc) is None:
                raise
            failed = [exc]
        if failed:
            print(
                f"deploy.sh: warning: could not revoke the Lake Formation permissions of {d.role}",
                file=sys.stderr,
            )


def quicksight_resources(qs: Any, d: Deployment, plan: Plan) -> None:
    source = quicksight.data_source_id(d.prefix)
    try:
        qs.describe_data_source(AwsAccountId=d.account, DataSourceId=source)
    except Exception as exc:
        if not aws.is_missing(exc):
            raise
        return
    board = {"AwsAccountId": d.account, "DashboardId": dashboard_id(d.prefix)}
    plan.record("quicksight", "DeleteDashboard", board)
    try:
        qs.describe_dashboard(**board)
        plan.say("delete", f"quicksight dashboard {board['DashboardId']}")
        if not plan.dry_run:
            qs.delete_dashboard(**board)
    except Exception as exc:
        if not aws.is_missing(exc):
            _warn(f"the QuickSight dashboard {board['DashboardId']}", exc)
    for view in (*VIEWS, *RULE_COLUMNS):
        data_set = {"AwsAccountId": d.account, "DataSetId": quicksight.data_set_id(d.prefix, view)}
        plan.record("quicksight", "DeleteDataSet", data_set)
        try:
            if not plan.dry_run:
                qs.delete_data_set(**data_set)
            plan.say("delete", f"quicksight dataset {data_set['DataSetId']}")
        except Exception as exc:
            if aws.is_missing(exc):
                plan.say("delete", f"quicksight dataset {data_set['DataSetId']}")
            else:
                _warn(f"the QuickSight dataset {data_set['DataSetId']}", exc)
    plan.say("delete", f"quicksight data source {source}")
    if not plan.dry_run:
        qs.delete_data_source(AwsAccountId=d.account, DataSourceId=source)


def athena_glue_iam(clients: dict[str, Any], d: Deployment, plan: Plan) -> None:
    athena, glue, iam = clients["athena"], clients["glue"], clients["iam"]
    if d.prefix in workgroups(athena):
        plan.say("delete", f"athena workgroup {d.prefix}")
        if not plan.dry_run:
            athena.delete_work_group(WorkGroup=d.prefix, RecursiveDeleteOption=True)
    try:
        glue.get_database(Name=d.database)
        plan.say("delete", f"glue database {d.database} (table and view definitions only)")
        if not plan.dry_run:
            glue.delete_database(Name=d.database)
    except Exception as exc:
        if not aws.is_missing(exc):
            raise
    try:
        iam.get_role(RoleName=d.role)
        plan.say("delete", f"iam role {d.role}")
        if not plan.dry_run:
            iam.delete_role_policy(RoleName=d.role, PolicyName=f"{d.prefix}-access")
            iam.delete_role(RoleName=d.role)
    except Exception as exc:
        if not aws.is_missing(exc):
            raise


def artifacts(s3: Any, d: Deployment, plan: Plan) -> None:
    where = d.artifacts or (f"{d.output}_deploy/" if d.output else "")
    if not where:
        return
    plan.say("delete", f"artifacts under {where}")
    if plan.dry_run:
        return
    bucket, key = aws.split_s3(where)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def destroy(d: Deployment, plan: Plan) -> None:
    clients = {
        s: aws.client(s) for s in ("glue", "lakeformation", "quicksight", "athena", "iam", "s3")
    }
    glue_jobs(clients["glue"], d, plan)
    if d.lake_formation:
        lake_formation(clients["lakeformation"], d, plan)
    quicksight_resources(clients["quicksight"], d, plan)
    athena_glue_iam(clients, d, plan)
    artifacts(clients["s3"], d, plan)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bedrock_costs.deploy.destroy")
    for option in ("account", "prefix", "database"):
        parser.add_argument(f"--{option}", required=True)
    parser.add_argument("--output", default="")
    parser.add_argument("--artifacts", default="")
    parser.add_argument("--lake-formation", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    deployment = Deployment(
        args.account, args.prefix, args.database, args.output, args.artifacts, args.lake_formation
    )
    return run_step("destroy", lambda: destroy(deployment, Plan(dry_run=args.dry_run)))


if __name__ == "__main__":
    sys.exit(main())
