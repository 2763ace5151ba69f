"""deploy.sh's QuickSight step (deploy.quicksight_apply): each resource read and compared,
QuickSight's asynchronous answers awaited. moto answers every creation with success at once and
has no DescribeDataSet, DescribeDashboardDefinition or UpdateDashboard (test_deploy runs the
step against it); what AWS does — a data source still being created, then failed; a dashboard
version being built, then published; a reader removed from the access file; a redeploy that
finds everything as wanted — is played by botocore's Stubber, every request and response checked
against QuickSight's service model."""

import pytest

from bedrock_costs.deploy import quicksight, quicksight_apply
from bedrock_costs.deploy.plan import DeployError, Plan
from helpers import stubbed

ACCOUNT = "111122223333"
OWNER = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:group/default/finops"


@pytest.fixture
def client(monkeypatch):
    with stubbed("quicksight", monkeypatch) as found:
        yield found


def requests(**options) -> quicksight.Requests:
    return quicksight.requests(ACCOUNT, "us-east-1", "bc", "bc", "bc", OWNER, **options)


def test_a_data_source_quicksight_fails_to_create_stops_the_deploy_with_its_message(client):
    found, stubber = client
    create, update = requests().source
    ids = {"AwsAccountId": ACCOUNT, "DataSourceId": "bc-athena"}
    stubber.add_client_error(
        "describe_data_source", "ResourceNotFoundException", expected_params=ids
    )
    stubber.add_response(
        "create_data_source", {"CreationStatus": "CREATION_IN_PROGRESS", "Status": 202}, create
    )
    stubber.add_response(
        "describe_data_source", {"DataSource": {"Status": "CREATION_IN_PROGRESS"}}, ids
    )
    message = (
        "Unable to verify/create output bucket aws-athena-query-results-111122223333-us-east-1"
    )
    stubber.add_response(
        "describe_data_source",
        {
            "DataSource": {
                "Status": "CREATION_FAILED",
                "ErrorInfo": {"Type": "ACCESS_DENIED", "Message": message},
            }
        },
        ids,
    )
    with pytest.raises(DeployError) as raised:
        quicksight_apply.apply_source(found, create, update, Plan(plan_dir=None))
    assert str(raised.value) == f"quicksight data source bc-athena: CREATION_FAILED: {message}"


def definition(update: dict, **changed) -> dict:
    """A DescribeDashboardDefinition answer: what was sent (and QuickSight's own additions)."""
    stored = {
        k: update[k] for k in ("DashboardId", "Name", "Definition", "DashboardPublishOptions")
    }
    return {**stored, "Status": 200, "ResourceStatus": "CREATION_SUCCESSFUL", **changed}


def test_a_changed_dashboard_gets_a_version_published_once_built_and_removed_readers_lose_it(
    client, capsys
):
    found, stubber = client
    create, update, permissions = requests(with_dashboard=True).dashboard
    board = {"AwsAccountId": ACCOUNT, "DashboardId": "bc-costs"}
    stubber.add_response(
        "describe_dashboard_definition", definition(update, Name="Bedrock costs (old)"), board
    )
    arn = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:dashboard/bc-costs"
    stubber.add_response(
        "update_dashboard",
        {"Arn": arn, "VersionArn": f"{arn}/version/3", "CreationStatus": "CREATION_IN_PROGRESS"},
        update,
    )
    for status in ("CREATION_IN_PROGRESS", "CREATION_SUCCESSFUL"):
        stubber.add_response(
            "describe_dashboard",
            {
                "Dashboard": {
                    "DashboardId": "bc-costs",
                    "Version": {"VersionNumber": 3, "Status": status},
                }
            },
            {**board, "VersionNumber": 3},
        )
    stubber.add_response("update_dashboard_published_version", {}, {**board, "VersionNumber": 3})
    gone = {
        "Principal": f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/default/bob",
        "Actions": ["quicksight:DescribeDashboard"],
    }
    stubber.add_response(
        "describe_dashboard_permissions",
        {"Permissions": [*permissions["GrantPermissions"], gone]},
        board,
    )
    # the readers still there are not sent again: only bob revoked
    stubber.add_response("update_dashboard_permissions", {}, {**board, "RevokePermissions": [gone]})
    quicksight_apply.apply_dashboard(found, create, update, permissions, Plan(plan_dir=None))
    assert [line.strip() for line in capsys.readouterr().out.splitlines()] == [
        "update     quicksight dashboard bc-costs",
        "Name: Bedrock costs (old) → Bedrock costs (bc)",
        "publish    quicksight dashboard bc-costs version 3",
        "update     quicksight dashboard bc-costs readers (0 granted, 1 revoked)",
    ]


