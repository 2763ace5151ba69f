"""The access file: validation, QuickSight rules rows, Lake Formation filters and grants
(request shapes checked against botocore's service model: moto lacks CreateDataCellsFilter)."""

import csv
import io

import botocore.session
import pytest
from botocore.validate import validate_parameters

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.deploy import access, lake_formation
from bedrock_costs.deploy.access import load
from bedrock_costs.deploy.plan import DeployError, Plan
from helpers import stubbed

ROLE = "arn:aws:iam::111122223333:role/acme-athena"
ACCESS = f"""
tenant_tag = "Tenant ID"

[[grant]]
group = "acme-analysts"
tenants = ["acme", "globex"]

[[grant]]
user = "finance/alice"
accounts = ["111122223333"]

[[grant]]
group = "acme-leads"
tenants = ["acme"]
accounts = ["111122223333", "444455556666"]

[[grant]]
principal = "{ROLE}"
tenants = ["acme"]

[[grant]]
principal = "arn:aws:iam::111122223333:user/auditor"
accounts = ["444455556666"]

[[grant]]
group = "finops"
all = true
"""
LF = botocore.session.get_session().get_service_model("lakeformation")


def write(tmp_path, text: str):
    path = tmp_path / "access.toml"
    path.write_text(text)
    return path


def test_rules_rows_per_grantee_tenant_and_account_with_blank_meaning_any(tmp_path):
    rules = load(write(tmp_path, ACCESS))
    assert (rules.tenant_tag, rules.tenant_column) == ("Tenant ID", "tag_tenant_id")
    rows = list(csv.DictReader(io.StringIO(access.rules_csv(rules, "access_rules"))))
    assert [tuple(r.values()) for r in rows] == [
        ("", "acme-analysts", "acme", ""),
        ("", "acme-analysts", "globex", ""),
        ("finance/alice", "", "", "111122223333"),
        ("", "acme-leads", "acme", "111122223333"),
        ("", "acme-leads", "acme", "444455556666"),
        ("", "finops", "", ""),
    ]
    accounts = list(csv.DictReader(io.StringIO(access.rules_csv(rules, "access_rules_accounts"))))
    # tenant-scoped groups do not see account-wide billing; IAM principals are not QuickSight's
    assert [tuple(r.values()) for r in accounts] == [
        ("finance/alice", "", "111122223333"),
        ("", "finops", ""),
    ]


def test_lake_formation_filters_and_grants_are_valid_requests(tmp_path):
    rules = load(write(tmp_path, ACCESS))
    filters = lake_formation.data_cells_filters(rules, "111122223333", "bc_db")
    by_table = {(f["TableName"], f["Name"]): f["RowFilter"] for f in filters}
    acme = lake_formation.filter_name(access.Grant("principal", ROLE))
    auditor = lake_formation.filter_name(
        access.Grant("principal", "arn:aws:iam::111122223333:user/auditor")
    )
    assert acme.startswith("bc-acme-athena-") and auditor.startswith("bc-auditor-")
    assert by_table == {
        ("invocations", acme): {"FilterExpression": "tag_tenant_id IN ('acme')"},
        ("invocations", auditor): {"FilterExpression": "account_id IN ('444455556666')"},
        ("allocations", auditor): {"FilterExpression": "account_id IN ('444455556666')"},
        ("reconciliation", auditor): {"FilterExpression": "account_id IN ('444455556666')"},
    }
    for data in filters:
        validate_parameters(
            {"TableData": data}, LF.operation_model("CreateDataCellsFilter").input_shape
        )
    grants = lake_formation.principal_grants(rules, "111122223333", "bc_db")
    validate_parameters(grants, LF.operation_model("BatchGrantPermissions").input_shape)
    selects = [
        (
            e["Principal"]["DataLakePrincipalIdentifier"],
            e["Resource"]["DataCellsFilter"]["TableName"],
        )
        for e in grants["Entries"]
        if "DataCellsFilter" in e["Resource"]
    ]
    assert sorted(selects) == sorted(
        [(ROLE, "invocations")]
        + [
            ("arn:aws:iam::111122223333:user/auditor", t)
            for t in ("invocations", "allocations", "reconciliation")
        ]
    )
    assert len({e["Id"] for e in grants["Entries"]}) == len(grants["Entries"])


def test_the_jobs_role_and_the_quicksight_reader_grants_are_valid_and_skip_the_quarantine():
    batch = lake_formation.job_role_grants(
        "arn:aws:iam::1:role/jobs",
        "111122223333",
        "bc_db",
        "arn:aws:s3:::out/costs",
        readers=("arn:aws:quicksight:us-east-1:111122223333:group/default/finops",),
        tables=("invocations", "daily_cost_by_model"),
    )
    validate_parameters(batch, LF.operation_model("BatchGrantPermissions").input_shape)
    (location,) = [e for e in batch["Entries"] if "DataLocation" in e["Resource"]]
    assert location["Resource"]["DataLocation"]["ResourceArn"] == "arn:aws:s3:::out/costs"
    assert location["Permissions"] == ["DATA_LOCATION_ACCESS"]
    assert location["Principal"] == {"DataLakePrincipalIdentifier": "arn:aws:iam::1:role/jobs"}
    reader_tables = [
        e["Resource"]["Table"]["Name"]
        for e in batch["Entries"]
        if "finops" in e["Principal"]["DataLakePrincipalIdentifier"] and "Table" in e["Resource"]
    ]
    assert reader_tables == ["invocations", "daily_cost_by_model"]


