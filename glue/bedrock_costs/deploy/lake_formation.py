"""Lake Formation requests from the access file: one data-cell filter per IAM principal and
table it reaches, SELECT through the filters, and what the jobs' role and the QuickSight
principal need once the output location is registered."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from bedrock_costs.deploy.access import RULE_COLUMNS, Access, Grant
from bedrock_costs.deploy.plan import DeployError, Plan
from bedrock_costs.deploy.views import VIEWS
from bedrock_costs.io import aws

# Tables an IAM principal can be given, and the column a tenant filter uses on each. The
# quarantine (it keeps request bodies) is never granted.
LF_TABLES = ("invocations", "allocations", "reconciliation")
# What the QuickSight principal reads (beside the views and the rules tables): not the quarantine
READABLE = ("invocations", "reconciliation", "allocations", "focus")


def filter_name(grant: Grant) -> str:
    """Stable, readable filter name: the role or user name and a hash of the whole ARN."""
    digest = hashlib.sha256(grant.name.encode()).hexdigest()[:8]
    short = re.sub(r"[^A-Za-z0-9_-]+", "-", grant.name.rsplit("/", 1)[-1])[:40]
    return f"bc-{short}-{digest}"


def row_filter(access: Access, grant: Grant, table: str) -> dict | None:
    """The RowFilter of a grant on a table, or None when the grant does not reach the table."""
    if grant.everything:
        return {"AllRowsWildcard": {}}
    if grant.tenants and table != "invocations":
        return None  # tenant rows exist per call; billing tables are account-wide
    terms = []
    if grant.tenants:
        terms.append(f"{access.tenant_column} IN ({_quoted(grant.tenants)})")
    if grant.accounts:
        terms.append(f"account_id IN ({_quoted(grant.accounts)})")
    return {"FilterExpression": " AND ".join(terms)}


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def data_cells_filters(access: Access, account: str, database: str) -> list[dict]:
    """CreateDataCellsFilter TableData for every IAM principal grant and table it reaches."""
    filters = []
    for grant in access.of_kind("principal"):
        for table in LF_TABLES:
            rows = row_filter(access, grant, table)
            if rows is None:
                continue
            filters.append(
                {
                    "TableCatalogId": account,
                    "DatabaseName": database,
                    "TableName": table,
                    "Name": filter_name(grant),
                    "RowFilter": rows,
                    "ColumnWildcard": {"ExcludedColumnNames": []},
                }
            )
    return filters


def _entry(principal: str, resource: dict, permissions: list[str]) -> dict:
    return {
        "Principal": {"DataLakePrincipalIdentifier": principal},
        "Resource": resource,
        "Permissions": permissions,
    }


def _batch(account: str, entries: list[dict]) -> dict:
    """One BatchGrantPermissions / BatchRevokePermissions request (entries numbered)."""
    return {
        "CatalogId": account,
        "Entries": [{"Id": str(n), **entry} for n, entry in enumerate(entries, 1)],
    }


def principal_grants(access: Access, account: str, database: str) -> dict | None:
    """DESCRIBE on the database and SELECT through each filter, for every IAM principal."""
    entries = []
    for grant in access.of_kind("principal"):
        database_resource = {"Database": {"CatalogId": account, "Name": database}}
        entries.append(_entry(grant.name, database_resource, ["DESCRIBE"]))
        only = Access(access.tenant_tag, (grant,))
        for data_filter in data_cells_filters(only, account, database):
            keys = ("TableCatalogId", "DatabaseName", "TableName", "Name")
            resource = {"DataCellsFilter": {k: data_filter[k] for k in keys}}
            entries.append(_entry(grant.name, resource, ["SELECT"]))
    return _batch(account, entries) if entries else None


def job_role_grants(
    role_arn: str,
    account: str,
    database: str,
    location_arn: str,
    readers: tuple[str, ...] = (),
    tables: tuple[str, ...] = (),
) -> dict:
    """What the jobs' role needs once the output location is registered with Lake Formation,
    and SELECT on `tables` (every table and view but the quarantine) for `readers`: the
    QuickSight principal, whose datasets query the views through Athena."""
    database_resource = {"Database": {"CatalogId": account, "Name": database}}
    location = {"DataLocation": {"CatalogId": account, "ResourceArn": location_arn}}
    every_table = {"Table": {"CatalogId": account, "DatabaseName": database, "TableWildcard": {}}}
    entries = [
        _entry(role_arn, location, ["DATA_LOCATION_ACCESS"]),
        _entry(role_arn, database_resource, ["DESCRIBE", "CREATE_TABLE", "ALTER"]),
        _entry(role_arn, every_table, ["ALL"]),
    ]
    for reader in readers:
        entries.append(_entry(reader, database_resource, ["DESCRIBE"]))
        for table in tables:
            resource = {"Table": {"CatalogId": account, "DatabaseName": database, "Name": table}}
            entries.append(_entry(reader, resource, ["SELECT", "DESCRIBE"]))
    return _batch(account, entries)


def govern(
    lf: Any,
    account: str,
    database: str,
    output: str,
    role_arn: str,
    reader: str,
    access: Access | None,
    plan: Plan,
) -> None:
    """deploy.sh's step 8: the output location registered (the service-linked role reads it),
    the jobs' role and the QuickSight principal (`reader`, may be empty) granted, then a
    data-cell filter per IAM principal of the access file and table it reaches — created,
    updated or left alone, and those of grants no longer in the file deleted — and SELECT
    through them for those principals."""
    bucket, key = aws.split_s3(output)
    location = f"arn:aws:s3:::{bucket}/{key}".rstrip("/")
    register(lf, location, plan)
    readers = (reader,) if reader else ()
    tables = (*READABLE, *VIEWS, *RULE_COLUMNS)
    role = role_arn.rsplit("/", 1)[1]
    plan.say("grant", f"lake formation permissions: {role}{f' and {reader}' if reader else ''}")
    grant(lf, job_role_grants(role_arn, account, database, location, readers, tables), plan)
    if access is None:
        return
    ensure_filters(lf, database, data_cells_filters(access, account, database), plan)
    if (granted := principal_grants(access, account, database)) is not None:
        plan.say(
            "grant", "lake formation SELECT through the filters to the access file's IAM principals"
        )
        grant(lf, granted, plan)


def register(lf: Any, location: str, plan: Plan) -> None:
    try:
        lf.describe_resource(ResourceArn=location)
        plan.say("unchanged", f"lake formation location {location}")
        return
    except Exception as exc:
        if not aws.is_missing(exc):
            raise
    plan.say("create", f"lake formation location {location}")
    request = {"ResourceArn": location, "UseServiceLinkedRole": True}
    plan.record("lakeformation", "RegisterResource", request)
    if not plan.dry_run:
        lf.register_resource(**request)


def grant(lf: Any, request: dict, plan: Plan) -> None:
    """One BatchGrantPermissions; the API reports refused entries in Failures, not as an error."""
    plan.record("lakeformation", "BatchGrantPermissions", request)
    if plan.dry_run:
        return
    if failed := lf.batch_grant_permissions(**request).get("Failures"):
        said = "; ".join(f.get("Error", {}).get("ErrorMessage", json.dumps(f)) for f in failed)
        raise DeployError(f"lake formation grants: {said}")


FILTER_KEYS = ("TableCatalogId", "DatabaseName", "TableName", "Name", "RowFilter", "ColumnWildcard")


def ensure_filters(lf: Any, database: str, wanted: list[dict], plan: Plan) -> None:
    have = {}
    for page in lf.get_paginator("list_data_cells_filter").paginate():
        for found in page.get("DataCellsFilters") or []:
            if found.get("DatabaseName") == database and found.get("Name", "").startswith("bc-"):
                have[(found["TableName"], found["Name"])] = {k: found.get(k) for k in FILTER_KEYS}
    for data in wanted:
        which = (data["TableName"], data["Name"])
        what = f"lake formation filter {data['Name']} on {database}.{data['TableName']}"
        if have.get(which) == data:
            plan.say("unchanged", what)
            continue
        if which in have:
            operation = "UpdateDataCellsFilter"
            plan.update(what, have[which], data, ("RowFilter", "ColumnWildcard"))
        else:
            operation = "CreateDataCellsFilter"
            plan.say("create", what)
        plan.record("lakeformation", operation, {"TableData": data})
        if not plan.dry_run:
            (lf.update_data_cells_filter if which in have else lf.create_data_cells_filter)(
                TableData=data
            )
    for table, name in sorted(set(have) - {(d["TableName"], d["Name"]) for d in wanted}):
        plan.say("delete", f"lake formation filter {name} on {database}.{table}")
        catalog = have[(table, name)]["TableCatalogId"]
        request = {
            "TableCatalogId": catalog,
            "DatabaseName": database,
            "TableName": table,
            "Name": name,
        }
        plan.record("lakeformation", "DeleteDataCellsFilter", request)
        if not plan.dry_run:
            lf.delete_data_cells_filter(**request)
