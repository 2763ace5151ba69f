import json
from datetime import date, datetime

from bedrock_costs.contract.vocabulary import QUARANTINE_REASONS
from bedrock_costs.invocations.records import parse_records
from helpers import key, record

DATED = "file:/logs/" + key("us-east-1", "2026-07-14", hour="23")


def parse(spark, lines, source=DATED):
    text = [(line if isinstance(line, str) else json.dumps(line), source) for line in lines]
    frame = spark.createDataFrame(text, "value string, source_file string")
    return frame.transform(parse_records).take(1000)


def reasons(spark, lines):
    return [r.quarantine_reason for r in parse(spark, lines)]


def test_parse_records_names_the_quarantine_reason_of_each_bad_line(spark):
    good = record("ok", inp=5)
    lines = [
        good,
        "{not json",
        '{"requestId": "x", "modelId": ',
        "[1, 2]",
        '"text"',
        {"schemaType": "SomethingElse", "requestId": "a", "timestamp": "2026-07-14T10:00:00Z"},
        {"hello": "world"},
        {**good, "input": "not an object"},
        {**good, "requestId": None},
        {**good, "requestId": "  "},
        {**good, "timestamp": "yesterday"},
        {**good, "timestamp": None},
        record("neg", inp=-3),
        record("frac", out=0, cr=0) | {"output": {"outputTokenCount": 1.5}},
        record("text", inp=0) | {"input": {"inputTokenCount": "many"}},
        record("meta", meta=None) | {"requestMetadata": "tenant=acme"},
        # a pretty-printed record's lines: `    5` alone was a valid record of another kind
        *json.dumps({"stopSequences": ["x", 5]}, indent=2).splitlines(),
    ]
    assert reasons(spark, lines) == [
        None,
        "malformed_json",
        "malformed_json",
        "malformed_json",  # a bare array or string: a fragment, not a record (issue 17)
        "malformed_json",
        "not_an_invocation_record",
        "not_an_invocation_record",
        "not_an_invocation_record",
        "missing_request_id",
        "missing_request_id",
        "bad_timestamp",
        "bad_timestamp",
        "negative_token_count",
        "bad_token_count",
        "bad_token_count",
        "bad_request_metadata",
        *["malformed_json"] * 6,
    ]
    assert set(r for r in reasons(spark, lines) if r) <= set(QUARANTINE_REASONS)


def test_a_line_is_strict_json_and_an_exact_rfc3339_instant_or_it_is_quarantined(spark):
    """Spark's JSON and timestamp parsing are lenient; the product is not (issue 17): a line is
    one JSON value (Spark read the first record and dropped what followed), single quotes and
    NaN are not JSON, '2026' and '12:00:00' are not instants (Spark read them as
    2026-01-01 and as today, so a re-run changed the table), an instant needs its offset and a
    year a Bedrock call can have, and a counter is a JSON number (not "5") below a billion (an
    18-digit count made sum(input_tokens) wrap negative)."""
    good = json.dumps(record("ok", inp=5))
    lines = [
        good + json.dumps(record("second", inp=7)),  # the second record was dropped, unseen
        good + " garbage",  # was written as a call
        good.replace('"', "'"),
        good.replace('"inputTokenCount": 5', '"inputTokenCount": NaN'),
        *(
            record("t", ts=ts)
            for ts in (
                "2026",
                "12:00:00",
                "2026-07-14T10:15:00",  # no offset
                "2026-07-14 10:15:00Z",
                "1899-12-31T23:59:59Z",
                "10000-01-01T00:00:00Z",
                "2100-01-01T00:00:00Z",
            )
        ),
        record("big", inp=1_000_000_000),
        good.replace('"inputTokenCount": 5', '"inputTokenCount": "5"'),  # was read as 5
        json.dumps(record("q", out=3)).replace('"outputTokenCount": 3', '"outputTokenCount" : "3"'),
        record("lower", ts="2026-07-14t10:15:00.5z"),  # RFC 3339 allows either case
        record("edge", inp=999_999_999, ts="2099-12-31T23:59:59+00:00"),
        # a body's own quoted count, and the key quoted inside prompt text, are not counters
        _with_bodies(
            record("bodies", inp=4), '"inputTokenCount": "9"', {"inputTextTokenCount": "12"}
        ),
    ]
    parsed = parse(spark, lines)
    assert [r.quarantine_reason for r in parsed] == [
        *["malformed_json"] * 4,
        *["bad_timestamp"] * 7,
        *["bad_token_count"] * 3,
        None,
        None,
        None,
    ]
    assert parsed[-3].event_time == datetime(2026, 7, 14, 10, 15, 0, 500000)
    assert parsed[-1].input_tokens == 4
    assert (parsed[-2].input_tokens, parsed[-2].event_time) == (
        999_999_999,
        datetime(2099, 12, 31, 23, 59, 59),
    )


def _with_bodies(rec: dict, prompt: str, response: dict) -> dict:
    rec["input"]["inputBodyJson"]["messages"][0]["content"][0]["text"] = prompt
    rec["output"]["outputBodyJson"]["usage"] = response
    return rec


def test_parse_records_keeps_raw_text_only_for_quarantined_lines(spark):
    rows = parse(spark, [record("ok", inp=1), "{broken"])
    assert rows[0].raw_record is None
    assert rows[1].raw_record == "{broken"


