"""What the Spark parse reads of a log record's response body, decoded in Python for the Arrow
reader (line_fields.fields, whose docstring gives the rules)."""

from __future__ import annotations

import re
from typing import Annotated, NamedTuple

import msgspec

_LONG = Annotated[int, msgspec.Meta(ge=-(2**62), lt=2**62)]
ASCII_ESCAPE = re.compile(rb"\\u00[2-7][0-9a-fA-F]")
_STREAM_LATENCY = re.compile(rb'"invocationLatency"\s*:\s*([0-9]+)')
_NATIVE_1H = re.compile(rb'"ephemeral_1h_input_tokens"\s*:\s*([0-9]{1,18})')
_NUMBER_GOES_ON = b".eE0123456789"
# the body fields read through a JSON path (record_text._json_path): each may appear once
_PATH_KEYS = (b'"latencyMs"', b'"serviceTier"', b'"performanceConfig"', b'"cacheDetails"')


class Performance(msgspec.Struct):
    latency: str | None = None


class _Metrics(msgspec.Struct):
    latencyMs: _LONG | None = None


class _CacheDetail(msgspec.Struct):
    ttl: str | None = None
    inputTokens: _LONG | None = None


class _Usage(msgspec.Struct):
    cacheDetails: list[_CacheDetail] | None = None


class _BodyTier(msgspec.Struct):
    type: str | None = None


class _Body(msgspec.Struct):
    metrics: _Metrics | None = None
    serviceTier: _BodyTier | str | None = None
    performanceConfig: Performance | str | None = None
    usage: _Usage | None = None


_BODY = msgspec.json.Decoder(_Body)


class BodyFields(NamedTuple):
    one_hour: int | None = None
    latency_converse: str | None = None
    latency_stream: str | None = None
    tier_body: str | None = None
    performance_body: str | None = None


_NO_BODY = BodyFields()


def body_fields(raw: msgspec.Raw, rare: bool) -> BodyFields | None:
    """What the parse reads of the response body, or None when only it can read it.

    The parse reads four fields by JSON path (record_text._json_path: the first of a key named
    twice, where msgspec keeps the last) and searches the text for two: a body naming a read
    key or `metrics` twice, or escaping an ASCII character, is the parse's to read."""
    body = bytes(raw)
    if body in (b"", b"null"):
        return _NO_BODY
    if body[:1] not in (b"{", b"["):
        return None
    is_object = body[:1] == b"{"
    stream = native = None
    if rare:
        if ASCII_ESCAPE.search(body):
            return None
        found = [body.count(key) for key in _PATH_KEYS] if is_object else [0] * 4
        try:
            stream = _searched(body, b'"invocationLatency"', _STREAM_LATENCY)
            native = _searched(body, b'"ephemeral_1h_input_tokens"', _NATIVE_1H)
        except _NumberGoesOn:
            return None
    else:  # of the keys read, only latencyMs can be there
        found = [body.count(b'"latencyMs"') if is_object else 0, 0, 0, 0]
    if max(found) > 1:
        return None
    if found[0] and body.count(b'"metrics"') > 1:
        return None
    parsed = _Body()
    if any(found):
        try:
            parsed = _BODY.decode(body)
        except msgspec.DecodeError:
            return None
    return _from_body(parsed, found, stream, native)


def _from_body(
    parsed: _Body, found: list[int], stream: str | None, native: str | None
) -> BodyFields | None:
    latency_key, tier_key, performance_key, details_key = (n > 0 for n in found)
    metrics, usage = parsed.metrics, parsed.usage
    latency = metrics.latencyMs if latency_key and metrics else None
    if latency_key and latency is None:
        return None  # the key is not where the path reads: the parse decides
    tier = parsed.serviceTier if tier_key and isinstance(parsed.serviceTier, _BodyTier) else None
    performance = parsed.performanceConfig if performance_key else None
    details = usage.cacheDetails if details_key and usage else None
    if details is not None:
        one_hour: int | None = sum(d.inputTokens or 0 for d in details if d.ttl == "1h")
    else:
        one_hour = int(native) if native else None
    return BodyFields(
        one_hour,
        None if latency is None else str(latency),
        stream,
        tier.type if tier else None,
        performance.latency if isinstance(performance, Performance) else None,
    )


class _NumberGoesOn(Exception):
    """A searched number has a fraction or an exponent, which the parse would re-write."""


def _searched(body: bytes, key: bytes, pattern: re.Pattern[bytes]) -> str | None:
    """record_text._search over the body: None without the key, "" without a match, else the
    digits (_NumberGoesOn when a fraction or exponent follows them)."""
    if key not in body:
        return None
    found = pattern.search(body)
    if found is None:
        return ""
    if body[found.end() : found.end() + 1] in _NUMBER_GOES_ON and found.end() < len(body):
        raise _NumberGoesOn
    return found.group(1).decode()
