import pytest

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.reference.profile_file import load_profile_table
from helpers import HAIKU, write_csv

ARN = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/k3v9x2m1q8zt"
SYSTEM_ARN = f"arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.{HAIKU}"


def profiles(tmp_path, rows, header=("profile_arn", "model_id")):
    found = load_profile_table(write_csv(tmp_path / "profiles.csv", rows, list(header)))
    return {arn: model_id for arn, (model_id, _) in found.items()}


@pytest.mark.parametrize(
    "model_id",
    [
        HAIKU,
        f"us.{HAIKU}",
        f"global.{HAIKU}",
        f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",
        SYSTEM_ARN,
    ],
)
def test_load_profiles_accepts_every_documented_source(tmp_path, model_id):
    assert profiles(tmp_path, [{"profile_arn": ARN, "model_id": model_id}]) == {ARN: model_id}


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (
            {
                "profile_arn": "arn:aws:bedrock:us-east-1:1111:application-inference-profile/x",
                "model_id": HAIKU,
            },
            "profile_arn",
        ),
        (
            {
                "profile_arn": SYSTEM_ARN,
                "model_id": HAIKU,
            },
            "profile_arn",
        ),
        (
            {
                "profile_arn": ARN,
                "model_id": "arn:aws:bedrock:us-east-1:111122223333:provisioned-model/abc",
            },
            "model_id",
        ),
        ({"profile_arn": ARN, "model_id": ARN}, "model_id"),
        ({"profile_arn": ARN, "model_id": ""}, "model_id"),
    ],
)
def test_load_profiles_rejects_malformed_arns(tmp_path, row, column):
    with pytest.raises(UsageError) as caught:
        profiles(tmp_path, [row])
    assert f"row 2, column {column}" in str(caught.value)


def test_load_profiles_rejects_unknown_columns_and_repeated_profiles(tmp_path):
    with pytest.raises(UsageError, match="unknown column 'owner'"):
        profiles(
            tmp_path,
            [{"profile_arn": ARN, "model_id": HAIKU, "owner": "x"}],
            header=("profile_arn", "model_id", "owner"),
        )
    with pytest.raises(UsageError, match=r"row 3, column profile_arn: profile .* is listed twice"):
        profiles(tmp_path, [{"profile_arn": ARN, "model_id": HAIKU}] * 2)


def test_load_profiles_without_a_file_is_empty():
    assert load_profile_table(None) == {}
