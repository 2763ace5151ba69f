"""The Arrow reader (object_reader, line_fields) against the Spark text reader and parse it
replaces (issue 18): over the sample's logs, fuzzed lines of four seeds, lines built at each
rule's edge and objects that cannot be read whole, the two give the same rows, column by column
— quarantine reasons, raw lines and line hashes included — and the fast path decodes the
well-formed calls itself."""

import gzip
import json
import random
import sys
from collections import Counter

import pytest

from bedrock_costs.invocations import line_fields
from bedrock_costs.invocations.log_files import list_log_files, read_lines, unreadable_objects
from bedrock_costs.invocations.object_reader import read_objects
from bedrock_costs.invocations.records import parse_records
from bedrock_costs.sample.logs import write_sample
from helpers import key, record
from test_fuzz import mutate

GOOD = record("edge", inp=5, out=7, meta={"tenant": "a"})


def _with(**changes) -> str:
    return json.dumps({**GOOD, **changes})


def _body(body) -> str:
    return json.dumps({**GOOD, "output": {**GOOD["output"], "outputBodyJson": body}})


EDGES = [
    json.dumps(GOOD),
    json.dumps(GOOD, indent=None, separators=(",", ":")),
    "  " + json.dumps(GOOD) + " \t",
    json.dumps(GOOD).replace('"requestId": "edge"', '"requestId": "a", "requestId": "b"'),
    _with(requestId=" "),
    _with(requestId=" x "),
    _with(timestamp="2026-07-14T10:15:00.123456Z"),
    _with(timestamp="2026-07-14T10:15:00.1234567Z"),
    _with(timestamp="2026-07-14t10:15:00z"),
    _with(timestamp="2026-07-14T10:15:00+05:30"),
    _with(timestamp="2026-07-14T10:15:00+18:00"),
    _with(timestamp="2026-07-14T10:15:00+19:00"),
    _with(timestamp="2026-02-30T10:15:00Z"),
    _with(timestamp="2026-07-14T24:00:00Z"),
    _with(timestamp="2026-07-14T10:15:60Z"),
    _with(timestamp="1999-12-31T23:59:59Z"),
    _with(timestamp="2000-01-01T00:30:00+01:00"),
    _with(timestamp="2026-07-14T10:15:00Z\n"),
    _with(timestamp="２０２６-07-14T10:15:00Z"),
    _with(schemaType="Other"),
    _with(schemaType=None),
    _with(_corrupt_record="x"),
    _with(serviceTier="priority"),
    _with(serviceTier={"type": "flex"}),
    _with(serviceTier={"type": None}),
    _with(serviceTier={"kind": "x"}),
    _with(serviceTier='{"type": "flex"}'),
    _with(serviceTier=5),
    _with(performanceConfig={"latency": "optimized"}),
    _with(performanceConfig={"latency": None}),
    _with(performanceConfig="optimized"),
    _with(requestMetadata={"k": None, "j": "v"}),
    _with(requestMetadata={"k": 5}),
    _with(requestMetadata={}),
    json.dumps(GOOD).replace('"tenant": "a"', '"tenant": "a", "tenant": "b", "x": "y"'),
    _with(identity="arn"),
    _with(identity={"arn": 5}),
    _with(errorCode="ThrottlingException"),
    _with(input={"inputTokenCount": 999_999_999}),
    _with(input={"inputTokenCount": 1_000_000_000}),
    _with(input={"inputTokenCount": -0}),
    _with(input={"inputTokenCount": 5, "cacheWriteInputTokenCount": 9}),
    _with(imageGenerationConfig={"numberOfImages": 2, "width": 512, "height": 1024}),
    _with(imageGenerationConfig={"quality": "Premium", "nested": {"a": 1}}),
    _with(note='"imageGenerationConfig": {"quality": "premium"}'),
    _with(x="\\u0041", y="é", z="\u4e2d"),
    json.dumps(GOOD).replace('"edge"', '"\\u0065dge"'),
    json.dumps(GOOD).replace('"latencyMs"', '"latency\\u004ds"'),
    _with(requestMetadata={"inputTokenCount": "5"}),
    _with(deep=[[[[1]]]]),
    '{"requestId":"n","timestamp":"2026-07-14T10:15:00Z","x":' + "[" * 998 + "]" * 998 + "}",
    '{"requestId":"n","timestamp":"2026-07-14T10:15:00Z","x":' + "[" * 1001 + "]" * 1001 + "}",
    _with(output={"outputTokenCount": 3, "outputVideoDurationSeconds": 6}),
    _with(output={"outputTokenCount": 3, "outputVideoDurationSeconds": 6.5}),
    _body(None),
    _body('text with "latencyMs": 5'),
    _body('{"metrics": {"latencyMs": 9}}'),
    _body({"metrics": {"latencyMs": 12}, "serviceTier": {"type": "priority"}}),
    _body({"metrics": {"latencyMs": -12}}),
    _body({"metrics": {"latencyMs": 12.5}}),
    _body({"metrics": {"latencyMs": None}}),
    _body({"metrics": {"latencyMs": "12"}}),
    _body({"metrics": 5}),
    _body({"serviceTier": "flex"}),
    _body({"serviceTier": {"type": None}}),
    _body({"performanceConfig": {"latency": "optimized"}}),
    _body({"usage": {"cacheDetails": [{"ttl": "1h", "inputTokens": 40}, {"ttl": "5m"}]}}),
    _body({"usage": {"cacheDetails": []}}),
    _body({"usage": {"cacheDetails": None}}),
    _body({"usage": {"cacheDetails": [None]}}),
    _body({"usage": {"cache_creation": {"ephemeral_1h_input_tokens": 30}}}),
    _body({"usage": {"cache_creation": {"ephemeral_1h_input_tokens": 3.5}}}),
    _body({"usage": {"cache_creation": {"ephemeral_1h_input_tokens": "3"}}}),
    _body([{"a": 1}, {"amazon-bedrock-invocationMetrics": {"invocationLatency": 77}}]),
    _body([{"invocationLatency": 7e1}]),
    _body([{"metrics": {"latencyMs": 5}}]),
    _body({"metrics": {"latencyMs": 5}, "other": {"metrics": {"latencyMs": 6}}}),
    _body(5),
    _body({"metrics": {"latencyMs": 5}}).replace(
        '"metrics"', '"metrics": {"latencyMs": 4}, "metrics"'
    ),
    _body({"serviceTier": {"type": "flex"}}).replace(
        '"serviceTier"', '"serviceTier": {"type": "priority"}, "serviceTier"'
    ),
    "{}",
    "[]",
    "{not json",
    '{"requestId": "q", "x": NaN}',
    "{'requestId': 'q'}",
    json.dumps(GOOD) + json.dumps(GOOD),
    json.dumps(GOOD).replace('"edge"', '"ed\tge"'),
]


