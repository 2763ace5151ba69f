"""1-hour cache writes priced apart from 5-minute ones when the log gives the split."""

import json
from decimal import Decimal

from bedrock_costs.invocations.counts import LineCounts, StagedCounts
from bedrock_costs.invocations.records import parse_records
from bedrock_costs.invocations.tags import TagPlan
from bedrock_costs.pipelines.run_summary import RunSummary
from bedrock_costs.reference.price_file import load_prices
from helpers import HAIKU, cost, key, price, price_rows, priced_calls, record, write_csv


def converse_with_details(request_id, cw, details):
    rec = record(request_id, inp=100, cw=cw)
    rec["output"]["outputBodyJson"]["usage"] = {
        "cacheWriteInputTokens": cw,
        "cacheDetails": details,
    }
    return rec


def invoke_with_cache_creation(request_id, cw, one_hour, five_minutes, stream=False):
    rec = record(request_id, inp=100, cw=cw, operation="InvokeModel")
    usage = {
        "input_tokens": 100,
        "cache_creation_input_tokens": cw,
        "cache_creation": {
            "ephemeral_1h_input_tokens": one_hour,
            "ephemeral_5m_input_tokens": five_minutes,
        },
    }
    body = {"type": "message", "usage": usage}
    if stream:
        rec["operation"] = "InvokeModelWithResponseStream"
        body = [{"type": "message_start", "message": body}, {"type": "message_stop"}]
    rec["output"]["outputBodyJson"] = body
    return rec


def test_parse_records_reads_the_one_hour_share_in_every_logged_form(spark):
    lines = [
        converse_with_details(
            "converse",
            3000,
            [{"ttl": "1h", "inputTokens": 1000}, {"ttl": "5m", "inputTokens": 2000}],
        ),
        converse_with_details("only5m", 500, [{"ttl": "5m", "inputTokens": 500}]),
        invoke_with_cache_creation("invoke", 800, 300, 500),
        invoke_with_cache_creation("stream", 900, 900, 0, stream=True),
        record("unsplit", cw=700),
        record("none", cw=0),
        converse_with_details("inconsistent", 100, [{"ttl": "1h", "inputTokens": 5000}]),
    ]
    frame = spark.createDataFrame(
        [(json.dumps(x), "f") for x in lines], "value string, source_file string"
    )
    got = {
        r.request_id: (r.cache_write_1h_tokens, r.cache_write_ttl_basis)
        for r in frame.transform(parse_records).take(100)
    }
    assert got == {
        "converse": (1000, "logged"),
        "only5m": (0, "logged"),
        "invoke": (300, "logged"),
        "stream": (900, "logged"),
        "unsplit": (0, "assumed_5m"),
        "none": (0, None),
        "inconsistent": (100, "logged"),
    }


def test_load_prices_reads_an_optional_one_hour_price(tmp_path):
    rows = load_prices(
        write_csv(
            tmp_path / "p.csv", [price(cache_write_1h_per_mtok="2.00"), price(region="us-east-1")]
        )
    )
    assert [r.cache_write_1h_per_mtok for r in rows] == [Decimal("2.00"), None]


def test_one_hour_writes_are_priced_at_their_own_rate(spark):
    files = {
        key("us-east-1", "2026-07-14"): [
            converse_with_details(
                "split",
                3000,
                [{"ttl": "1h", "inputTokens": 1000}, {"ttl": "5m", "inputTokens": 2000}],
            ),
            record("unsplit", inp=100, cw=3000),
            converse_with_details("no1hprice", 3000, [{"ttl": "1h", "inputTokens": 3000}])
            | {"modelId": f"us.{HAIKU}"},
        ]
    }
    prices = price_rows([price(cache_write_1h_per_mtok="2.00"), price(routing="geo")])
    calls = priced_calls(spark, files, prices)
    assert calls["split"].cache_write_cost == cost(2000, "1.25") + cost(1000, "2.00")
    assert calls["split"].cache_write_1h_cost == cost(1000, "2.00")
    assert calls["unsplit"].cache_write_1h_cost == 0
    assert calls["split"].total_cost == cost(100, "1.00") + cost(2000, "1.25") + cost(1000, "2.00")
    assert (calls["unsplit"].cache_write_cost, calls["unsplit"].cache_write_ttl_basis) == (
        cost(3000, "1.25"),
        "assumed_5m",
    )
    assert (calls["no1hprice"].cache_write_cost, calls["no1hprice"].cache_write_ttl_basis) == (
        cost(3000, "1.25"),
        "1h_at_5m_rate",
    )


def test_the_summary_warns_of_one_hour_writes_priced_at_the_5_minute_rate():
    summary = RunSummary.start(None)
    summary.files_read = 1
    written = StagedCounts(invocations=3, one_hour_at_5m_rate=1)
    summary.count(
        LineCounts(lines_read=3, calls_in_window=3, distinct_calls=3),
        written,
        TagPlan((), ()),
        "db",
    )
    assert summary.warnings == [
        "1 calls made 1-hour cache writes the price table has no 1-hour price for: priced at "
        "the 5-minute rate (cache_write_ttl_basis 1h_at_5m_rate)"
    ]
