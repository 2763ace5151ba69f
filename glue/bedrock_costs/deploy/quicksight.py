"""QuickSight requests for deploy.sh: an Athena data source, one dataset per view, row-level
security from the access file, and an optional dashboard.

Ids are fixed (`<prefix>-athena`, `<prefix>-<view>`, `<prefix>-costs`), so a redeploy updates
the same data source, datasets and dashboard in place: URLs, bookmarks and analyses built on
them keep working. Datasets query Athena directly (DIRECT_QUERY): the views are small daily
aggregates, and nothing has to be refreshed. Money columns: `*_usd` (the views' DOUBLE) are
DECIMAL, with no sub-type — QuickSight documents sub-types (FLOAT, FIXED) for SPICE datasets
only, so a direct-query dataset reads the value as Athena returns it — and `*_nano_usd` columns
are INTEGER, exact to a billionth of a dollar.

With an access file, every view dataset gets a rules dataset (`UseAs: RLS_RULES`) over the
Glue table deploy.sh writes from the file: per-call views filter on `tenant` and `account_id`,
the reconciliation view on `account_id` only. The dataset owner (--quicksight-principal) sees
everything; readers see the rows their rules grant, and nothing without a rule.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from bedrock_costs.deploy import access as access_file
from bedrock_costs.deploy.views import COLUMNS, VIEWS

SOURCE_ACTIONS = (
    "quicksight:DescribeDataSource",
    "quicksight:DescribeDataSourcePermissions",
    "quicksight:PassDataSource",
    "quicksight:UpdateDataSource",
    "quicksight:UpdateDataSourcePermissions",
    "quicksight:DeleteDataSource",
)
DATASET_ACTIONS = (
    "quicksight:DescribeDataSet",
    "quicksight:DescribeDataSetPermissions",
    "quicksight:PassDataSet",
    "quicksight:DescribeIngestion",
    "quicksight:ListIngestions",
    "quicksight:UpdateDataSet",
    "quicksight:DeleteDataSet",
    "quicksight:CreateIngestion",
    "quicksight:CancelIngestion",
    "quicksight:UpdateDataSetPermissions",
)
_TYPES = {"string": "STRING", "bigint": "INTEGER", "date": "DATETIME", "double": "DECIMAL"}


def data_source_id(prefix: str) -> str:
    return f"{prefix}-athena"


def data_source(account: str, prefix: str, workgroup: str, principal: str) -> dict:
    """CreateDataSource parameters."""
    return {
        "AwsAccountId": account,
        "DataSourceId": data_source_id(prefix),
        "Name": f"bedrock-costs ({prefix})",
        "Type": "ATHENA",
        "DataSourceParameters": {"AthenaParameters": {"WorkGroup": workgroup}},
        "Permissions": [{"Principal": principal, "Actions": list(SOURCE_ACTIONS)}],
        "Tags": [{"Key": "app", "Value": "bedrock-costs"}],
    }


def data_source_update(request: dict) -> dict:
    """UpdateDataSource parameters for the same data source."""
    keys = ("AwsAccountId", "DataSourceId", "Name", "DataSourceParameters")
    return {key: request[key] for key in keys}


def data_set_id(prefix: str, view: str) -> str:
    return f"{prefix}-{view.replace('_', '-')}"


def arn(account: str, region: str, kind: str, name: str) -> str:
    return f"arn:aws:quicksight:{region}:{account}:{kind}/{name}"


def data_set(
    account: str,
    region: str,
    prefix: str,
    database: str,
    view: str,
    principal: str,
    *,
    rules: str | None = None,
) -> dict:
    """CreateDataSet parameters for one view (or rules table); `rules`: its RLS dataset id."""
    source = arn(account, region, "datasource", data_source_id(prefix))
    kinds = COLUMNS.get(view) or tuple((c, "string") for c in access_file.RULE_COLUMNS[view])
    table_id = view.replace("_", "-")
    request = {
        "AwsAccountId": account,
        "DataSetId": data_set_id(prefix, view),
        "Name": f"{prefix} {view.replace('_', ' ')}",
        "PhysicalTableMap": {
            table_id: {
                "RelationalTable": {
                    "DataSourceArn": source,
                    "Catalog": "AwsDataCatalog",
                    "Schema": database,
                    "Name": view,
                    "InputColumns": [_input_column(name, kind) for name, kind in kinds],
                }
            }
        },
        "ImportMode": "DIRECT_QUERY",
        "Permissions": [{"Principal": principal, "Actions": list(DATASET_ACTIONS)}],
        "Tags": [{"Key": "app", "Value": "bedrock-costs"}],
    }
    if view in access_file.RULE_COLUMNS:  # a rules dataset: QuickSight wants these two names
        renames = [("username", "UserName"), ("groupname", "GroupName")]
        request["LogicalTableMap"] = {
            f"{table_id}-rules": {
                "Alias": view,
                "Source": {"PhysicalTableId": table_id},
                "DataTransforms": [
                    {"RenameColumnOperation": {"ColumnName": old, "NewColumnName": new}}
                    for old, new in renames
                ],
            }
        }
        request["UseAs"] = "RLS_RULES"
    if rules:
        request["RowLevelPermissionDataSet"] = {
            "Namespace": "default",
            "Arn": arn(account, region, "dataset", rules),
            "PermissionPolicy": "GRANT_ACCESS",
            "FormatVersion": "VERSION_1",
            "Status": "ENABLED",
        }
    return request


def rules_for(view: str) -> str:
    """The rules table that filters a view: accounts only for the account-wide reconciliation."""
    return "access_rules_accounts" if view == "reconciliation_status" else "access_rules"


def data_set_update(request: dict) -> dict:
    """UpdateDataSet parameters (permissions, tags and a rules dataset's use are set once)."""
    return {k: v for k, v in request.items() if k not in ("Permissions", "Tags", "UseAs")}


def _input_column(name: str, kind: str) -> dict:
    return {"Name": name, "Type": _TYPES[kind]}  # no SubType: SPICE only (direct query here)


def _write(folder: Path, name: str, request: dict) -> None:
    (folder / name).write_text(json.dumps(request))


@dataclass(frozen=True)
class Requests:
    """Everything deploy.sh sends QuickSight: the data source, the datasets (rules datasets
    first: view datasets point at them), each as (create, update), and the dashboard's."""

    source: tuple[dict, dict]
    data_sets: list[tuple[dict, dict]]
    dashboard: tuple[dict, dict, dict] | None  # create, update, permissions


def requests(
    account: str,
    region: str,
    prefix: str,
    database: str,
    workgroup: str,
    principal: str,
    access_path: str | None = None,
    with_dashboard: bool = False,
) -> Requests:
    source = data_source(account, prefix, workgroup, principal)
    access = access_file.load(access_path) if access_path else None
    names = (*access_file.RULE_COLUMNS, *VIEWS) if access else VIEWS
    data_sets = []
    for name in names:
        rules = data_set_id(prefix, rules_for(name)) if access and name in VIEWS else None
        request = data_set(account, region, prefix, database, name, principal, rules=rules)
        data_sets.append((request, data_set_update(request)))
    board = None
    if with_dashboard:
        from bedrock_costs.deploy.dashboard import (
            dashboard,
            dashboard_permissions,
            dashboard_update,
            grantee_arn,
        )

        grants = access.of_kind("user", "group") if access else ()
        readers = tuple(grantee_arn(principal, g) for g in grants)
        request = dashboard(account, region, prefix, principal, readers)
        board = (request, dashboard_update(request), dashboard_permissions(request))
    return Requests((source, data_source_update(source)), data_sets, board)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for option in ("account", "region", "prefix", "database", "workgroup", "principal"):
        parser.add_argument(f"--{option}", required=True)
    parser.add_argument("--access", help="the access file: row-level security rules")
    parser.add_argument("--dashboard", action="store_true", help="also the dashboard")


def requests_from(args: argparse.Namespace) -> Requests:
    return requests(
        args.account,
        args.region,
        args.prefix,
        args.database,
        args.workgroup,
        args.principal,
        args.access,
        args.dashboard,
    )


def main(argv: list[str] | None = None) -> int:
    """Write the request files: source[-update].json, dataset-<nn>-<name>[-update].json and
    dashboard[-update|-permissions].json (what the tests and a reviewer read)."""
    parser = argparse.ArgumentParser(prog="python -m bedrock_costs.deploy.quicksight")
    add_arguments(parser)
    parser.add_argument("--to", required=True)
    args = parser.parse_args(argv)
    folder = Path(args.to)
    folder.mkdir(parents=True, exist_ok=True)
    found = requests_from(args)
    _write(folder, "source.json", found.source[0])
    _write(folder, "source-update.json", found.source[1])
    for order, (create, update) in enumerate(found.data_sets):
        name = create["DataSetId"].removeprefix(f"{args.prefix}-").replace("-", "_")
        _write(folder, f"dataset-{order:02d}-{name}.json", create)
        _write(folder, f"dataset-{order:02d}-{name}-update.json", update)
    if found.dashboard is not None:
        for suffix, request in zip(("", "-update", "-permissions"), found.dashboard, strict=True):
            _write(folder, f"dashboard{suffix}.json", request)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
