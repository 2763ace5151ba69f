"""The jobs' role as deploy.sh makes it (deploy.role_policy), evaluated as AWS would by a
maintained policy simulator (iam_check), conditions included: what it allows, what it must not,
and the locations it refuses to name. The requests every job makes are checked in test_s3."""

import json

import pytest

import iam_check
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.deploy import cur_access, role_policy
from bedrock_costs.deploy.role_policy import RoleSettings, location
from iam_check import Request

KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def settings(**changes) -> RoleSettings:
    base = {
        "account": iam_check.ACCOUNT,
        "region": iam_check.REGION,
        "prefix": "bedrock-costs",
        "database": "bedrock_costs",
        "logs": location("--logs", "s3://logs-bucket/AWSLogs/"),
        "output": location("--output", "s3://out-bucket/costs/"),
        "artifacts": location("--artifacts", "s3://out-bucket/costs/_deploy/"),
        "cur": location("--cur", "s3://cur-bucket/cur/export"),
    }
    return RoleSettings(**{**base, **changes})


def decisions(policy: dict, *requests: Request) -> list[str]:
    return iam_check.evaluate(policy, list(requests))


def s3(action: str, path: str, **context: str) -> Request:
    return Request(f"s3:{action}", f"arn:aws:s3:::{path}", context)


