"""What the Spark parse reads from a log line's text: the pruned record (`from_json`), the
response-body fields, the image request, and whether the line is one JSON object.

records.parse_records takes these for every line the Arrow reader (object_reader) did not
decode, and for every line of a plain text frame; line_fields decodes the same fields in Python
for the other lines, and tests/test_object_reader.py holds the two to the same result.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from bedrock_costs.contract import schemas

# JSON as RFC 8259 has it (Spark's reader allows single-quoted strings and NaN by default)
STRICT = {"mode": "PERMISSIVE", "allowSingleQuotes": "false", "allowNonNumericNumbers": "false"}
_METADATA_TYPE = "map<string,string>"
_CACHE_DETAILS = "array<struct<ttl:string,inputTokens:bigint>>"


def parsed(text: Column) -> Column:
    """The line as the pruned read schema (schemas/log_record.json), strictly."""
    read_schema = schemas.load("log_record").spark_type()
    options = {"columnNameOfCorruptRecord": "_corrupt_record", **STRICT}
    return F.from_json(text, read_schema, options)


def pieces(r: Column, text: Column) -> dict[str, Column]:
    """The fields object_reader.FIELD_TYPES names, as the Spark parse reads them (counters as
    their text, requestMetadata as its text: records.parse_records derives both)."""
    body = r["output"]["outputBodyJson"]
    return {
        "request_id": r["requestId"],
        "timestamp": r["timestamp"],
        "account_id": r["accountId"],
        "region": r["region"],
        "inference_region": r["inferenceRegion"],
        "operation": r["operation"],
        "model_id": r["modelId"],
        "identity_arn": r["identity"]["arn"],
        "error_code": r["errorCode"],
        "input_tokens": r["input"]["inputTokenCount"],
        "output_tokens": r["output"]["outputTokenCount"],
        "cache_read_tokens": r["input"]["cacheReadInputTokenCount"],
        "cache_write_tokens": r["input"]["cacheWriteInputTokenCount"],
        "request_metadata": r["requestMetadata"],
        "one_hour": _one_hour_cache_writes(body),
        "image_config": _image_config(text),
        "latency_converse": _json_path(body, "latencyMs", "$.metrics.latencyMs"),
        "latency_stream": _search(body, "invocationLatency", r"\s*:\s*(\d+)"),
        "tier_object": F.get_json_object(r["serviceTier"], "$.type"),
        "tier_text": r["serviceTier"],
        "tier_body": _json_path(body, "serviceTier", "$.serviceTier.type"),
        "performance_top": F.get_json_object(r["performanceConfig"], "$.latency"),
        "performance_body": _json_path(body, "performanceConfig", "$.performanceConfig.latency"),
    }


def request_metadata(text: Column) -> Column:
    """requestMetadata as a map. JSON's reader keeps a key named twice twice (Athena may refuse
    such a map): then the map is rebuilt with the last value (mapKeyDedupPolicy LAST_WIN, a
    run setting); only such maps are rebuilt."""
    parsed_map = F.from_json(text, _METADATA_TYPE)
    has_repeats = F.size(F.array_distinct(F.map_keys(parsed_map))) < F.size(parsed_map)
    return F.when(has_repeats, F.map_from_entries(F.map_entries(parsed_map))).otherwise(parsed_map)


def one_json_object(text: Column) -> Column:
    """Whether the text is exactly one JSON object, strictly: read as the one element of an
    array, so trailing text, a second value, single quotes or NaN make it not. No field is
    kept (the cheapest full parse: ~a third of the record parse's time on 4 KB lines)."""
    line = F.concat(F.lit("["), text, F.lit("]"))
    element = "array<struct<schemaType:string>>"
    return F.coalesce(F.size(F.from_json(line, element, STRICT)) == 1, F.lit(False))


def _one_hour_cache_writes(output_body: Column) -> Column:
    """Cache-write tokens with a 1-hour TTL, or null when the log does not split writes by TTL.

    Converse logs `usage.cacheDetails` [{ttl, inputTokens}]; Anthropic-native InvokeModel bodies
    (and their stream's message_start event) log `usage.cache_creation.ephemeral_1h_input_tokens`.
    """
    details = F.from_json(
        _json_path(output_body, "cacheDetails", "$.usage.cacheDetails"), _CACHE_DETAILS
    )
    converse = F.aggregate(
        F.filter(details, lambda d: d["ttl"] == "1h"),
        F.lit(0).cast("bigint"),
        lambda total, d: total + F.coalesce(d["inputTokens"], F.lit(0).cast("bigint")),
    )
    native = _search(output_body, "ephemeral_1h_input_tokens", r"\s*:\s*(\d{1,18})")
    return F.coalesce(
        F.when(details.isNotNull(), converse), F.when(native != "", native.cast("bigint"))
    )


def _image_config(line: Column) -> Column:
    """The flat imageGenerationConfig object of an image-generation request (its text between
    the braces), searched only on lines that carry one; "" when it is not flat."""
    return F.when(
        line.contains('"imageGenerationConfig"'),
        F.regexp_extract(line, r'"imageGenerationConfig"\s*:\s*\{([^{}]*)\}', 1),
    )


def _json_path(body: Column, key: str, path: str) -> Column:
    """get_json_object, run only on bodies that contain the key: most bodies are not parsed."""
    return F.when(body.contains(f'"{key}"'), F.get_json_object(body, path))


def _search(body: Column, key: str, value_pattern: str) -> Column:
    """The first match of "key" followed by value_pattern's group, searched only where present."""
    found = F.regexp_extract(body, f'"{key}"{value_pattern}', 1)
    return F.when(body.contains(f'"{key}"'), found)
