import json
import re

import botocore.session
import pytest
from botocore.validate import validate_parameters

from bedrock_costs.deploy.quicksight import (
    data_set,
    data_set_update,
    data_source,
    data_source_update,
    main,
)
from bedrock_costs.deploy.views import COLUMNS, VIEWS

MODEL = botocore.session.get_session().get_service_model("quicksight")
PRINCIPAL = "arn:aws:quicksight:eu-west-1:123456789012:group/default/finops"


def valid(operation: str, params: dict) -> dict:
    validate_parameters(params, MODEL.operation_model(operation).input_shape)  # raises if not
    return params


def test_the_data_source_requests_are_valid_for_the_api():
    create = valid("CreateDataSource", data_source("123456789012", "bc", "bc-wg", PRINCIPAL))
    update = valid("UpdateDataSource", data_source_update(create))
    assert (create["DataSourceId"], update["DataSourceId"]) == ("bc-athena", "bc-athena")
    assert create["DataSourceParameters"] == {"AthenaParameters": {"WorkGroup": "bc-wg"}}


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_becomes_a_valid_dataset_with_a_fixed_id(view):
    create = valid(
        "CreateDataSet", data_set("123456789012", "eu-west-1", "bc", "bc_db", view, PRINCIPAL)
    )
    update = valid("UpdateDataSet", data_set_update(create))
    assert create["DataSetId"] == update["DataSetId"] == f"bc-{view.replace('_', '-')}"
    (table,) = create["PhysicalTableMap"].values()
    relational = table["RelationalTable"]
    assert (relational["Schema"], relational["Name"]) == ("bc_db", view)
    assert (
        relational["DataSourceArn"]
        == "arn:aws:quicksight:eu-west-1:123456789012:datasource/bc-athena"
    )
    assert [c["Name"] for c in relational["InputColumns"]] == [n for n, _ in COLUMNS[view]]
    assert "Permissions" not in update


def requests_for(tmp_path, access: str, *options: str):
    """The folder of request files deploy.sh would send for this access file."""
    (tmp_path / "access.toml").write_text(access)
    out = tmp_path / "qs"
    args = ["--account", "123456789012", "--region", "eu-west-1", "--prefix", "bc"]
    args += ["--database", "bc_db", "--workgroup", "bc", "--principal", PRINCIPAL, "--to", str(out)]
    assert main([*args, "--access", str(tmp_path / "access.toml"), *options]) == 0
    return out


def test_rules_datasets_name_users_and_groups_and_every_view_points_at_its_rules(tmp_path):
    out = requests_for(
        tmp_path,
        '[[grant]]\ngroup = "acme"\ntenants = ["acme"]\n'
        '[[grant]]\nuser = "bob"\naccounts = ["111122223333"]\n',
    )
    files = sorted(p.name for p in out.glob("dataset-*[!e].json"))  # creates, not updates
    assert files[:2] == ["dataset-00-access_rules.json", "dataset-01-access_rules_accounts.json"]
    requests = [valid("CreateDataSet", json.loads((out / f).read_text())) for f in files]
    for request in requests:
        valid("UpdateDataSet", data_set_update(request))
    rules, rules_accounts, *views = requests
    assert rules["UseAs"] == "RLS_RULES" and "RowLevelPermissionDataSet" not in rules
    (logical,) = rules["LogicalTableMap"].values()
    assert [t["RenameColumnOperation"]["NewColumnName"] for t in logical["DataTransforms"]] == [
        "UserName",
        "GroupName",
    ]
    assert [
        c["Name"]
        for c in next(iter(rules_accounts["PhysicalTableMap"].values()))["RelationalTable"][
            "InputColumns"
        ]
    ] == ["username", "groupname", "account_id"]
    pointed = {
        v["DataSetId"]: v["RowLevelPermissionDataSet"]["Arn"].rsplit("/", 1)[1] for v in views
    }
    assert pointed == {
        f"bc-{view.replace('_', '-')}": (
            "bc-access-rules-accounts" if view == "reconciliation_status" else "bc-access-rules"
        )
        for view in VIEWS
    }
    # the rules' filter columns exist in the datasets they filter
    for view in VIEWS:
        wanted = {"account_id"} | ({"tenant"} if view != "reconciliation_status" else set())
        assert wanted <= {name for name, _ in COLUMNS[view]}
    assert all(v["RowLevelPermissionDataSet"]["PermissionPolicy"] == "GRANT_ACCESS" for v in views)


def test_the_dashboard_has_a_fixed_id_valid_visuals_and_readers_from_the_access_file(tmp_path):
    out = requests_for(
        tmp_path,
        '[[grant]]\ngroup = "acme"\ntenants = ["acme"]\n'
        '[[grant]]\nprincipal = "arn:aws:iam::111122223333:role/r"\nall = true\n',
        "--dashboard",
    )
    create = valid("CreateDashboard", json.loads((out / "dashboard.json").read_text()))
    valid("UpdateDashboard", json.loads((out / "dashboard-update.json").read_text()))
    permissions = valid(
        "UpdateDashboardPermissions", json.loads((out / "dashboard-permissions.json").read_text())
    )
    assert create["DashboardId"] == "bc-costs"
    assert [p["Principal"] for p in permissions["GrantPermissions"]] == [
        PRINCIPAL,
        "arn:aws:quicksight:eu-west-1:123456789012:group/default/acme",  # IAM principals: not here
    ]
    assert "quicksight:UpdateDashboard" not in permissions["GrantPermissions"][1]["Actions"]
    definition = create["Definition"]
    declared = {
        d["Identifier"]: d["DataSetArn"] for d in definition["DataSetIdentifierDeclarations"]
    }
    used = set()
    for sheet in definition["Sheets"]:
        for visual in sheet["Visuals"]:
            text = json.dumps(visual)
            for identifier, column in re.findall(
                r'"DataSetIdentifier": "(\w+)", "ColumnName": "(\w+)"', text
            ):
                assert column in {name for name, _ in COLUMNS[identifier]}, (identifier, column)
                used.add(identifier)
    assert used == set(declared)
    assert all(
        arn.startswith("arn:aws:quicksight:eu-west-1:123456789012:dataset/bc-")
        for arn in declared.values()
    )


def test_direct_query_datasets_carry_no_spice_only_sub_types():
    """QuickSight's InputColumn: "Sub types are only available for decimal columns that are
    part of a SPICE dataset" — an earlier version sent SubType FLOAT on these datasets."""
    for view in VIEWS:
        request = data_set("123456789012", "eu-west-1", "bc", "bc", view, PRINCIPAL)
        assert request["ImportMode"] == "DIRECT_QUERY"
        (table,) = request["PhysicalTableMap"].values()
        columns = table["RelationalTable"]["InputColumns"]
        assert columns and not any("SubType" in c for c in columns)
        dollars = [c for c in columns if c["Name"].endswith("_usd") and "_nano_" not in c["Name"]]
        assert {c["Type"] for c in dollars} <= {"DECIMAL"}
