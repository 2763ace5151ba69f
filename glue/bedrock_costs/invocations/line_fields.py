"""The fields the job reads from one log line, decoded in Python where the line is plainly a
well-formed record, for the Arrow reader (object_reader).

`fields(line)` returns the fields as the Spark parse (records.parse_records) would derive them,
or None: then the line goes to that parse whole, which decides what it is. A line is decoded here
only when every rule below holds, each chosen so that the Spark parse of the same line could
not give anything else (tests/test_object_reader.py runs both over the same lines):

- msgspec decodes it into `_Record`: RFC 8259 strictly (no NaN, no single quotes, no control
  characters in strings, valid UTF-8, one value on the line), every field the job reads of the
  one JSON type the job expects — a counter is a whole number below a billion, a text field a
  string, `requestMetadata` an object of strings; a second copy of a key wins, as in Spark;
- it is an invocation record: no other `schemaType`, a request id that is not blank, an RFC 3339
  timestamp with an offset and at most microseconds, in 2000–2099 (the parse's own range);
- it has no quoted counter anywhere (`"…TokenCount": "5"`, which the parse quarantines), no
  `_corrupt_record` key, no video duration, fewer than 990 brackets (Spark's JSON reader stops at
  a depth of 1,000), no `\\u00XX` escape of a printable ASCII character (Spark re-writes the
  response body before searching it, turning such escapes into the characters they stand for);
- the response body is an object, an array or null, and each of its fields the job reads
  appears at most once, of the type expected, with a whole-number value where one is searched.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated, NamedTuple

import msgspec

from bedrock_costs.invocations.body_fields import Performance, body_fields

RECORD_TYPE = "ModelInvocationLog"
_COUNT = Annotated[int, msgspec.Meta(ge=0, lt=10**9)]
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
# a day inside the parse's range (2000-01-01 to 2100-01-01) whatever the session's time zone
_EARLIEST = datetime(2000, 1, 2, tzinfo=UTC)
_LATEST = datetime(2099, 12, 31, tzinfo=UTC)
_MAX_OFFSET = timedelta(hours=17)
_QUOTED_COUNTER = re.compile(
    rb'"(?:input|output|cacheReadInput|cacheWriteInput)TokenCount"\s*:\s*"'
)
_IMAGE_CONFIG = re.compile(rb'"imageGenerationConfig"\s*:\s*\{([^{}]*)\}')
_MAX_BRACKETS = 990


class _Identity(msgspec.Struct):
    arn: str | None = None


class _Input(msgspec.Struct):
    inputTokenCount: _COUNT | None = None
    cacheReadInputTokenCount: _COUNT | None = None
    cacheWriteInputTokenCount: _COUNT | None = None


class _Output(msgspec.Struct):
    outputTokenCount: _COUNT | None = None
    outputBodyJson: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)
    outputVideoDurationSeconds: msgspec.Raw = msgspec.field(default_factory=msgspec.Raw)


class _Tier(msgspec.Struct):
    type: str


class _Record(msgspec.Struct):
    schemaType: str | None = None
    timestamp: str | None = None
    accountId: str | None = None
    region: str | None = None
    inferenceRegion: str | None = None
    requestId: str | None = None
    operation: str | None = None
    modelId: str | None = None
    errorCode: str | None = None
    serviceTier: str | _Tier | None = None
    performanceConfig: str | Performance | None = None
    identity: _Identity | None = None
    requestMetadata: dict[str, str | None] | None = None
    input: _Input | None = None
    output: _Output | None = None


_RECORD = msgspec.json.Decoder(_Record)


class Fields(NamedTuple):
    """One decoded line, in object_reader.FIELD_TYPES order."""

    request_id: str
    timestamp: str
    account_id: str | None
    region: str | None
    inference_region: str | None
    operation: str | None
    model_id: str | None
    identity_arn: str | None
    error_code: str | None
    input_tokens: int | None
    output_tokens: int | None
    cache_read_tokens: int | None
    cache_write_tokens: int | None
    request_metadata: list[tuple[str, str | None]] | None
    one_hour: int | None
    image_config: str | None
    latency_converse: str | None
    latency_stream: str | None
    tier_object: str | None
    tier_text: str | None
    tier_body: str | None
    performance_top: str | None
    performance_body: str | None


# (RE2, object_reader; one pattern each, as RE2 is fast on a pattern with one literal start):
# a line with none is decoded without searching its text
RARE = (
    r'TokenCount"\s*:\s*"',  # RE2's \s lacks Java's \x0b, which no valid JSON line has bare
    r"\\u00[2-7][0-9a-fA-F]",
    r'"(?:imageGenerationConfig|invocationLatency|ephemeral_1h_input_tokens|serviceTier'
    r'|performanceConfig|cacheDetails)"',
)
_DEFAULT_RECURSION = 1000  # msgspec's depth is Python's: below Spark's unless raised


def fields(line: bytes, rare: bool = True) -> Fields | None:
    """The line's fields, or None when the Spark parse must read it. `rare`: whether the line
    may match RARE (False only when a search said it does not)."""
    if rare and _QUOTED_COUNTER.search(line):
        return None
    if sys.getrecursionlimit() > _DEFAULT_RECURSION and _too_deep(line):
        return None
    try:
        record = _RECORD.decode(line)
    except (msgspec.DecodeError, RecursionError):
        return None
    if not _is_plain_call(record):
        return None
    inp = record.input or _Input()
    out = record.output or _Output()
    if bytes(out.outputVideoDurationSeconds) not in (b"", b"null"):
        return None
    body = body_fields(out.outputBodyJson, rare)
    tier = _top_level(record.serviceTier)
    performance = _top_level(record.performanceConfig)
    if body is None or tier is None or performance is None:
        return None
    metadata = record.requestMetadata
    return Fields(
        record.requestId or "",
        record.timestamp or "",
        record.accountId,
        record.region,
        record.inferenceRegion,
        record.operation,
        record.modelId,
        record.identity.arn if record.identity else None,
        record.errorCode,
        inp.inputTokenCount,
        out.outputTokenCount,
        inp.cacheReadInputTokenCount,
        inp.cacheWriteInputTokenCount,
        None if metadata is None else list(metadata.items()),
        body.one_hour,
        _image_config(line) if rare else None,
        body.latency_converse,
        body.latency_stream,
        tier[0],
        tier[1],
        body.tier_body,
        performance[0],
        body.performance_body,
    )


def _too_deep(line: bytes) -> bool:
    return line.count(b"[") + line.count(b"{") >= _MAX_BRACKETS


def _is_plain_call(record: _Record) -> bool:
    if record.schemaType not in (None, RECORD_TYPE):
        return False
    if record.requestId is None or record.requestId.strip(" ") == "":
        return False
    return record.timestamp is not None and _sane_instant(record.timestamp)


def _sane_instant(text: str) -> bool:
    if not _TIMESTAMP.fullmatch(text):
        return False
    try:
        instant = datetime.fromisoformat(text.upper())
    except ValueError:
        return False
    offset = instant.utcoffset()
    if offset is None or abs(offset) > _MAX_OFFSET:
        return False
    return _EARLIEST <= instant < _LATEST


def _top_level(value: str | _Tier | Performance | None) -> tuple[str | None, str | None] | None:
    """(what `$.type` / `$.latency` of the field gives, the field as text), as the parse reads
    them; None when a string could itself be read as JSON."""
    if value is None:
        return None, None
    if isinstance(value, str):
        return None if value.lstrip()[:1] in ("{", "[") else (None, value)
    return (value.type if isinstance(value, _Tier) else value.latency), None


def _image_config(line: bytes) -> str | None:
    if b'"imageGenerationConfig"' not in line:
        return None
    found = _IMAGE_CONFIG.search(line)
    return found.group(1).decode() if found else ""
