from datetime import date
from decimal import Decimal

from pyspark.sql import functions as F

from bedrock_costs.invocations.costs import apply_prices, per_mtok_cost, prices_frame
from bedrock_costs.reference.price_file import load_prices
from helpers import HAIKU, NOVA, cost, price, write_csv

CALL_SCHEMA = (
    "request_id string, model string, routing string, region string, service_tier string, "
    "usage_date date, input_tokens bigint, output_tokens bigint, cache_read_tokens bigint, "
    "cache_write_tokens bigint, cache_write_1h_tokens bigint, cache_write_ttl_basis string, "
    "unresolved_reason string, unit_cost decimal(37,12), unit_price_effective_from date"
)


def call(
    request_id,
    model=HAIKU,
    routing="in_region",
    region="us-east-1",
    tier="standard",
    day=date(2026, 7, 14),
    tokens=(1000, 1000, 0, 0),
    unresolved=None,
):
    return (request_id, model, routing, region, tier, day, *tokens, 0, None, unresolved, None, None)


def priced(spark, tmp_path, calls, rows):
    prices = prices_frame(spark, load_prices(write_csv(tmp_path / "p.csv", rows)))
    frame = spark.createDataFrame(calls, CALL_SCHEMA)
    return {r.request_id: r for r in frame.transform(apply_prices, prices).take(1000)}


def test_per_mtok_cost_is_exact_at_the_extremes(spark):
    cases = [
        (1234, "1.00", "0.001234000000"),
        (1, "0.000001", "0.000000000001"),
        (9223372036854775807, "999999.999999", "9223372036845552434.963145224193"),
        (0, "3.75", "0E-12"),
        (56789, "0.00875", "0.000496903750"),
    ]
    frame = spark.createDataFrame(cases, "tokens bigint, price string, want string")
    got = frame.select(per_mtok_cost(F.col("tokens"), F.col("price")).alias("cost"), "want")
    assert got.schema["cost"].dataType.simpleString() == "decimal(32,12)"
    assert [r.cost for r in got.take(10)] == [Decimal(w) for _, _, w in cases]


def test_apply_prices_computes_four_kinds_and_their_exact_total(spark, tmp_path):
    rows = priced(spark, tmp_path, [call("a", tokens=(1234, 987, 56789, 4321))], [price()])
    a = rows["a"]
    assert (a.input_cost, a.output_cost) == (cost(1234, "1.00"), cost(987, "5.00"))
    assert (a.cache_read_cost, a.cache_write_cost) == (cost(56789, "0.10"), cost(4321, "1.25"))
    assert a.total_cost == cost(1234, "1.00") + cost(987, "5.00") + cost(56789, "0.10") + cost(
        4321, "1.25"
    )
    assert (a.pricing_status, a.currency, a.price_effective_from) == (
        "priced",
        "USD",
        date(2026, 1, 1),
    )


def test_apply_prices_prefers_exact_region_then_routing_then_larger_threshold(spark, tmp_path):
    rows = [
        price(inp="1"),
        price(inp="2", routing="geo"),
        price(inp="3", region="us-west-2"),
        price(inp="4", region="us-west-2", routing="geo"),
        price(inp="5", routing="geo", min_input_tokens="200000"),
    ]
    calls = [
        call("star", routing="in_region"),
        call("routing", routing="geo"),
        call("region", region="us-west-2", routing="global"),
        call("both", region="us-west-2", routing="geo"),
        call("long", routing="geo", tokens=(150_000, 0, 50_001, 0)),
        call("exactly_threshold", routing="geo", tokens=(200_000, 0, 0, 0)),
    ]
    got = {
        k: r.input_cost / r.input_tokens * 1_000_000
        for k, r in priced(spark, tmp_path, calls, rows).items()
    }
    assert got == {
        "star": 1,
        "routing": 2,
        "region": 3,
        "both": 4,
        "long": 5,
        "exactly_threshold": 2,
    }


def test_apply_prices_uses_the_row_in_effect_with_an_exclusive_end(spark, tmp_path):
    rows = [
        price(inp="1.00", effective_to="2026-07-01"),
        price(inp="0.80", effective_from="2026-07-01"),
    ]
    calls = [
        call("before", day=date(2026, 6, 30)),
        call("after", day=date(2026, 7, 1)),
        call("too_early", day=date(2025, 12, 31)),
    ]
    got = priced(spark, tmp_path, calls, rows)
    assert (got["before"].input_cost, got["before"].price_effective_from) == (
        Decimal("0.001"),
        date(2026, 1, 1),
    )
    assert (got["after"].input_cost, got["after"].price_effective_from) == (
        Decimal("0.0008"),
        date(2026, 7, 1),
    )
    assert (got["too_early"].pricing_status, got["too_early"].total_cost) == ("no_price", None)


def test_apply_prices_matches_the_service_tier(spark, tmp_path):
    rows = [price(inp="1.00"), price(inp="0.50", tier="batch")]
    got = priced(
        spark, tmp_path, [call("std"), call("batch", tier="batch"), call("flex", tier="flex")], rows
    )
    assert got["std"].input_cost == Decimal("0.001") and got["batch"].input_cost == Decimal(
        "0.0005"
    )
    assert got["flex"].pricing_status == "no_price"


def test_apply_prices_prices_zero_token_calls_at_zero_only_when_a_price_exists(spark, tmp_path):
    calls = [
        call("zero", tokens=(0, 0, 0, 0)),
        call("zero_unknown", model=NOVA, tokens=(0, 0, 0, 0)),
    ]
    got = priced(spark, tmp_path, calls, [price()])
    assert (got["zero"].pricing_status, got["zero"].total_cost) == ("priced", Decimal(0))
    assert (got["zero_unknown"].pricing_status, got["zero_unknown"].total_cost) == (
        "no_price",
        None,
    )


def test_apply_prices_never_prices_an_unresolved_call(spark, tmp_path):
    calls = [
        call("m", model=None, routing=None, unresolved="unresolved_model"),
        call("p", model=None, routing=None, unresolved="unresolved_profile"),
    ]
    got = priced(spark, tmp_path, calls, [price()])
    for key, status in (("m", "unresolved_model"), ("p", "unresolved_profile")):
        r = got[key]
        assert r.pricing_status == status
        assert (
            r.input_cost,
            r.output_cost,
            r.cache_read_cost,
            r.cache_write_cost,
            r.total_cost,
        ) == (None,) * 5
        assert r.price_effective_from is None


def test_apply_prices_keeps_one_row_per_call(spark, tmp_path):
    rows = [price(), price(region="us-east-1"), price(routing="in_region"), price(model=NOVA)]
    got = priced(spark, tmp_path, [call(str(i)) for i in range(20)], rows)
    assert len(got) == 20
