"""deploy.sh's QuickSight step, through the SDK: the requests of deploy.quicksight sent, and
QuickSight's asynchronous answers awaited — a create or update call only says "in progress";
whether the data source reached Athena, or a dashboard version was built, shows in
`Describe*` (a data source's `Status`, a dashboard version's `Status` with its `Errors`).

Each resource is read first (`DescribeDataSource`, `DescribeDataSet`,
`DescribeDashboardDefinition`) and compared with what would be sent — only what is sent:
QuickSight stores its defaults beside it — so a redeploy of the same settings sends nothing,
and an update shows what changes, value by value.

- data source `<prefix>-athena`: created, updated in place or unchanged; awaited until
  `CREATION_SUCCESSFUL` / `UPDATE_SUCCESSFUL` (`*_FAILED`: QuickSight's message, exit 1 — e.g. the
  QuickSight service role lacks access to Athena, S3 or KMS);
- datasets (direct query: nothing to ingest, the call itself is the result): created, updated
  in place or unchanged;
- dashboard `<prefix>-costs`: created and its first version awaited; or, when its definition
  changed, a new version (`UpdateDashboard`), awaited until built, then published by its
  number — publishing a version still being built is what fails with "creation in
  progress" — and its readers: the access file's granted, those no longer in it revoked.
"""

from __future__ import annotations

from typing import Any

from bedrock_costs.deploy import quicksight
from bedrock_costs.deploy.plan import Plan, await_state, changes
from bedrock_costs.io import aws

SUCCEEDED = {"CREATION_SUCCESSFUL", "UPDATE_SUCCESSFUL"}
FAILED = {"CREATION_FAILED", "UPDATE_FAILED"}
# not compared: the ids (the same by construction) and what QuickSight does not return as sent
NOT_COMPARED = ("AwsAccountId", "DataSourceId", "DataSetId", "DashboardId", "VersionDescription")


def _read(read: Any) -> dict | None:
    """What `read` returns, or None when the resource does not exist."""
    try:
        return dict(read())
    except Exception as exc:
        if aws.is_missing(exc):
            return None
        raise


def _compared(update: dict) -> tuple[str, ...]:
    return tuple(k for k in update if k not in NOT_COMPARED)


def _unchanged(have: dict | None, update: dict) -> bool:
    return have is not None and not changes(have, update, _compared(update), sent=True)


def _planned(what: str, have: dict | None, update: dict, plan: Plan) -> None:
    """The plan line of a resource that is created or updated (with what changes)."""
    if have is None:
        plan.say("create", what)
    else:
        plan.update(what, have, update, _compared(update), sent=True)


def _put(qs: Any, kind: str, have: dict | None, create: dict, update: dict, plan: Plan) -> bool:
    """A data source or dataset (`kind`: DataSource, DataSet) unchanged, or its plan line, its
    request recorded and (unless a dry run) sent: True when sent."""
    what = f"quicksight {SAID[kind]} {create[kind + 'Id']}"
    if _unchanged(have, update):
        plan.say("unchanged", what)
        return False
    _planned(what, have, update, plan)
    verb, request = ("Create", create) if have is None else ("Update", update)
    plan.record("quicksight", verb + kind, request)
    if plan.dry_run:
        return False
    getattr(qs, f"{verb.lower()}_{METHOD[kind]}")(**request)
    return True


SAID = {"DataSource": "data source", "DataSet": "dataset"}  # in the plan lines
METHOD = {"DataSource": "data_source", "DataSet": "data_set"}  # in the SDK's names


def apply_source(qs: Any, create: dict, update: dict, plan: Plan) -> None:
    account, source = create["AwsAccountId"], create["DataSourceId"]

    def read() -> dict:
        return qs.describe_data_source(AwsAccountId=account, DataSourceId=source)["DataSource"]

    if _put(qs, "DataSource", _read(read), create, update, plan):
        await_state(
            f"quicksight data source {source}",
            read,
            lambda found: found.get("Status", ""),
            SUCCEEDED,
            FAILED,
            lambda found: found.get("ErrorInfo", {}).get("Message", ""),
        )


