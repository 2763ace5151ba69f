"""Lake Formation requests from the access file: one data-cell filter per IAM principal and
table it reaches, SELECT through the filters, and what the jobs' role and the QuickSight
principal need once the output location is registered."""

from __future__ import annotations

import hashlib
import re

from bedrock_costs.deploy.access import Access, Grant

# Tables an IAM principal can be given, and the column a tenant filter uses on each. The
# quarantine (it keeps request bodies) is never granted.
LF_TABLES = ("invocations", "allocations", "reconciliation")


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
