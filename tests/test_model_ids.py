from pyspark.sql import functions as F

from bedrock_costs.invocations.model_ids import profiles_frame, resolve_models, routed_model
from helpers import ACCOUNT, HAIKU

APP = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/k3v9x2m1q8zt"
CASES = [
    (HAIKU, HAIKU, "in_region"),
    ("anthropic.claude-sonnet-4-6", "anthropic.claude-sonnet-4-6", "in_region"),
    (f"arn:aws:bedrock:us-west-2::foundation-model/{HAIKU}", HAIKU, "in_region"),
    (f"arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/{HAIKU}", HAIKU, "in_region"),
    (f"us.{HAIKU}", HAIKU, "geo"),
    (f"eu.{HAIKU}", HAIKU, "geo"),
    (f"apac.{HAIKU}", HAIKU, "geo"),
    (f"jp.{HAIKU}", HAIKU, "geo"),
    (f"au.{HAIKU}", HAIKU, "geo"),
    (f"ca.{HAIKU}", HAIKU, "geo"),
    (f"us-gov.{HAIKU}", HAIKU, "geo"),
    (f"global.{HAIKU}", HAIKU, "global"),
    (
        f"arn:aws:bedrock:us-west-2:{ACCOUNT}:inference-profile/global.anthropic.claude-opus-4-7",
        "anthropic.claude-opus-4-7",
        "global",
    ),
    (f"arn:aws:bedrock:eu-west-1:{ACCOUNT}:inference-profile/eu.{HAIKU}", HAIKU, "geo"),
    (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/abcdefghij12", None, None),
    (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:custom-model/{HAIKU}/abcdefghij12", None, None),
    (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:imported-model/abcdefghij12", None, None),
    (f"arn:aws:bedrock:us-east-1:{ACCOUNT}:prompt/PROMPT12345", None, None),
    (APP, None, None),
    ("not a model", None, None),
    ("", None, None),
    (None, None, None),
]


def test_routed_model_follows_the_resolution_table(spark):
    frame = spark.createDataFrame(CASES, "model_id string, want_model string, want_routing string")
    model, routing = routed_model(F.col("model_id"))
    rows = frame.select(
        "model_id", "want_model", "want_routing", model.alias("model"), routing.alias("routing")
    ).take(100)
    assert [(r.model_id, r.model, r.routing) for r in rows] == [
        (r.model_id, r.want_model, r.want_routing) for r in rows
    ]


def test_resolve_models_goes_through_the_profiles_table(spark):
    calls = spark.createDataFrame(
        [
            ("c1", APP),
            ("c2", APP.replace("k3v9x2m1q8zt", "unknown00000")),
            ("c3", f"us.{HAIKU}"),
            ("c4", f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/abcdefghij12"),
        ],
        "request_id string, model_id string",
    )
    profiles = profiles_frame(spark, {APP: (f"global.{HAIKU}", {"team": "data"})})
    rows = {r.request_id: r for r in calls.transform(resolve_models, profiles).take(10)}
    assert (rows["c1"].model, rows["c1"].routing, rows["c1"].inference_profile_arn) == (
        HAIKU,
        "global",
        APP,
    )
    assert rows["c1"].unresolved_reason is None and rows["c1"].profile_tags == {"team": "data"}
    assert (rows["c2"].model, rows["c2"].unresolved_reason) == (None, "unresolved_profile")
    assert rows["c2"].inference_profile_arn.endswith("unknown00000")
    assert (rows["c3"].model, rows["c3"].routing, rows["c3"].inference_profile_arn) == (
        HAIKU,
        "geo",
        None,
    )
    assert (rows["c4"].model, rows["c4"].unresolved_reason) == (None, "unresolved_model")
    assert len(rows) == 4
