from pyspark.sql import functions as F

from bedrock_costs.invocations.tags import (
    MAX_KEYS_PER_CALL,
    MAX_TAG_KEY_LENGTH,
    TagKey,
    plan_tag_columns,
    promote_tags,
    sanitized_key,
    tag_key_usage,
)


def test_sanitized_key_follows_the_contract(spark):
    cases = [
        ("Cost Center", "cost_center"),
        ("cost-center", "cost_center"),
        ("TenantID", "tenantid"),
        ("__app__", "app"),
        ("a..b  c", "a_b_c"),
        ("Ünïcode key", "n_code_key"),
        ("___", ""),
        ("env", "env"),
        ("x9:Y/z", "x9_y_z"),
    ]
    frame = spark.createDataFrame(cases, "raw string, want string")
    rows = frame.select("raw", "want", sanitized_key(F.col("raw")).alias("got")).take(100)
    assert [(r.raw, r.got) for r in rows] == [(r.raw, r.want) for r in rows]


def test_promote_tags_takes_the_smallest_raw_key_on_a_collision(spark):
    calls = spark.createDataFrame(
        [
            ("r1", {"cost-center": "B", "Cost Center": "A", "env": "prod"}),
            ("r2", {"cost_center": "C"}),
            ("r3", None),
            ("r4", {}),
        ],
        "request_id string, request_metadata map<string,string>",
    )
    rows = {
        r.request_id: r
        for r in calls.transform(promote_tags, ("tag_cost_center", "tag_env", "tag_team")).take(10)
    }
    assert rows["r1"].tag_cost_center == "A"  # "Cost Center" < "cost-center"
    assert (rows["r1"].tag_env, rows["r1"].tag_team) == ("prod", None)
    assert rows["r2"].tag_cost_center == "C"
    assert (rows["r3"].tag_cost_center, rows["r4"].tag_env) == (None, None)


def test_tag_key_usage_counts_calls_not_spellings(spark):
    calls = spark.createDataFrame(
        [
            ("r1", {"Cost Center": "A", "cost-center": "B"}),
            ("r2", {"cost_center": "C", "env": "x"}),
            ("r3", {"Env": "y", "ENV": "z", "env": "w"}),
            ("r4", None),
            ("r5", {}),
        ],
        "request_id string, request_metadata map<string,string>",
    )
    usage = {r.key: (r.calls, list(r.raw_keys)) for r in tag_key_usage(calls).take(10)}
    assert usage == {
        "cost_center": (2, ["Cost Center", "cost-center", "cost_center"]),
        "env": (2, ["ENV", "Env", "env"]),
    }


def test_plan_tag_columns_keeps_existing_and_adds_most_frequent_first():
    usage = [
        TagKey("rare", 1, ("rare",)),
        TagKey("tenant", 90, ("tenant",)),
        TagKey("app", 50, ("App",)),
        TagKey("env", 50, ("env",)),
        TagKey("", 3, ("___",)),
    ]
    plan = plan_tag_columns(usage, ["tag_old"], limit=3)
    assert plan.columns == ("tag_old", "tag_tenant", "tag_app")
    assert [t.key for t in plan.not_promoted] == ["", "env", "rare"]


def test_plan_tag_columns_never_drops_an_existing_column_over_the_limit():
    plan = plan_tag_columns([TagKey("new", 9, ("new",))], ["tag_a", "tag_b"], limit=1)
    assert plan.columns == ("tag_a", "tag_b")
    assert [t.key for t in plan.not_promoted] == ["new"]


def test_one_call_contributes_a_bounded_number_of_keys_and_long_keys_stay_in_the_map(spark):
    """A record with 10,000 keys ran the driver out of heap (each exploded key carried the
    whole array); a 1,000-character key broke the catalog's column names (issue 17)."""
    many = {f"k{i:05d}": "v" for i in range(10_000)}
    calls = spark.createDataFrame(
        [("r1", many), ("r2", {"k09999": "w"})],
        "request_id string, request_metadata map<string,string>",
    )
    usage = {r.key: r.calls for r in tag_key_usage(calls).take(20_000)}
    assert MAX_KEYS_PER_CALL == 64 and len(usage) == MAX_KEYS_PER_CALL + 1
    assert usage["k00000"] == usage["k00063"] == usage["k09999"] == 1 and "k00064" not in usage
    assert MAX_TAG_KEY_LENGTH == 251  # tag_<key> within Glue's 255-character column names
    longest, too_long = "x" * 251, "y" * 252
    plan = plan_tag_columns(
        [TagKey(longest, 5, (longest,)), TagKey(too_long, 9, (too_long.upper(),))], [], limit=50
    )
    assert plan.columns == (f"tag_{longest}",)
    assert [t.raw_keys for t in plan.not_promoted] == [(too_long.upper(),)]
