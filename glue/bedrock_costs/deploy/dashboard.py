"""The optional QuickSight dashboard (deploy.sh --dashboard): a fixed id, two sheets over the
view datasets, the access file's QuickSight grantees as readers."""

from __future__ import annotations

from bedrock_costs.deploy import access as access_file
from bedrock_costs.deploy.quicksight import arn, data_set_id

DASHBOARD_ACTIONS = (
    "quicksight:DescribeDashboard",
    "quicksight:ListDashboardVersions",
    "quicksight:UpdateDashboardPermissions",
    "quicksight:QueryDashboard",
    "quicksight:UpdateDashboard",
    "quicksight:DeleteDashboard",
    "quicksight:DescribeDashboardPermissions",
    "quicksight:UpdateDashboardPublishedVersion",
)
DASHBOARD_READER_ACTIONS = (
    "quicksight:DescribeDashboard",
    "quicksight:ListDashboardVersions",
    "quicksight:QueryDashboard",
)


def dashboard_id(prefix: str) -> str:
    return f"{prefix}-costs"


def grantee_arn(owner: str, grant: access_file.Grant) -> str:
    """A QuickSight user or group ARN in the owner's identity Region and namespace."""
    head, _, path = owner.partition(":user/") if ":user/" in owner else owner.partition(":group/")
    namespace = path.split("/", 1)[0] or "default"
    return f"{head}:{grant.kind}/{namespace}/{grant.name}"


def _column(data_set: str, name: str) -> dict:
    return {"DataSetIdentifier": data_set, "ColumnName": name}


def _dimension(field_id: str, data_set: str, name: str, date: bool = False) -> dict:
    if date:
        field = {"FieldId": field_id, "Column": _column(data_set, name), "DateGranularity": "DAY"}
        return {"DateDimensionField": field}
    return {"CategoricalDimensionField": {"FieldId": field_id, "Column": _column(data_set, name)}}


def _sum(field_id: str, data_set: str, name: str) -> dict:
    return {
        "NumericalMeasureField": {
            "FieldId": field_id,
            "Column": _column(data_set, name),
            "AggregationFunction": {"SimpleNumericalAggregation": "SUM"},
        }
    }


def _title(text: str) -> dict:
    return {"Visibility": "VISIBLE", "FormatText": {"PlainText": text}}


def _bar(visual_id: str, title: str, data_set: str, category: str, value: str) -> dict:
    wells = {
        "Category": [_dimension(f"{visual_id}-category", data_set, category)],
        "Values": [_sum(f"{visual_id}-value", data_set, value)],
    }
    return {
        "BarChartVisual": {
            "VisualId": visual_id,
            "Title": _title(title),
            "ChartConfiguration": {
                "FieldWells": {"BarChartAggregatedFieldWells": wells},
                "Orientation": "HORIZONTAL",
            },
        }
    }


def dashboard_definition(account: str, region: str, prefix: str) -> dict:
    """Two sheets over the view datasets: estimated costs, and the bill (reconciled)."""
    declarations = [
        {
            "Identifier": view,
            "DataSetArn": arn(account, region, "dataset", data_set_id(prefix, view)),
        }
        for view in (BY_MODEL, BY_PRINCIPAL, BILL)
    ]
    return {
        "DataSetIdentifierDeclarations": declarations,
        "Sheets": [_estimated_costs_sheet(), _bill_sheet()],
    }


BY_MODEL, BY_PRINCIPAL, BILL = (
    "daily_cost_by_model",
    "daily_cost_by_principal",
    "reconciliation_status",
)


def _estimated_costs_sheet() -> dict:
    daily = {
        "LineChartVisual": {
            "VisualId": "daily-cost-by-model",
            "Title": _title("Estimated cost per day by model (USD)"),
            "ChartConfiguration": {
                "FieldWells": {
                    "LineChartAggregatedFieldWells": {
                        "Category": [_dimension("day", BY_MODEL, "usage_date", date=True)],
                        "Values": [_sum("cost", BY_MODEL, "cost_usd")],
                        "Colors": [_dimension("model", BY_MODEL, "model")],
                    }
                }
            },
        }
    }
    return {
        "SheetId": "estimated-costs",
        "Name": "Estimated costs",
        "Visuals": [
            daily,
            _bar("cost-by-tenant", "Cost by tenant (USD)", BY_MODEL, "tenant", "cost_usd"),
            _bar(
                "cost-by-pricing-status",
                "Calls by pricing status",
                BY_MODEL,
                "pricing_status",
                "calls",
            ),
            _principals_table(),
        ],
    }


def _principals_table() -> dict:
    return {
        "TableVisual": {
            "VisualId": "top-principals",
            "Title": _title("Cost by principal (USD)"),
            "ChartConfiguration": {
                "FieldWells": {
                    "TableAggregatedFieldWells": {
                        "GroupBy": [
                            _dimension("principal-type", BY_PRINCIPAL, "principal_type"),
                            _dimension("principal-name", BY_PRINCIPAL, "principal_name"),
                        ],
                        "Values": [
                            _sum("principal-calls", BY_PRINCIPAL, "calls"),
                            _sum("principal-cost", BY_PRINCIPAL, "cost_usd"),
                        ],
                    }
                },
                "SortConfiguration": {
                    "RowSort": [{"FieldSort": {"FieldId": "principal-cost", "Direction": "DESC"}}]
                },
            },
        }
    }


def _bill_sheet() -> dict:
    return {
        "SheetId": "bill",
        "Name": "Bill (CUR reconciliation)",
        "Visuals": [
            _bar(
                "billed-by-status",
                "Billed by reconciliation status (USD)",
                BILL,
                "status",
                "billed_usd",
            ),
            _bar("billed-by-model", "Billed by model (USD)", BILL, "model", "billed_usd"),
        ],
    }


def dashboard(
    account: str, region: str, prefix: str, owner: str, readers: tuple[str, ...] = ()
) -> dict:
    """CreateDashboard parameters: the owner manages it, readers (access grants) view it."""
    permissions = [{"Principal": owner, "Actions": list(DASHBOARD_ACTIONS)}]
    permissions += [{"Principal": r, "Actions": list(DASHBOARD_READER_ACTIONS)} for r in readers]
    return {
        "AwsAccountId": account,
        "DashboardId": dashboard_id(prefix),
        "Name": f"Bedrock costs ({prefix})",
        "Definition": dashboard_definition(account, region, prefix),
        "Permissions": permissions,
        "VersionDescription": "deployed by bedrock-costs deploy.sh",
        "DashboardPublishOptions": {
            "AdHocFilteringOption": {"AvailabilityStatus": "ENABLED"},
            "ExportToCSVOption": {"AvailabilityStatus": "ENABLED"},
        },
        "Tags": [{"Key": "app", "Value": "bedrock-costs"}],
    }


def dashboard_update(request: dict) -> dict:
    """UpdateDashboard parameters (a new version; deploy.sh then publishes it)."""
    return {k: v for k, v in request.items() if k not in ("Permissions", "Tags")}


def dashboard_permissions(request: dict) -> dict:
    """UpdateDashboardPermissions parameters granting what the create request grants."""
    keys = ("AwsAccountId", "DashboardId")
    return {**{k: request[k] for k in keys}, "GrantPermissions": request["Permissions"]}
