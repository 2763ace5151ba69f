"""deploy.sh --check (deploy/preflight.py), in-process: a ready account on one moto_server (S3,
Bedrock's logging configuration, Lake Formation, STS) with what moto lacks (Data Exports,
QuickSight's subscription) under botocore's Stubber; every request a read; then each thing a
first deploy can lack, reported missing with its fix."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from botocore.stub import Stubber

import iam_check
from bedrock_costs.deploy import preflight
from bedrock_costs.deploy.preflight import Finding, Wanted
from bedrock_costs.deploy.role_policy import location
from bedrock_costs.io import aws
from helpers import aws_env, moto_client, start_moto_server

ACCOUNT = "123456789012"
EXPORT_ARN = f"arn:aws:bcm-data-exports:us-east-1:{ACCOUNT}:export/bedrock-export-1"
USER = f"arn:aws:quicksight:us-east-1:{ACCOUNT}:user/default/finops"


def export(fmt: str = "PARQUET", principal: str = "TRUE", prefix: str = "cur") -> dict:
    query = "SELECT line_item_usage_type, line_item_iam_principal FROM COST_AND_USAGE_REPORT"
    return {
        "ExportArn": EXPORT_ARN,
        "Name": "bedrock-export",
        "DataQuery": {
            "QueryStatement": query,
            "TableConfigurations": {
                "COST_AND_USAGE_REPORT": {"INCLUDE_IAM_PRINCIPAL_DATA": principal}
            },
        },
        "DestinationConfigurations": {
            "S3Destination": {
                "S3Bucket": "bc-cur",
                "S3Prefix": prefix,
                "S3Region": "us-east-1",
                "S3OutputConfigurations": {
                    "OutputType": "CUSTOM",
                    "Format": fmt,
                    "Compression": "PARQUET",
                    "Overwrite": "OVERWRITE_REPORT",
                },
            }
        },
        "RefreshCadence": {"Frequency": "SYNCHRONOUS"},
    }


def wanted(**changes) -> Wanted:
    base = {
        "account": ACCOUNT,
        "region": "us-east-1",
        "logs": location("--logs", "s3://bc-logs/AWSLogs/"),
        "output": location("--output", "s3://bc-out/costs/"),
        "cur": location("--cur", "s3://bc-cur/cur/bedrock-export/"),
        "lake_formation": True,
        "principal": USER,
        "row_level_security": True,
    }
    return Wanted(**{**base, **changes})


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    recording = tmp_path_factory.mktemp("recording") / "requests.jsonl"
    server, endpoint = start_moto_server(recording=recording)
    saved = dict(os.environ)
    os.environ.update(aws_env(endpoint))
    try:
        yield {"endpoint": endpoint, "recording": recording}
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.kill()
        server.wait()


@pytest.fixture
def stubs(monkeypatch):
    """Data Exports and QuickSight under Stubber; every other service on moto_server."""
    made = {name: aws.client(name, "us-east-1") for name in ("bcm-data-exports", "quicksight")}
    stubbers = {name: Stubber(client) for name, client in made.items()}
    real = aws.client
    monkeypatch.setattr(aws, "client", lambda s, r=None: made.get(s) or real(s, r))
    for stubber in stubbers.values():
        stubber.activate()
    yield stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def ready_account(endpoint: str) -> None:
    s3 = moto_client("s3", endpoint)
    for bucket in ("bc-logs", "bc-out", "bc-cur"):
        s3.create_bucket(Bucket=bucket)
    key = moto_client("kms", endpoint).create_key()["KeyMetadata"]["Arn"]
    s3.put_bucket_encryption(
        Bucket="bc-logs",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key,
                    }
                }
            ]
        },
    )
    s3.put_object(Bucket="bc-logs", Key=f"AWSLogs/{ACCOUNT}/x.json.gz", Body=b"log")
    moto_client("bedrock", endpoint).put_model_invocation_logging_configuration(
        loggingConfig={"s3Config": {"bucketName": "bc-logs"}, "textDataDeliveryEnabled": True}
    )
    me = f"arn:aws:iam::{ACCOUNT}:user/moto"  # moto's caller, as Lake Formation names it
    moto_client("lakeformation", endpoint).put_data_lake_settings(
        DataLakeSettings={"DataLakeAdmins": [{"DataLakePrincipalIdentifier": me}]}
    )


def subscribed(stubs, edition: str = "ENTERPRISE", user: bool = True) -> None:
    qs = stubs["quicksight"]
    info = {"AccountSubscriptionStatus": "ACCOUNT_CREATED", "Edition": edition}
    qs.add_response("describe_account_subscription", {"AccountInfo": info, "Status": 200})
    ask = {"AwsAccountId": ACCOUNT, "Namespace": "default", "UserName": "finops"}
    if user:
        qs.add_response("describe_user", {"User": {"UserName": "finops"}, "Status": 200}, ask)
    else:
        qs.add_client_error("describe_user", "ResourceNotFoundException", expected_params=ask)


def exports(stubs, *found: dict) -> None:
    listed = [
        {
            "ExportArn": e["ExportArn"],
            "ExportName": e["Name"],
            "ExportStatus": {"StatusCode": "HEALTHY"},
        }
        for e in found
    ]
    stubs["bcm-data-exports"].add_response("list_exports", {"Exports": listed})
    for e in found:
        stubs["bcm-data-exports"].add_response(
            "get_export", {"Export": e}, {"ExportArn": e["ExportArn"]}
        )


def is_read(entry: dict) -> bool:
    """A recorded request that reads: GET/HEAD, or a query/JSON call named Get/List/Describe."""
    (call,) = iam_check.calls(entry)
    operation = call.action.split(":", 1)[1].rsplit("/", 1)[-1]
    return entry["method"] in ("GET", "HEAD") or operation.startswith(("Get", "List", "Describe"))


def test_a_ready_account_is_all_ok_and_the_check_only_reads(moto, stubs, capsys):
    ready_account(moto["endpoint"])
    subscribed(stubs)
    exports(stubs, export())
    with iam_check.recorded(moto["endpoint"], moto["recording"], lambda e: [e]) as requests:
        assert (
            preflight.main(
                [
                    "--account",
                    ACCOUNT,
                    "--region",
                    "us-east-1",
                    "--logs",
                    "s3://bc-logs/AWSLogs/",
                    "--output",
                    "s3://bc-out/costs/",
                    "--cur",
                    "s3://bc-cur/cur/bedrock-export/",
                    "--lake-formation",
                    "--quicksight-principal",
                    USER,
                    "--row-level-security",
                ]
            )
            == 0
        )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["ok"] * (len(lines) - 1)
    assert lines[-1] == f"{len(lines) - 1} ok, 0 missing"
    text = "\n".join(lines)
    assert "logs bucket bc-logs: encrypted with KMS key arn:aws:kms:" in text
    assert "output bucket bc-out: encrypted with SSE-S3" in text
    assert "Bedrock invocation logging in us-east-1: writes to s3://bc-logs/" in text
    assert "CUR 2.0 export bedrock-export writes to s3://bc-cur/cur/bedrock-export/" in text
    assert f"Lake Formation administrator: arn:aws:iam::{ACCOUNT}:user/moto" in text
    reads = [urlsplit(e["url"]).path for e in requests if is_read(e)]
    assert requests and len(reads) == len(requests), [e["url"] for e in requests if not is_read(e)]


def test_each_missing_thing_is_named_with_its_fix(moto, stubs):
    ready_account(moto["endpoint"])  # idempotent on moto: the same names
    moto_client("bedrock", moto["endpoint"]).put_model_invocation_logging_configuration(
        loggingConfig={"s3Config": {"bucketName": "elsewhere", "keyPrefix": "bedrock"}}
    )
    subscribed(stubs, edition="STANDARD", user=False)
    exports(stubs, export(fmt="TEXT_OR_CSV", principal="FALSE"))
    found = preflight.check(
        wanted(
            logs=location("--logs", "s3://bc-logs/AWSLogs/"),
            output=location("--output", "s3://no-such-bucket/costs/"),
            logging_regions=("eu-west-1",),
        )
    )
    missing = {f.what: f.fix for f in found if not f.ok}
    assert missing == {
        "output bucket no-such-bucket does not exist": "create it, or check --output",
        "Bedrock invocation logging in us-east-1: writes to s3://elsewhere/bedrock/, not under "
        "--logs s3://bc-logs/AWSLogs/": missing[
            "Bedrock invocation logging in us-east-1: writes to s3://elsewhere/bedrock/, not "
            "under --logs s3://bc-logs/AWSLogs/"
        ],
        "Bedrock invocation logging in eu-west-1: off, or not to S3": missing[
            "Bedrock invocation logging in eu-west-1: off, or not to S3"
        ],
        "CUR 2.0 export bedrock-export as Parquet": "gzip CSV is not read: use Parquet",
        "CUR 2.0 export bedrock-export with the IAM principal column": missing[
            "CUR 2.0 export bedrock-export with the IAM principal column"
        ],
        "QuickSight edition STANDARD (row-level security)": ("row-level security needs Enterprise"),
        "QuickSight user finops in namespace default: ResourceNotFoundException": (
            "register it, or fix --quicksight-principal"
        ),
    }
    us = missing[
        "Bedrock invocation logging in us-east-1: writes to s3://elsewhere/bedrock/, not "
        "under --logs s3://bc-logs/AWSLogs/"
    ]
    assert us.startswith("pass --logs s3://elsewhere/bedrock/AWSLogs/, or: aws bedrock put-")
    eu = missing["Bedrock invocation logging in eu-west-1: off, or not to S3"]
    assert "--region eu-west-1" in eu and '"bucketName": "bc-logs"' in eu
    assert (
        "line_item_iam_principal"
        in missing["CUR 2.0 export bedrock-export with the IAM principal column"]
    )


def test_no_export_to_the_cur_folder_or_none_readable_and_no_lake_formation_admin(
    moto, stubs, monkeypatch
):
    ready_account(moto["endpoint"])
    exports(stubs, export(prefix="other"))
    assert preflight.cur_export(wanted()) == [
        Finding(
            False,
            "CUR 2.0 export: none of the 1 exports writes to s3://bc-cur/cur/bedrock-export/",
            "create one in Billing and Cost Management > Data Exports (CUR 2.0, Parquet, "
            "include IAM principal data) writing there",
        )
    ]
    stubs["bcm-data-exports"].add_client_error("list_exports", "AccessDeniedException")
    (refused,) = preflight.cur_export(wanted())
    assert (
        refused.what == "CUR 2.0 export: Data Exports cannot be read here (AccessDeniedException)"
    )
    assert "usually the payer account's" in refused.fix and "--cur-bucket-policy" in refused.fix
    moto_client("lakeformation", moto["endpoint"]).put_data_lake_settings(
        DataLakeSettings={"DataLakeAdmins": []}
    )
    (admin,) = preflight.lake_formation(wanted())
    assert (admin.ok, admin.what) == (
        False,
        f"Lake Formation administrator: arn:aws:iam::{ACCOUNT}:user/moto",
    )
    assert preflight.lake_formation(wanted(lake_formation=False)) == []