def _lines(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    base = [record(f"z{seed}-{i}", inp=rng.randrange(99), out=3, meta={"t": "x"}) for i in range(n)]
    return [mutate(rng, b).replace("\n", " ").replace("\r", " ") for b in base]


def _write(root, rel, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    root = tmp_path_factory.mktemp("reader")
    write_sample(str(root / "sample"), records=1500, days=2, seed=3)
    odd = root / "odd"
    lines = [*EDGES, *(line for seed in (1, 2, 3, 4) for line in _lines(seed, 300))]
    text = "".join(line + "\n" for line in lines)
    _write(odd, key("us-east-1", "2026-07-14", name="all"), gzip.compress(text.encode()))
    whole = gzip.compress(text.encode())
    _write(odd, key("us-east-1", "2026-07-14", hour="11", name="cut"), whole[: len(whole) // 2])
    _write(odd, key("us-east-1", "2026-07-14", hour="12", name="notgzip"), b"plain text")
    _write(odd, key("us-east-1", "2026-07-14", hour="13", name="empty"), gzip.compress(b""))
    crlf = "\r\n".join([*EDGES[:5], " ", "\x0b", "", *EDGES[5:9]]) + "\r" + EDGES[0]
    _write(odd, "plain/x.jsonl", crlf.encode())
    _write(odd, "plain/y.json", (EDGES[0] + "\n\xff" + EDGES[1]).encode("latin-1"))
    return root


REASON = -2  # quarantine_reason: the parse's next to last column


def _hashable(row) -> tuple:
    return tuple(tuple(v.items()) if isinstance(v, dict) else v for v in row)


def _both(spark, files):
    reference = read_lines(spark, files, unreadable_objects(spark, files)).transform(parse_records)
    arrow = read_objects(spark, files)
    fast = arrow.where("value IS NULL").count()
    rows = [
        Counter(map(_hashable, f.collect())) for f in (reference, arrow.transform(parse_records))
    ]
    return rows[0], rows[1], fast


@pytest.mark.parametrize("folder", ["sample", "odd"])
def test_the_arrow_reader_gives_the_rows_the_spark_parse_gives(spark, logs, folder):
    files = list_log_files(str(logs / folder))
    reference, arrow, fast = _both(spark, files)
    assert sum(reference.values()) > 1000
    missing, extra = reference - arrow, arrow - reference
    assert not missing and not extra, (list(missing)[:3], list(extra)[:3])
    if folder == "sample":  # real-shaped calls are decoded in Python, not by Spark
        calls = sum(n for row, n in reference.items() if row[REASON] is None)
        assert fast >= calls > 1000


def test_a_line_nested_deeper_than_spark_reads_is_never_decoded_in_python():
    deep = '{"requestId":"n","timestamp":"2026-07-14T10:15:00Z","x":' + "[" * 1001
    line = (deep + "]" * 1001 + "}").encode()
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)  # msgspec's own limit is Python's: not what decides
    try:
        assert line_fields._RECORD.decode(line).requestId == "n"
        assert line_fields.fields(line) is None
    finally:
        sys.setrecursionlimit(limit)


def test_only_plain_calls_are_decoded_in_python():
    assert line_fields.fields(json.dumps(GOOD).encode()) is not None
    decoded = line_fields.fields(_body({"metrics": {"latencyMs": 12}}).encode())
    assert decoded is not None and decoded.latency_converse == "12"
    for line in [_with(timestamp="2026"), _with(requestId=" "), _with(schemaType="Other")]:
        assert line_fields.fields(line.encode()) is None


def test_a_number_longer_than_spark_reads_is_read_where_the_job_does_not_use_it():
    """docs/limitations.md: Jackson refuses a number of over 1,000 digits; RFC 8259 does not."""
    long_number = _with(extra=0).replace('"extra": 0', '"extra": ' + "7" * 1001)
    assert line_fields.fields(long_number.encode()).request_id == "edge"
    counter = _with(input={"inputTokenCount": 5}).replace(": 5}", ": " + "7" * 1001 + "}")
    assert line_fields.fields(counter.encode()) is None
