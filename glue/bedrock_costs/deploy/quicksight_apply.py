"""deploy.sh's QuickSight step, through the SDK: the requests of deploy.quicksight sent, and
QuickSight's asynchronous answers awaited — a create or update call only says "in progress";
whether the data source reached Athena, or a dashboard version was built, shows in
`Describe*` (a data source's `Status`, a dashboard version's `Status` with its `Errors`).

- data source `<prefix>-athena`: created, or updated in place; awaited until
  `CREATION_SUCCESSFUL` / `UPDATE_SUCCESSFUL` (`*_FAILED`: QuickSight's message, exit 1 — e.g. the
  QuickSight service role lacks access to Athena, S3 or KMS);
- datasets (direct query: nothing to ingest, the call itself is the result): created, or
  updated in place when they exist;
- dashboard `<prefix>-costs`: created and its first version awaited; or a new version
  (`UpdateDashboard`), awaited until built, then published by its number — publishing a
  version still being built is what fails with "creation in progress" — and its permissions:
  the access file's readers granted, readers no longer in it revoked.
"""

from __future__ import annotations

from typing import Any

from bedrock_costs.deploy import quicksight
from bedrock_costs.deploy.plan import Plan, await_state
from bedrock_costs.io import aws

SUCCEEDED = {"CREATION_SUCCESSFUL", "UPDATE_SUCCESSFUL"}
FAILED = {"CREATION_FAILED", "UPDATE_FAILED"}


def _exists(read: Any) -> bool:
    try:
        read()
        return True
    except Exception as exc:
        if aws.is_missing(exc):
            return False
        raise


def apply_source(qs: Any, create: dict, update: dict, plan: Plan) -> None:
    account, source = create["AwsAccountId"], create["DataSourceId"]

    def read() -> dict:
        return qs.describe_data_source(AwsAccountId=account, DataSourceId=source)["DataSource"]

    exists = _exists(read)
    plan.say("update" if exists else "create", f"quicksight data source {source}")
    plan.record(
        "quicksight",
        "UpdateDataSource" if exists else "CreateDataSource",
        update if exists else create,
    )
    if plan.dry_run:
        return
    (qs.update_data_source if exists else qs.create_data_source)(**(update if exists else create))
    await_state(
        f"quicksight data source {source}",
        read,
        lambda found: found.get("Status", ""),
        SUCCEEDED,
        FAILED,
        lambda found: found.get("ErrorInfo", {}).get("Message", ""),
    )


def apply_data_set(qs: Any, create: dict, update: dict, plan: Plan) -> None:
    name = create["DataSetId"]
    plan.record("quicksight", "CreateDataSet", create)
    plan.record("quicksight", "UpdateDataSet", update)
    if plan.dry_run:
        plan.say("create/update", f"quicksight dataset {name}")
        return
    try:
        qs.create_data_set(**create)
        plan.say("create", f"quicksight dataset {name}")
    except Exception as exc:  # the same id exists: updated in place, dashboards keep working
        if aws.error_code(exc) != "ResourceExistsException":
            raise
        qs.update_data_set(**update)
        plan.say("update", f"quicksight dataset {name}")


def await_version(qs: Any, account: str, board: str, version: int) -> None:
    def read() -> dict:
        found = qs.describe_dashboard(
            AwsAccountId=account, DashboardId=board, VersionNumber=version
        )
        return found["Dashboard"]["Version"]

    await_state(
        f"quicksight dashboard {board} version {version}",
        read,
        lambda found: found.get("Status", ""),
        SUCCEEDED,
        FAILED,
        lambda found: "; ".join(e.get("Message", "") for e in found.get("Errors", [])),
    )


def revoked_readers(qs: Any, permissions: dict) -> list[dict]:
    """Principals the dashboard grants that the deploy no longer does (removed readers)."""
    found = qs.describe_dashboard_permissions(
        AwsAccountId=permissions["AwsAccountId"], DashboardId=permissions["DashboardId"]
    ).get("Permissions", [])
    wanted = {p["Principal"] for p in permissions["GrantPermissions"]}
    return [p for p in found if p["Principal"] not in wanted]


def apply_dashboard(qs: Any, create: dict, update: dict, permissions: dict, plan: Plan) -> None:
    account, board = create["AwsAccountId"], create["DashboardId"]
    plan.record("quicksight", "CreateDashboard", create)
    plan.record("quicksight", "UpdateDashboard", update)
    plan.record("quicksight", "UpdateDashboardPermissions", permissions)
    if plan.dry_run:
        plan.say("create/update", f"quicksight dashboard {board}")
        return
    try:
        qs.create_dashboard(**create)
        await_version(qs, account, board, 1)
        plan.say("create", f"quicksight dashboard {board}")
        return
    except Exception as exc:
        if aws.error_code(exc) != "ResourceExistsException":
            raise
    # same id, a new version built, then published: the URL, bookmarks and subscriptions stay
    version = int(qs.update_dashboard(**update)["VersionArn"].rsplit("/", 1)[1])
    await_version(qs, account, board, version)
    qs.update_dashboard_published_version(
        AwsAccountId=account, DashboardId=board, VersionNumber=version
    )
    revoke = revoked_readers(qs, permissions)
    qs.update_dashboard_permissions(
        **permissions, **({"RevokePermissions": revoke} if revoke else {})
    )
    plan.say("update", f"quicksight dashboard {board} (version {version} published)")


def apply(qs: Any, found: quicksight.Requests, plan: Plan) -> None:
    """The data source, then each dataset, then the dashboard (when asked for)."""
    apply_source(qs, *found.source, plan)
    for create, update in found.data_sets:
        apply_data_set(qs, create, update, plan)
    if found.dashboard is not None:
        apply_dashboard(qs, *found.dashboard, plan)
