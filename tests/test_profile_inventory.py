"""profiles export: checked against botocore's real Bedrock service model with its Stubber."""

import boto3
import pytest
from botocore.stub import Stubber

from bedrock_costs.entry.cli import main
from bedrock_costs.reference.profile_file import load_profile_table
from bedrock_costs.reference.profile_inventory import export_profiles, model_source, to_csv
from helpers import ACCOUNT, HAIKU

APP_ARN = "arn:aws:bedrock:{region}:{account}:application-inference-profile/{name}"


def fm(region: str, model: str = HAIKU) -> str:
    return f"arn:aws:bedrock:{region}::foundation-model/{model}"


@pytest.mark.parametrize(
    ("arns", "source"),
    [
        ([fm("us-east-1")], fm("us-east-1")),
        ([fm("us-east-1"), fm("us-east-2"), fm("us-west-2")], f"us.{HAIKU}"),
        ([fm("eu-central-1"), fm("eu-west-3")], f"eu.{HAIKU}"),
        ([fm("ap-northeast-1"), fm("ap-southeast-2")], f"apac.{HAIKU}"),
        ([fm("us-gov-west-1"), fm("us-gov-east-1")], f"us-gov.{HAIKU}"),
        ([fm("us-east-1"), fm("eu-west-1"), fm("ap-south-1")], f"global.{HAIKU}"),
        ([fm("us-east-1"), fm("us-east-1", "amazon.nova-pro-v1:0")], None),
        ([], None),
    ],
)
def test_model_source_reads_routing_from_where_the_models_run(arns, source):
    assert model_source(arns) == source


def profile(name: str, region: str, models: list[str]) -> dict:
    return {
        "inferenceProfileName": name,
        "inferenceProfileId": name,
        "inferenceProfileArn": APP_ARN.format(region=region, account=ACCOUNT, name=name),
        "models": [{"modelArn": m} for m in models],
        "status": "ACTIVE",
        "type": "APPLICATION",
    }


def stubbed_clients():
    """Two Regions; us-east-1 pages its list; every call checked against the service model."""
    clients, stubbers = {}, []
    east = profile("aaaa11112222", "us-east-1", [fm("us-east-1"), fm("us-east-2"), fm("us-west-2")])
    west = profile("bbbb11112222", "us-east-1", [fm("us-east-1", "amazon.nova-pro-v1:0")])
    odd = profile(
        "cccc11112222", "us-east-1", [fm("us-east-1"), fm("us-east-1", "amazon.nova-pro-v1:0")]
    )
    eu = profile("dddd11112222", "eu-west-1", [fm("eu-west-1"), fm("eu-central-1")])
    pages = {"us-east-1": [([east], "token-2"), ([west, odd], None)], "eu-west-1": [([eu], None)]}
    tags = {
        east["inferenceProfileArn"]: [
            {"key": "team", "value": "search"},
            {"key": "Cost Center", "value": "CC-1"},
        ],
        west["inferenceProfileArn"]: [],
        eu["inferenceProfileArn"]: [{"key": "team", "value": "eu-bots"}],
    }
    for region, region_pages in pages.items():
        client = boto3.client(
            "bedrock", region_name=region, aws_access_key_id="x", aws_secret_access_key="x"
        )
        stubber = Stubber(client)
        token = None
        for summaries, next_token in region_pages:  # every page is listed before any tag is read
            expected = {"typeEquals": "APPLICATION", **({"nextToken": token} if token else {})}
            response = {
                "inferenceProfileSummaries": summaries,
                **({"nextToken": next_token} if next_token else {}),
            }
            stubber.add_response("list_inference_profiles", response, expected)
            token = next_token
        for summaries, _ in region_pages:
            for summary in summaries:
                arn = summary["inferenceProfileArn"]
                if arn in tags:  # a profile whose model can't be told is skipped untagged
                    stubber.add_response(
                        "list_tags_for_resource", {"tags": tags[arn]}, {"resourceARN": arn}
                    )
        stubber.activate()
        clients[region] = client
        stubbers.append(stubber)
    return clients, stubbers


def test_export_profiles_pages_every_region_and_reads_tags(tmp_path):
    clients, stubbers = stubbed_clients()
    warnings = []
    exported = export_profiles(
        ["us-east-1", "eu-west-1"], client_for=clients.__getitem__, warn=warnings.append
    )
    for stubber in stubbers:
        stubber.assert_no_pending_responses()
    assert [(p.profile_arn.rsplit("/", 1)[1], p.model_id, p.tags) for p in exported] == [
        ("dddd11112222", f"eu.{HAIKU}", {"team": "eu-bots"}),  # sorted by ARN: eu-west-1 first
        ("aaaa11112222", f"us.{HAIKU}", {"team": "search", "Cost Center": "CC-1"}),
        ("bbbb11112222", fm("us-east-1", "amazon.nova-pro-v1:0"), {}),
    ]
    assert len(warnings) == 1 and "cccc11112222" in warnings[0]
    (tmp_path / "profiles.csv").write_text(to_csv(exported))
    table = load_profile_table(str(tmp_path / "profiles.csv"))
    assert table[exported[1].profile_arn] == (
        f"us.{HAIKU}",
        {"Cost Center": "CC-1", "team": "search"},
    )


def test_profiles_export_needs_a_region(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    assert main(["profiles", "export", "--to", str(tmp_path / "p.csv")]) == 2
    assert "--region" in capsys.readouterr().err


def test_profiles_csv_tags_must_be_a_json_object_of_strings(tmp_path):
    from bedrock_costs.contract.errors import UsageError

    path = tmp_path / "p.csv"
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/abc"
    path.write_text(f'profile_arn,model_id,tags\n{arn},{HAIKU},"{{""team"": 1}}"\n')
    with pytest.raises(UsageError, match="row 2, column tags"):
        load_profile_table(str(path))
