"""QuickSight requests for deploy.sh: an Athena data source and one dataset per view.

Ids are fixed (`<prefix>-athena`, `<prefix>-<view>`), so a redeploy updates the same data source
and datasets in place and dashboards built on them keep working. Datasets query Athena directly
(DIRECT_QUERY): the views are small daily aggregates, and nothing has to be refreshed. Money
columns keep full precision: `*_usd` columns are typed DECIMAL with the FLOAT sub-type (not the
4-place FIXED one) and `*_nano_usd` columns are INTEGER.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bedrock_costs.views import COLUMNS, VIEWS

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


def data_set(
    account: str, region: str, prefix: str, database: str, view: str, principal: str
) -> dict:
    """CreateDataSet parameters for one view."""
    source = f"arn:aws:quicksight:{region}:{account}:datasource/{data_source_id(prefix)}"
    columns = [_input_column(name, kind) for name, kind in COLUMNS[view]]
    return {
        "AwsAccountId": account,
        "DataSetId": f"{prefix}-{view.replace('_', '-')}",
        "Name": f"{prefix} {view.replace('_', ' ')}",
        "PhysicalTableMap": {
            view.replace("_", "-"): {
                "RelationalTable": {
                    "DataSourceArn": source,
                    "Catalog": "AwsDataCatalog",
                    "Schema": database,
                    "Name": view,
                    "InputColumns": columns,
                }
            }
        },
        "ImportMode": "DIRECT_QUERY",
        "Permissions": [{"Principal": principal, "Actions": list(DATASET_ACTIONS)}],
        "Tags": [{"Key": "app", "Value": "bedrock-costs"}],
    }


def data_set_update(request: dict) -> dict:
    """UpdateDataSet parameters (permissions and tags are not part of an update)."""
    return {k: v for k, v in request.items() if k not in ("Permissions", "Tags")}


def _input_column(name: str, kind: str) -> dict:
    column = {"Name": name, "Type": _TYPES[kind]}
    if kind == "double":
        column["SubType"] = "FLOAT"
    return column


def main(argv: list[str] | None = None) -> int:
    """Write the request files deploy.sh sends: source.json, source-update.json, and
    dataset-<view>.json / dataset-<view>-update.json."""
    parser = argparse.ArgumentParser(prog="python -m bedrock_costs.quicksight")
    for option in ("account", "region", "prefix", "database", "workgroup", "principal", "to"):
        parser.add_argument(f"--{option}", required=True)
    args = parser.parse_args(argv)
    folder = Path(args.to)
    folder.mkdir(parents=True, exist_ok=True)
    source = data_source(args.account, args.prefix, args.workgroup, args.principal)
    (folder / "source.json").write_text(json.dumps(source))
    (folder / "source-update.json").write_text(json.dumps(data_source_update(source)))
    for view in VIEWS:
        request = data_set(
            args.account, args.region, args.prefix, args.database, view, args.principal
        )
        (folder / f"dataset-{view}.json").write_text(json.dumps(request))
        (folder / f"dataset-{view}-update.json").write_text(json.dumps(data_set_update(request)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
