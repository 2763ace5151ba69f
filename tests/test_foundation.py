"""The jobs' role and the Glue database as deploy.sh's step 2-3 makes them (deploy/foundation.py):
the update of a role whose policy changed, by botocore's Stubber (the create and unchanged
cases run in test_deploy against moto)."""

import json

from bedrock_costs.deploy import foundation
from bedrock_costs.deploy.plan import Plan
from helpers import stubbed

OLD = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "A", "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}],
}
NEW = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "A",
            "Effect": "Allow",
            "Action": ["s3:GetObject"],
            "Resource": "arn:aws:s3:::b/k/*",
        }
    ],
}
TRUST = {"Version": "2012-10-17", "Statement": []}
ROLE = {  # copied per response: botocore decodes its policy document in place
    "Path": "/",
    "RoleName": "bc-glue-jobs",
    "RoleId": "AROAEXAMPLEEXAMPLE1",
    "Arn": "arn:aws:iam::123456789012:role/bc-glue-jobs",
    "CreateDate": "2026-01-01T00:00:00Z",
    "AssumeRolePolicyDocument": json.dumps(TRUST),
}


def test_a_changed_policy_is_shown_and_put_in_place(monkeypatch, capsys):
    with stubbed("iam", monkeypatch) as (iam, stubber):
        stubber.add_response("get_role", {"Role": dict(ROLE)}, {"RoleName": "bc-glue-jobs"})
        stubber.add_response(
            "get_role_policy",
            {
                "RoleName": "bc-glue-jobs",
                "PolicyName": "bc-access",
                "PolicyDocument": json.dumps(OLD),
            },
            {"RoleName": "bc-glue-jobs", "PolicyName": "bc-access"},
        )
        put = {
            "RoleName": "bc-glue-jobs",
            "PolicyName": "bc-access",
            "PolicyDocument": json.dumps(NEW),
        }
        stubber.add_response("put_role_policy", {}, put)
        trust = {"RoleName": "bc-glue-jobs", "PolicyDocument": json.dumps(TRUST)}
        stubber.add_response("update_assume_role_policy", {}, trust)
        foundation.ensure_role(iam, "bc-glue-jobs", "bc", NEW, TRUST, Plan())
    assert capsys.readouterr().out.splitlines() == [
        "  update     iam role bc-glue-jobs (inline policy bc-access, trust policy)",
        "               Policy.Statement[0].Resource: * → arn:aws:s3:::b/k/*",
    ]


def test_an_unchanged_role_and_an_existing_database_are_left_alone(monkeypatch, capsys):
    with stubbed("iam", monkeypatch) as (iam, stubber):
        stubber.add_response("get_role", {"Role": dict(ROLE)})
        document = {"RoleName": "bc-glue-jobs", "PolicyName": "bc-access"}
        stubber.add_response("get_role_policy", {**document, "PolicyDocument": json.dumps(NEW)})
        foundation.ensure_role(iam, "bc-glue-jobs", "bc", NEW, TRUST, Plan())
    with stubbed("glue", monkeypatch) as (glue, stubber):
        stubber.add_client_error("get_database", "EntityNotFoundException")
        foundation.ensure_database(glue, "bc_db", "bc", True, Plan(dry_run=True))
    assert capsys.readouterr().out.splitlines() == [
        "  unchanged  iam role bc-glue-jobs (inline policy bc-access)",
        "  create     glue database bc_db",
    ]