def test_parse_records_reads_counters_and_defaults_missing_ones_to_zero(spark):
    rec = record("r", inp=1234, out=987, cr=56789, cw=4321)
    embedding = record("e", inp=7)
    embedding["output"] = {"outputContentType": "application/json"}
    del embedding["input"]["cacheReadInputTokenCount"]
    rows = {
        r.request_id: r for r in parse(spark, [rec, embedding, {**record("n"), "output": None}])
    }
    r = rows["r"]
    assert (r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens) == (
        1234,
        987,
        56789,
        4321,
    )
    e = rows["e"]
    assert (e.input_tokens, e.output_tokens, e.cache_read_tokens, e.cache_write_tokens) == (
        7,
        0,
        0,
        0,
    )
    assert rows["n"].output_tokens == 0 and rows["n"].latency_ms is None


def test_a_metadata_key_named_twice_keeps_its_last_value_once(spark):
    """The JSON reader kept both entries in the map (Athena may refuse it; issue 17)."""
    line = json.dumps(record("d", meta={"team": "a", "env": "x"})).replace(
        '"env": "x"', '"env": "x", "team": "b", "env": "y"'
    )
    [r] = parse(spark, [line])
    assert r.quarantine_reason is None
    assert sorted(r.request_metadata.items()) == [("env", "y"), ("team", "b")]


def test_parse_records_maps_fields_to_contract_names(spark):
    rec = record(
        "r1",
        region="us-west-2",
        meta={"Cost Center": "CC-1", "n": "2"},
        inferenceRegion="us-east-2",
        errorCode="ThrottlingException",
    )
    [r] = parse(spark, [rec])
    assert (r.request_id, r.region, r.inference_region, r.account_id) == (
        "r1",
        "us-west-2",
        "us-east-2",
        "111122223333",
    )
    assert r.event_time == datetime(2026, 7, 14, 10, 15)
    assert (r.status, r.error_code) == ("error", "ThrottlingException")
    assert r.request_metadata == {"Cost Center": "CC-1", "n": "2"}
    assert r.identity_arn.endswith("assumed-role/AppRole/app")
    # an unlogged tier stays null here: the job applies --default-tier
    assert (r.latency_ms, r.service_tier, r.path_date) == (321, None, date(2026, 7, 14))
    assert r.quarantine_reason is None


def test_parse_records_reads_latency_from_converse_and_stream_bodies(spark):
    stream = record("s", operation="InvokeModelWithResponseStream")
    stream["output"]["outputBodyJson"] = [
        {"type": "message_start"},
        {
            "type": "message_stop",
            "amazon-bedrock-invocationMetrics": {
                "inputTokenCount": 5,
                "outputTokenCount": 6,
                "invocationLatency": 2468,
                "firstByteLatency": 100,
            },
        },
        "[DONE]",
    ]
    rows = {r.request_id: r.latency_ms for r in parse(spark, [record("c"), stream])}
    assert rows == {"c": 321, "s": 2468}


def test_parse_records_reads_the_service_tier_in_any_logged_form(spark):
    flex = record("flex", serviceTier={"type": "flex"})
    priority = record("priority", serviceTier="PRIORITY")
    default = record("default", serviceTier="default")
    body = record("body")
    body["output"]["outputBodyJson"]["serviceTier"] = {"type": "batch"}
    tiers = {r.request_id: r.service_tier for r in parse(spark, [flex, priority, default, body])}
    assert tiers == {"flex": "flex", "priority": "priority", "default": "standard", "body": "batch"}


def test_parse_records_converts_offsets_to_utc_and_dates_undated_paths_as_null(spark):
    [r] = parse(
        spark, [record("t", ts="2026-07-15T01:30:00.250+02:00")], source="file:/flat/logs.jsonl"
    )
    assert r.event_time == datetime(2026, 7, 14, 23, 30, 0, 250000)
    assert r.path_date is None


def test_parse_records_never_outputs_a_body(spark):
    [r] = parse(spark, [record("secret")])
    assert not any("SECRET" in str(value) for value in r.asDict().values())


def test_parse_records_makes_latency_optimized_calls_their_own_tier(spark):
    top = record("top", performanceConfig={"latency": "optimized"})
    body = record("body")
    body["output"]["outputBodyJson"]["performanceConfig"] = {"latency": "optimized"}
    standard = record("standard", performanceConfig={"latency": "standard"})
    priority = record(
        "priority", serviceTier="priority", performanceConfig={"latency": "optimized"}
    )
    tiers = {r.request_id: r.service_tier for r in parse(spark, [top, body, standard, priority])}
    assert tiers == {
        "top": "latency_optimized",
        "body": "latency_optimized",
        "standard": None,
        "priority": "priority",
    }


def test_read_lines_reads_many_local_files_listed_on_the_driver_and_restores_the_setting(
    spark, tmp_path
):
    from bedrock_costs.invocations.log_files import read_lines

    files = []
    for n in range(40):  # past Spark's threshold (32) for a parallel listing job
        path = tmp_path / f"{n:02d}.json"
        path.write_text(f'{{"n": {n}}}\n\n  \n{{"n": {n + 100}}}\n')
        files.append(str(path))
    setting = "spark.sql.sources.parallelPartitionDiscovery.threshold"
    spark.conf.set(setting, "32")
    jobs = spark.sparkContext.statusTracker().getJobIdsForGroup()
    lines = read_lines(spark, files)
    assert spark.sparkContext.statusTracker().getJobIdsForGroup() == jobs  # no listing job
    assert spark.conf.get(setting) == "32"
    rows = lines.collect()
    assert sorted(json.loads(r.value)["n"] for r in rows) == sorted(
        [*range(40), *range(100, 140)]
    )  # blank and space-only lines dropped
    assert {r.source_file.rsplit("/", 1)[1] for r in rows} == {f"{n:02d}.json" for n in range(40)}
