from pyspark.sql import functions as F

from bedrock_costs.invocations.principals import principal
from helpers import ACCOUNT

CASES = [
    (f"arn:aws:iam::{ACCOUNT}:user/alice", "iam_user", "alice", None),
    (f"arn:aws:iam::{ACCOUNT}:user/teams/ml/bob", "iam_user", "bob", None),
    (f"arn:aws:iam::{ACCOUNT}:user/BedrockAPIKey-7h2k", "iam_user", "BedrockAPIKey-7h2k", None),
    (
        f"arn:aws:sts::{ACCOUNT}:assumed-role/SupportBot/bob@example.com",
        "assumed_role",
        "SupportBot",
        "bob@example.com",
    ),
    (
        f"arn:aws-us-gov:sts::{ACCOUNT}:assumed-role/Role_1/i-0abc",
        "assumed_role",
        "Role_1",
        "i-0abc",
    ),
    (f"arn:aws:sts::{ACCOUNT}:federated-user/carol", "federated_user", "carol", "carol"),
    (f"arn:aws:iam::{ACCOUNT}:root", "root", "root", None),
    (f"arn:aws:iam::{ACCOUNT}:role/SomeRole", "unknown", None, None),
    ("garbage", "unknown", None, None),
    (None, "unknown", None, None),
]


def test_principal_parses_every_caller_form(spark):
    frame = spark.createDataFrame(CASES, "arn string, kind string, name string, session string")
    kind, name, session = principal(F.col("arn"))
    rows = frame.select(
        "*", kind.alias("got_kind"), name.alias("got_name"), session.alias("got_session")
    ).take(100)
    assert [(r.arn, r.got_kind, r.got_name, r.got_session) for r in rows] == [
        (r.arn, r.kind, r.name, r.session) for r in rows
    ]