def apply_data_set(qs: Any, create: dict, update: dict, plan: Plan) -> None:
    """Direct query: nothing to ingest, the call itself is the result."""
    account, name = create["AwsAccountId"], create["DataSetId"]
    have = _read(lambda: qs.describe_data_set(AwsAccountId=account, DataSetId=name)["DataSet"])
    _put(qs, "DataSet", have, create, update, plan)


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


def sync_permissions(qs: Any, permissions: dict, plan: Plan) -> None:
    """The dashboard's readers as the access file says: those missing (or with other actions)
    granted, principals it no longer names revoked; nothing sent when they already match."""
    ids = {k: permissions[k] for k in ("AwsAccountId", "DashboardId")}
    found = qs.describe_dashboard_permissions(**ids).get("Permissions", [])
    have = {p["Principal"]: sorted(p["Actions"]) for p in found}
    wanted = permissions["GrantPermissions"]
    grant = [p for p in wanted if have.get(p["Principal"]) != sorted(p["Actions"])]
    revoke = [p for p in found if p["Principal"] not in {w["Principal"] for w in wanted}]
    if not grant and not revoke:
        return
    what = f"quicksight dashboard {ids['DashboardId']} readers"
    plan.say("update", f"{what} ({len(grant)} granted, {len(revoke)} revoked)")
    request = {
        **ids,
        **({"GrantPermissions": grant} if grant else {}),
        **({"RevokePermissions": revoke} if revoke else {}),
    }
    plan.record("quicksight", "UpdateDashboardPermissions", request)
    if not plan.dry_run:
        qs.update_dashboard_permissions(**request)


def apply_dashboard(qs: Any, create: dict, update: dict, permissions: dict, plan: Plan) -> None:
    account, board = create["AwsAccountId"], create["DashboardId"]
    what = f"quicksight dashboard {board}"
    have = _read(lambda: qs.describe_dashboard_definition(AwsAccountId=account, DashboardId=board))
    if have is None:
        plan.record("quicksight", "CreateDashboard", create)
        if plan.dry_run:
            plan.say("create", what)
            return
        try:
            qs.create_dashboard(**create)  # its readers with it
            await_version(qs, account, board, 1)
            plan.say("create", what)
            return
        except Exception as exc:  # there after all (its definition unreadable): a new version
            if aws.error_code(exc) != "ResourceExistsException":
                raise
        plan.say("update", what)
    elif _unchanged(have, update):
        plan.say("unchanged", what)
    else:
        _planned(what, have, update, plan)
    if have is None or not _unchanged(have, update):
        plan.record("quicksight", "UpdateDashboard", update)
        if not plan.dry_run:
            publish_version(qs, account, board, update, plan)
    sync_permissions(qs, permissions, plan)


def publish_version(qs: Any, account: str, board: str, update: dict, plan: Plan) -> None:
    """Same id, a new version built, then published: the URL, bookmarks and subscriptions
    stay; publishing a version still being built would fail ("creation in progress")."""
    version = int(qs.update_dashboard(**update)["VersionArn"].rsplit("/", 1)[1])
    await_version(qs, account, board, version)
    qs.update_dashboard_published_version(
        AwsAccountId=account, DashboardId=board, VersionNumber=version
    )
    plan.say("publish", f"quicksight dashboard {board} version {version}")


def apply(qs: Any, found: quicksight.Requests, plan: Plan) -> None:
    """The data source, then each dataset, then the dashboard (when asked for)."""
    apply_source(qs, *found.source, plan)
    for create, update in found.data_sets:
        apply_data_set(qs, create, update, plan)
    if found.dashboard is not None:
        apply_dashboard(qs, *found.dashboard, plan)