def test_each_location_is_granted_as_a_folder_and_nothing_around_it():
    """The first S3 call of an earlier version's jobs, ListObjectsV2 Prefix=AWSLogs, was denied
    by `s3:prefix` "AWSLogs/*": the folder's name itself is allowed now, as in AWS's
    home-directory example; a sibling folder with the same start is not."""
    policy = role_policy.role_policy(settings())
    allowed = [
        s3("ListBucket", "logs-bucket", **{"s3:prefix": "AWSLogs"}),
        s3("ListBucket", "logs-bucket", **{"s3:prefix": "AWSLogs/"}),
        s3("ListBucket", "logs-bucket", **{"s3:prefix": "AWSLogs/1111/x/"}),
        s3("GetObject", "logs-bucket/AWSLogs"),
        s3("GetObject", "logs-bucket/AWSLogs/1111/x.json.gz"),
        s3("GetObject", "cur-bucket/cur/export/data/part.parquet"),
        s3("ListBucket", "cur-bucket", **{"s3:prefix": "cur/export/"}),
        s3("GetObject", "out-bucket/costs/_deploy/pricing/bedrock_prices.csv"),
        s3("PutObject", "out-bucket/costs/invocations/data/x.parquet"),
        s3("DeleteObject", "out-bucket/costs/invocations/data/x.parquet"),
        s3("AbortMultipartUpload", "out-bucket/costs/invocations/data/x.parquet"),
        s3("ListBucket", "out-bucket", **{"s3:prefix": "costs/invocations/"}),
        Request(
            "glue:UpdateTable",
            "arn:aws:glue:us-east-1:123456789012:table/bedrock_costs/invocations",
        ),
        Request("glue:GetDatabase", "arn:aws:glue:us-east-1:123456789012:database/default"),
    ]
    assert decisions(policy, *allowed) == ["Allowed"] * len(allowed)
    denied = [
        s3("ListBucket", "logs-bucket"),  # the whole bucket
        s3("ListBucket", "logs-bucket", **{"s3:prefix": "AWSLogsOther/"}),
        s3("ListBucket", "logs-bucket", **{"s3:prefix": ""}),
        s3("GetObject", "logs-bucket/AWSLogsOther/x"),
        s3("GetObject", "logs-bucket/other/x"),
        s3("PutObject", "logs-bucket/AWSLogs/x"),  # the logs are read only
        s3("DeleteObject", "cur-bucket/cur/export/data/part.parquet"),
        s3("PutObject", "out-bucket/costs"),  # the folder's name, not a place to write
        s3("PutObject", "out-bucket/costs-other/x"),
        s3("GetObject", "out-bucket/elsewhere/x"),
        Request(
            "glue:UpdateTable", "arn:aws:glue:us-east-1:123456789012:table/other_db/invocations"
        ),
        Request("glue:CreateDatabase", "arn:aws:glue:us-east-1:123456789012:database/default"),
        Request(
            "kms:Decrypt", KEY, {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
        ),  # no key named
    ]
    assert "Allowed" not in decisions(policy, *denied)


def test_the_jobs_cannot_overwrite_the_code_they_run():
    """The default artifacts folder (<output>_deploy/) is inside the output the jobs write:
    writing there is denied explicitly; reading is not."""
    policy = role_policy.role_policy(settings())
    assert decisions(
        policy,
        s3("PutObject", "out-bucket/costs/_deploy/jobs/invocation_costs.py"),
        s3("DeleteObject", "out-bucket/costs/_deploy/wheels/x.whl"),
        s3("GetObject", "out-bucket/costs/_deploy/jobs/invocation_costs.py"),
    ) == ["ExplicitlyDenied", "ExplicitlyDenied", "Allowed"]
    elsewhere = role_policy.role_policy(settings(artifacts=location("--artifacts", "s3://art/x/")))
    assert "KeepDeployedCode" not in json.dumps(elsewhere)  # nothing to protect in the output


def test_kms_keys_are_used_through_s3_only_and_encrypt_only_the_output():
    policy = role_policy.role_policy(
        settings(read_keys=(KEY,), write_keys=(KEY.replace("1234abcd", "9999abcd"),))
    )
    through_s3 = {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    assert decisions(
        policy,
        Request("kms:Decrypt", KEY, through_s3),
        Request("kms:GenerateDataKey", KEY, through_s3),  # a read key does not encrypt
        Request("kms:Decrypt", KEY, {"kms:ViaService": "glue.us-east-1.amazonaws.com"}),
        Request("kms:Decrypt", KEY),
        Request("kms:GenerateDataKey", KEY.replace("1234abcd", "9999abcd"), through_s3),
    ) == ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "ImplicitlyDenied", "Allowed"]


def test_a_cur_bucket_of_the_payer_account_is_read_once_its_owner_adds_what_deploy_prints():
    payer = "999988887777"
    payer_key = KEY.replace(iam_check.ACCOUNT, payer)
    policy = role_policy.role_policy(settings(read_keys=(payer_key,)))
    role = f"arn:aws:iam::{iam_check.ACCOUNT}:role/bedrock-costs-glue-jobs"
    cur = location("--cur", "s3://cur-bucket/cur/export")
    reads = [
        s3("GetObject", "cur-bucket/cur/export/data/BILLING_PERIOD=2026-07/x.parquet"),
        s3("ListBucket", "cur-bucket", **{"s3:prefix": "cur/export/"}),
        s3("GetObject", "cur-bucket/other/x.parquet"),  # not the export
        s3("ListBucket", "cur-bucket", **{"s3:prefix": "other/"}),
    ]

    def across(resource_policy: dict | None, *requests: Request) -> list[str]:
        return iam_check.evaluate(
            policy, list(requests), resource_policy=resource_policy, resource_account=payer
        )

    # the role's own policy alone is not enough across accounts: the bucket must grant it too
    no_bucket_grant = {"Version": "2012-10-17", "Statement": []}
    assert set(across(no_bucket_grant, *reads)) == {"ImplicitlyDenied"}
    bucket = cur_access.bucket_policy(role, cur)
    assert across(bucket, *reads) == ["Allowed", "Allowed", "ImplicitlyDenied", "ImplicitlyDenied"]
    # the payer's key: its default policy trusts only the payer; the printed statement, the role
    through_s3 = {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    decrypt = Request("kms:Decrypt", payer_key, through_s3)
    root = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{payer}:root"}}
    default = {"Version": "2012-10-17", "Statement": [{**root, "Action": "kms:*", "Resource": "*"}]}
    with_ours = {
        **default,
        "Statement": [*default["Statement"], cur_access.key_statement(role, "us-east-1")],
    }
    assert across(default, decrypt) == ["ImplicitlyDenied"]
    assert across(with_ours, decrypt) == ["Allowed"]
    assert across(with_ours, Request("kms:Decrypt", payer_key)) == ["ImplicitlyDenied"]


def test_the_maintenance_may_read_only_the_other_two_jobs_runs():
    jobs = f"arn:aws:glue:{iam_check.REGION}:{iam_check.ACCOUNT}:job"
    assert decisions(
        role_policy.role_policy(settings()),
        Request("glue:GetJobRuns", f"{jobs}/bedrock-costs-invocation-costs", {}),
        Request("glue:GetJobRuns", f"{jobs}/bedrock-costs-cur-reconcile", {}),
        Request("glue:GetJobRuns", f"{jobs}/someone-elses-job", {}),
        Request("glue:StartJobRun", f"{jobs}/bedrock-costs-invocation-costs", {}),
    ) == ["Allowed", "Allowed", "ImplicitlyDenied", "ImplicitlyDenied"]


def test_the_trust_policy_names_glue_and_the_account():
    (statement,) = role_policy.trust_policy("123456789012")["Statement"]
    assert statement["Principal"] == {"Service": "glue.amazonaws.com"}
    assert statement["Condition"] == {"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}


@pytest.mark.parametrize(
    "option, uri, says",
    [
        ("--output", "s3://out-bucket/", "bucket's root"),
        ("--output", "s3://out-bucket", "bucket's root"),
        ("--logs", 's3://b-logs/x*", "arn:aws:s3:::*', "character the role's policy cannot name"),
        ("--logs", "s3://b-logs/x?/", "character"),
        ("--cur", "s3://b-cur/${aws:username}/", "character"),
        ("--cur", "s3://b-cur/a//b/", "character"),
        ("--logs", "s3://B_ucket/x/", "not an S3 bucket name"),
        ("--logs", "https://b-logs/x/", "must be an s3:// URI"),
    ],
)
def test_a_location_the_policy_cannot_name_exactly_is_refused(option, uri, says):
    with pytest.raises(UsageError, match=says.replace("(", r"\(").replace("*", r"\*")):
        settings(**{option.removeprefix("--"): location(option, uri)})


def test_the_deployed_settings_validate_every_location_and_take_the_keys_given():
    places = {
        "logs": "s3://b-logs/AWSLogs/",
        "output": "s3://b-out/x/",
        "artifacts": "s3://b-out/x/_deploy/",
    }
    found = role_policy.deployed(
        iam_check.ACCOUNT, iam_check.REGION, "bc", "bc", places, kms_keys=(KEY,), detect_kms=False
    )
    assert found == settings(
        prefix="bc",
        database="bc",
        logs=location("--logs", "s3://b-logs/AWSLogs/"),
        output=location("--output", "s3://b-out/x/"),
        artifacts=location("--artifacts", "s3://b-out/x/_deploy/"),
        cur=None,
        read_keys=(KEY,),
        write_keys=(KEY,),
    )
    with pytest.raises(UsageError, match=r"^--output: the folder 'x\"'"):
        role_policy.deployed(
            iam_check.ACCOUNT, iam_check.REGION, "bc", "bc", {**places, "output": 's3://b-out/x"/'}
        )