def test_rules_tables_read_empty_cells_as_null():
    table = access.rules_table_input("access_rules", "s3://b/costs/_deploy/access/access_rules/")
    serde = table["StorageDescriptor"]["SerdeInfo"]["Parameters"]
    assert serde["serialization.null.format"] == ""
    assert table["Parameters"]["skip.header.line.count"] == "1"
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == [
        "username",
        "groupname",
        "tenant",
        "account_id",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[[grant]]\ngroup = 'g'\n",
            "grant 1: grants nothing: give tenants, accounts or all = true",
        ),
        (
            "[[grant]]\ngroup = 'g'\nuser = 'u'\nall = true\n",
            "grant 1: name exactly one of user, group or principal",
        ),
        (
            "[[grant]]\nprincipal = 'alice'\nall = true\n",
            "grant 1: principal must be an IAM role or user ARN, got 'alice'",
        ),
        (
            "[[grant]]\ngroup = 'g'\naccounts = ['1234']\n",
            "grant 1: account '1234' is not a 12-digit account id",
        ),
        (
            "[[grant]]\ngroup = 'g'\ntenants = ['a,b']\n",
            "grant 1: tenants value 'a,b' contains a comma or a quote",
        ),
        (
            "[[grant]]\ngroup = 'g'\ntenants = ['a']\nall = true\n",
            "grant 1: all = true cannot be combined with tenants or accounts",
        ),
        (
            "[[grant]]\ngroup = 'g'\nall = true\n[[grant]]\ngroup = 'g'\ntenants = ['a']\n",
            "grant 2: group 'g' is granted twice",
        ),
        ("[[grant]]\ngroup = 'g'\nall = true\nteams = ['x']\n", "grant 1: unknown setting 'teams'"),
        ("tenant_tag = 'tenant'\n", "no [[grant]] entries"),
        ("[[grant]\n", "not valid TOML"),
    ],
)
def test_a_bad_access_file_is_one_line_naming_file_and_grant(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as error:
        load(path)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
    assert "\n" not in str(error.value)


def test_the_filters_step_creates_updates_deletes_its_own_and_leaves_the_rest(
    tmp_path, monkeypatch, capsys
):
    """deploy.lake_formation.ensure_filters against a ListDataCellsFilter answer (botocore's
    Stubber checks every request against the service model): a filter as wanted is left
    alone, a changed one updated, a missing one created, one of a grant no longer in the file
    deleted, and filters deploy.sh did not make (not bc-*, another database) never touched."""
    wanted = lake_formation.data_cells_filters(load(write(tmp_path, ACCESS)), "111122223333", "db")
    same, changed, missing = wanted[0], wanted[1], wanted[2:]
    stale = {**same, "Name": "bc-gone-00000000"}
    listed = [
        same,
        {**changed, "RowFilter": {"FilterExpression": "account_id IN ('1')"}},
        stale,
        {**same, "Name": "analysts"},  # someone else's
        {**same, "DatabaseName": "other", "Name": "bc-gone-00000000"},
    ]
    with stubbed("lakeformation", monkeypatch) as (lf, stubber):
        stubber.add_response("list_data_cells_filter", {"DataCellsFilters": listed}, {})
        stubber.add_response("update_data_cells_filter", {}, {"TableData": changed})
        for data in missing:
            stubber.add_response("create_data_cells_filter", {}, {"TableData": data})
        keys = ("TableCatalogId", "DatabaseName", "TableName", "Name")
        stubber.add_response("delete_data_cells_filter", {}, {k: stale[k] for k in keys})
        lake_formation.ensure_filters(lf, "db", wanted, Plan(plan_dir=None))
    said = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in said] == [
        "unchanged",
        "update",
        "RowFilter.FilterExpression:",  # what the update changes, under its line
        *["create"] * len(missing),
        "delete",
    ]
    assert said[2].strip() == (
        "RowFilter.FilterExpression: account_id IN ('1') → account_id IN ('444455556666')"
    )


def test_refused_grant_entries_stop_the_deploy_with_lake_formations_reason(monkeypatch):
    request = {"CatalogId": "111122223333", "Entries": []}
    failure = {"Error": {"ErrorCode": "InvalidInputException", "ErrorMessage": "no such table"}}
    with stubbed("lakeformation", monkeypatch) as (lf, stubber):
        stubber.add_response("batch_grant_permissions", {"Failures": [failure]}, request)
        with pytest.raises(DeployError, match="lake formation grants: no such table"):
            lake_formation.grant(lf, request, Plan(plan_dir=None))
