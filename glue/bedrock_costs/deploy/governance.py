"""deploy.sh --lake-formation, the part that makes Lake Formation decide: in an account left at
its defaults, Lake Formation grants `IAM_ALLOWED_PRINCIPALS` everything on every new database
and table ("use only IAM access control"), so data-cell filters restrict nothing. Before the
views are made, this step:

1. gives the database empty `CreateTableDefaultPermissions`, so tables and views made from now
   on get no `IAM_ALLOWED_PRINCIPALS` grant (the account-wide default is left alone: other
   databases are not this deployment's);
2. revokes `IAM_ALLOWED_PRINCIPALS` on the database and on each of its tables and views (the
   grants tables made before got), then reads them back with `ListPermissions`: any left is an
   error;
3. makes sure the `default` database exists (Spark looks it up at start, and would try to create
   it) and grants the jobs' role `DESCRIBE` on it;
4. grants the deploying identity (a data lake administrator, or Lake Formation would refuse the
   grants) `ALL` on the database and its tables, which Athena needs to replace the views.
"""

from __future__ import annotations

import json
from typing import Any

from bedrock_costs.deploy.plan import DeployError, Plan
from bedrock_costs.io import aws

EVERYONE = "IAM_ALLOWED_PRINCIPALS"  # Lake Formation's name for "IAM policies decide"
DEFAULT_DATABASE = "default"


def iam_principal(caller_arn: str, role_arn: Any) -> str:
    """The IAM ARN Lake Formation grants to, for an STS caller ARN: an assumed role's role (by
    `role_arn(name)`, which knows its path), a user as it is."""
    account = caller_arn.split(":")[4]
    resource = caller_arn.split(":", 5)[5]
    if resource.startswith("assumed-role/"):
        return str(role_arn(resource.split("/")[1]))
    if resource.startswith("user/"):
        return f"arn:aws:iam::{account}:{resource}"
    return caller_arn


def deployer_principal() -> str:
    """The deploying identity as Lake Formation names it (its IAM user or role ARN)."""
    caller = aws.client("sts").get_caller_identity()["Arn"]
    return iam_principal(
        caller, lambda name: aws.client("iam").get_role(RoleName=name)["Role"]["Arn"]
    )


def entry(principal: str, resource: dict, permissions: list[str], n: int) -> dict:
    return {
        "Id": str(n),
        "Principal": {"DataLakePrincipalIdentifier": principal},
        "Resource": resource,
        "Permissions": permissions,
    }


def database_resource(account: str, name: str) -> dict:
    return {"Database": {"CatalogId": account, "Name": name}}


def _table(account: str, database: str, name: str | None = None) -> dict:
    which: dict[str, object] = {"Name": name} if name else {"TableWildcard": {}}
    return {"Table": {"CatalogId": account, "DatabaseName": database, **which}}


def _batch(lf: Any, operation: str, account: str, entries: list[dict], plan: Plan) -> list[dict]:
    request = {"CatalogId": account, "Entries": entries}
    plan.record("lakeformation", operation, request)
    if plan.dry_run or not entries:
        return []
    call = (
        lf.batch_grant_permissions
        if operation == "BatchGrantPermissions"
        else lf.batch_revoke_permissions
    )
    return list(call(**request).get("Failures") or [])


def no_default_permissions(glue: Any, database: str, plan: Plan) -> None:
    try:
        found = glue.get_database(Name=database)["Database"]
    except Exception as exc:
        if not (plan.dry_run and aws.is_missing(exc)):
            raise
        return  # a dry run of a first deploy: step 3 creates it without default grants
    if found.get("CreateTableDefaultPermissions") == []:
        plan.say("unchanged", f"glue database {database} (no default permissions for new tables)")
        return
    plan.say("update", f"glue database {database} (no default permissions for new tables)")
    keep = {k: found[k] for k in ("Description", "LocationUri", "Parameters") if found.get(k)}
    update = {
        "Name": database,
        "DatabaseInput": {"Name": database, **keep, "CreateTableDefaultPermissions": []},
    }
    plan.record("glue", "UpdateDatabase", update)
    if not plan.dry_run:
        glue.update_database(**update)


def default_database(glue: Any, plan: Plan) -> None:
    try:
        glue.get_database(Name=DEFAULT_DATABASE)
        plan.say("unchanged", f"glue database {DEFAULT_DATABASE} (Spark looks it up)")
    except Exception as exc:
        if not aws.is_missing(exc):
            raise
        plan.say("create", f"glue database {DEFAULT_DATABASE} (Spark looks it up)")
        create = {
            "DatabaseInput": {
                "Name": DEFAULT_DATABASE,
                "Description": "Default Hive database",
                "CreateTableDefaultPermissions": [],
            }
        }
        plan.record("glue", "CreateDatabase", create)
        if not plan.dry_run:
            glue.create_database(**create)


def _tables(glue: Any, database: str) -> list[str]:
    names: list[str] = []
    for page in glue.get_paginator("get_tables").paginate(DatabaseName=database):
        names += [t["Name"] for t in page["TableList"]]
    return names


def remaining_everyone_grants(lf: Any, account: str, database: str, tables: list[str]) -> list[str]:
    """What IAM_ALLOWED_PRINCIPALS still holds on the database and its tables (ListPermissions)."""
    everyone = {"DataLakePrincipalIdentifier": EVERYONE}
    left = []
    for name, resource in [(database, database_resource(account, database))] + [
        (f"{database}.{t}", _table(account, database, t)) for t in tables
    ]:
        found = lf.list_permissions(CatalogId=account, Principal=everyone, Resource=resource)
        if found.get("PrincipalResourcePermissions"):
            left.append(name)
    return left


def enforce(account: str, database: str, role_arn: str, plan: Plan) -> None:
    glue, lf = aws.client("glue"), aws.client("lakeformation")
    no_default_permissions(glue, database, plan)
    default_database(glue, plan)
    tables = [] if plan.dry_run else _tables(glue, database)
    revokes = [entry(EVERYONE, database_resource(account, database), ["ALL"], 1)] + [
        entry(EVERYONE, _table(account, database, t), ["ALL"], n) for n, t in enumerate(tables, 2)
    ]
    plan.say(
        "revoke", f"lake formation {EVERYONE} on {database} and its {len(tables)} tables and views"
    )
    _batch(
        lf, "BatchRevokePermissions", account, revokes, plan
    )  # a grant already gone: a failure entry
    if not plan.dry_run and (left := remaining_everyone_grants(lf, account, database, tables)):
        raise DeployError(f"lake formation: {EVERYONE} still has permissions on {', '.join(left)}")
    deployer = deployer_principal()
    grants = [
        entry(role_arn, database_resource(account, DEFAULT_DATABASE), ["DESCRIBE"], 1),
        entry(deployer, database_resource(account, database), ["ALL"], 2),
        entry(deployer, _table(account, database), ["ALL"], 3),
    ]
    plan.say("grant", f"lake formation DESCRIBE on {DEFAULT_DATABASE} to the jobs' role")
    plan.say("grant", f"lake formation ALL on {database} and its tables to {deployer} (the views)")
    if failed := _batch(lf, "BatchGrantPermissions", account, grants, plan):
        messages = "; ".join(f.get("Error", {}).get("ErrorMessage", json.dumps(f)) for f in failed)
        raise DeployError(f"lake formation grants: {messages}")
