from datetime import date

from bedrock_costs.contract import schemas
from bedrock_costs.invocations.coverage import suggested_rows, unpriced_groups

FIXED = [c.name for c in schemas.load("invocations").columns]


def call(request_id, status, model, model_id, region="us-east-1", routing="geo", day=14, tokens=10):
    row = dict.fromkeys(FIXED)
    row.update(
        request_id=request_id,
        pricing_status=status,
        model=model,
        model_id=model_id,
        region=region,
        routing=routing,
        service_tier="standard",
        input_tokens=tokens,
        output_tokens=1,
        cache_read_tokens=0,
        cache_write_tokens=0,
        usage_date=date(2026, 7, day),
    )
    return row


def test_unpriced_groups_sums_volumes_and_suggests_rows(spark):
    schema = schemas.load("invocations").spark_type()
    rows = [
        call("a", "priced", "m.ok", "us.m.ok"),
        call("b", "no_price", "m.new", "us.m.new", day=14, tokens=10),
        call("c", "no_price", "m.new", "m.new", day=16, tokens=5),
        call(
            "d",
            "unresolved_model",
            None,
            "arn:aws:bedrock:us-east-1:1:provisioned-model/x",
            routing=None,
        ),
        call("e", "no_price", "m.new", "eu.m.new", region="eu-west-1"),
    ]
    frame = spark.createDataFrame([tuple(r[f.name] for f in schema.fields) for r in rows], schema)
    groups = [r.asDict() for r in unpriced_groups(frame).take(100)]
    assert [
        (g["pricing_status"], g["model"], g["model_id"], g["region"], g["calls"], g["input_tokens"])
        for g in groups
    ] == [
        ("no_price", "m.new", None, "us-east-1", 2, 15),
        ("no_price", "m.new", None, "eu-west-1", 1, 10),
        (
            "unresolved_model",
            None,
            "arn:aws:bedrock:us-east-1:1:provisioned-model/x",
            "us-east-1",
            1,
            10,
        ),
    ]
    assert (groups[0]["first_day"], groups[0]["last_day"]) == (date(2026, 7, 14), date(2026, 7, 16))
    suggested = suggested_rows(groups).splitlines()
    assert suggested[0].startswith("model,region,routing,tier,min_input_tokens,input_per_mtok")
    assert suggested[1:] == [
        "m.new,us-east-1,geo,standard,0,,,,,,2026-07-14,,USD,TODO: 2 calls had no price",
        "m.new,eu-west-1,geo,standard,0,,,,,,2026-07-14,,USD,TODO: 1 calls had no price",
    ]
