"""deploy.governance: Lake Formation set to decide. test_deploy runs it against moto_server
(an account at Lake Formation's defaults: nothing left to IAM_ALLOWED_PRINCIPALS afterwards);
here what moto cannot show: a grant that a revoke leaves behind is an error, read back with
ListPermissions (botocore's Stubber, every request and response checked against Lake
Formation's service model), and whom Lake Formation grants for each kind of caller."""

import pytest

from bedrock_costs.deploy import governance
from bedrock_costs.deploy.plan import Plan
from helpers import stubbed

EVERYONE = {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}


@pytest.mark.parametrize(
    "caller, principal",
    [
        (
            "arn:aws:sts::111122223333:assumed-role/Admin/alice@example.com",
            "arn:aws:iam::111122223333:role/ops/Admin",  # the role, its path from IAM
        ),
        ("arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/alice"),
    ],
)
def test_the_deployer_is_granted_as_its_iam_role_or_user(caller, principal):
    paths = {"Admin": "arn:aws:iam::111122223333:role/ops/Admin"}
    assert governance.iam_principal(caller, paths.__getitem__) == principal


@pytest.fixture
def lakeformation(monkeypatch):
    with stubbed("lakeformation", monkeypatch) as found:
        yield found


def test_a_grant_left_to_iam_allowed_principals_is_found(lakeformation):
    client, stubber = lakeformation
    database = {"Database": {"CatalogId": "111122223333", "Name": "bc"}}
    table = {"Table": {"CatalogId": "111122223333", "DatabaseName": "bc", "Name": "invocations"}}
    stubber.add_response(
        "list_permissions",
        {"PrincipalResourcePermissions": []},
        {"CatalogId": "111122223333", "Principal": EVERYONE, "Resource": database},
    )
    left = {"Principal": EVERYONE, "Resource": table, "Permissions": ["ALL"]}
    stubber.add_response(
        "list_permissions",
        {"PrincipalResourcePermissions": [left]},
        {"CatalogId": "111122223333", "Principal": EVERYONE, "Resource": table},
    )
    found = governance.remaining_everyone_grants(client, "111122223333", "bc", ["invocations"])
    assert found == ["bc.invocations"]


def test_lake_formations_refusals_are_read_from_the_failures_it_returns(lakeformation):
    client, stubber = lakeformation
    entry = governance.entry("arn:aws:iam::111122223333:role/r", {"Catalog": {}}, ["DESCRIBE"], 1)
    error = {"ErrorCode": "AccessDeniedException", "ErrorMessage": "not a data lake administrator"}
    stubber.add_response(
        "batch_grant_permissions",
        {"Failures": [{"RequestEntry": entry, "Error": error}]},
        {"CatalogId": "111122223333", "Entries": [entry]},
    )
    failed = governance._batch(client, "BatchGrantPermissions", "111122223333", [entry], Plan())
    assert [f["Error"]["ErrorMessage"] for f in failed] == ["not a data lake administrator"]