def test_a_redeploy_of_the_same_settings_sends_nothing_but_reads(client, capsys):
    """Each resource read and compared with what would be sent — only that: what QuickSight
    adds (its defaults, times, ARNs) is no change — so nothing is updated, no new dashboard
    version is built and the readers, already as wanted, are not sent again."""
    found, stubber = client
    wanted = requests(with_dashboard=True)
    source_create, source_update = wanted.source
    stored_source = {k: v for k, v in source_update.items() if k not in ("AwsAccountId",)} | {
        "Status": "UPDATE_SUCCESSFUL",
        "Arn": "arn:aws:quicksight:us-east-1:1:datasource/x",
    }
    stubber.add_response(
        "describe_data_source",
        {"DataSource": stored_source},
        {"AwsAccountId": ACCOUNT, "DataSourceId": "bc-athena"},
    )
    (create, update), *_ = wanted.data_sets
    stored = {k: v for k, v in update.items() if k != "AwsAccountId"} | {
        "ConsumedSpiceCapacityInBytes": 0
    }
    stubber.add_response(
        "describe_data_set",
        {"DataSet": stored},
        {"AwsAccountId": ACCOUNT, "DataSetId": create["DataSetId"]},
    )
    board_create, board_update, permissions = wanted.dashboard
    board = {"AwsAccountId": ACCOUNT, "DashboardId": "bc-costs"}
    stored_definition = {**board_update["Definition"], "Options": {"WeekStart": "SUNDAY"}}
    stubber.add_response(
        "describe_dashboard_definition",
        definition(board_update, Definition=stored_definition),  # a default QuickSight adds
        board,
    )
    stubber.add_response(
        "describe_dashboard_permissions", {"Permissions": permissions["GrantPermissions"]}, board
    )
    plan = Plan(plan_dir=None)
    quicksight_apply.apply_source(found, source_create, source_update, plan)
    quicksight_apply.apply_data_set(found, create, update, plan)
    quicksight_apply.apply_dashboard(found, board_create, board_update, permissions, plan)
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["unchanged"] * 3


def test_a_changed_dataset_is_updated_in_place_with_what_changes(client, capsys):
    found, stubber = client
    (create, update), *_ = requests().data_sets
    stored = {k: v for k, v in update.items() if k != "AwsAccountId"} | {"Name": "old"}
    ids = {"AwsAccountId": ACCOUNT, "DataSetId": create["DataSetId"]}
    stubber.add_response("describe_data_set", {"DataSet": stored}, ids)
    stubber.add_response("update_data_set", {}, update)
    quicksight_apply.apply_data_set(found, create, update, Plan(plan_dir=None))
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert lines == [
        f"update     quicksight dataset {create['DataSetId']}",
        f"Name: old → {update['Name']}",
    ]


def test_a_dashboard_version_that_fails_to_build_is_not_published(client):
    found, stubber = client
    create, update, permissions = requests(with_dashboard=True).dashboard
    board = {"AwsAccountId": ACCOUNT, "DashboardId": "bc-costs"}
    stubber.add_response(
        "describe_dashboard_definition", definition(update, Name="Bedrock costs (old)"), board
    )
    arn = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:dashboard/bc-costs"
    stubber.add_response("update_dashboard", {"VersionArn": f"{arn}/version/4"}, update)
    version = {
        "VersionNumber": 4,
        "Status": "CREATION_FAILED",
        "Errors": [{"Type": "COLUMN_TYPE_MISMATCH", "Message": "cost_usd"}],
    }
    stubber.add_response(
        "describe_dashboard",
        {"Dashboard": {"Version": version}},
        {"AwsAccountId": ACCOUNT, "DashboardId": "bc-costs", "VersionNumber": 4},
    )
    with pytest.raises(DeployError, match="version 4: CREATION_FAILED: cost_usd"):
        quicksight_apply.apply_dashboard(found, create, update, permissions, Plan(plan_dir=None))
    # nothing published: no further response was consumed (the fixture checks none is pending)
