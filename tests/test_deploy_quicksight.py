"""deploy.sh's QuickSight step (deploy.quicksight_apply): QuickSight's asynchronous answers
awaited. moto answers every creation with success at once and has no UpdateDashboard
(test_deploy runs the step against it); what AWS does between a call and its result — a data
source still being created, then failed; a dashboard version being built, then published; a
reader removed from the access file — is played by botocore's Stubber, every request and
response checked against QuickSight's service model."""

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
        quicksight_apply.apply_source(found, create, update, Plan())
    assert str(raised.value) == f"quicksight data source bc-athena: CREATION_FAILED: {message}"


def test_a_new_dashboard_version_is_published_once_built_and_removed_readers_lose_it(
    client, capsys
):
    found, stubber = client
    create, update, permissions = requests(with_dashboard=True).dashboard
    board = {"AwsAccountId": ACCOUNT, "DashboardId": "bc-costs"}
    stubber.add_client_error("create_dashboard", "ResourceExistsException", expected_params=create)
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
    stubber.add_response(
        "update_dashboard_permissions", {}, {**permissions, "RevokePermissions": [gone]}
    )
    quicksight_apply.apply_dashboard(found, create, update, permissions, Plan())
    assert (
        capsys.readouterr().out.split()
        == "update quicksight dashboard bc-costs (version 3 published)".split()
    )


def test_a_dashboard_version_that_fails_to_build_is_not_published(client):
    found, stubber = client
    create, update, permissions = requests(with_dashboard=True).dashboard
    stubber.add_client_error("create_dashboard", "ResourceExistsException", expected_params=create)
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
        quicksight_apply.apply_dashboard(found, create, update, permissions, Plan())
    # nothing published: no further response was consumed (the fixture checks none is pending)
