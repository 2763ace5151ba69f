"""Parsing Bedrock invocation-log lines: the one module that knows raw field names.

Everything downstream uses the contract's column names. Each non-blank input line becomes
one row; a line that cannot become an invocation carries a `quarantine_reason` from
the quarantine_reason vocabulary and keeps its raw text, nothing else does.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bedrock_costs.contract import schemas
from bedrock_costs.contract.vocabulary import (
    ERROR,
    LATENCY_OPTIMIZED,
    STANDARD_TIER,
    SUCCESS,
    TTL_ASSUMED_5M,
    TTL_LOGGED,
    member,
)

_RECORD_TYPE = "ModelInvocationLog"
# A token counter: a whole number below a billion (no call comes near; sums of a billion rows of
# them still fit a bigint, where an 18-digit count made sum(input_tokens) wrap negative)
_WHOLE_NUMBER = r"^\d{1,9}$"
# RFC 3339 date-time exactly ('t' and 'z' in either case, as RFC 3339 allows): not '2026' or
# '12:00:00' (which Spark's lenient parsing read as 2026-01-01 and today), not without an offset
_RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
# the instants a Bedrock call can have (Bedrock began in 2023): outside, a clock or a record is
# wrong (before 1900 Parquet cannot even write it as the tables do; year 10000 no date can hold)
_EARLIEST, _LATEST = "2000-01-01 00:00:00", "2100-01-01 00:00:00"
# JSON as RFC 8259 has it (Spark's reader allows single-quoted strings and NaN by default)
_STRICT = {"mode": "PERMISSIVE", "allowSingleQuotes": "false", "allowNonNumericNumbers": "false"}
_NEGATIVE_NUMBER = r"^-\d+$"
# a counter given as a JSON string ("5"): the read schema types counters as text, so only the
# line tells. Inside a JSON string a quote is escaped, so these match keys only; the short
# pattern (Boyer-Moore on a literal, ~free) gates the exact one
_QUOTED_ANY_COUNTER = r'TokenCount"\s*:\s*"'
_QUOTED_COUNTER = r'"(?:input|output|cacheReadInput|cacheWriteInput)TokenCount"\s*:\s*"'
_METADATA_TYPE = "map<string,string>"
_CACHE_DETAILS = "array<struct<ttl:string,inputTokens:bigint>>"
_DATED_PATH = r"/BedrockModelInvocationLogs/[^/]+/(\d{4})/(\d{2})/(\d{2})/\d{2}/"


def parse_records(lines: DataFrame) -> DataFrame:
    """One row per line: contract-named fields, line_hash, quarantine_reason, raw_record."""
    read_schema = schemas.load("log_record").spark_type()
    options = {"columnNameOfCorruptRecord": "_corrupt_record", **_STRICT}
    parsed = lines.select("*", F.from_json("value", read_schema, options).alias("r"))
    r = F.col("r")
    counters = {
        "input_tokens": r["input"]["inputTokenCount"],
        "output_tokens": r["output"]["outputTokenCount"],
        "cache_read_tokens": r["input"]["cacheReadInputTokenCount"],
        "cache_write_tokens": r["input"]["cacheWriteInputTokenCount"],
    }
    event_time = _event_time(r["timestamp"])
    metadata = _request_metadata(r["requestMetadata"])
    reason = _quarantine_reason(r, event_time, metadata, list(counters.values()))
    # an object that could not be read whole: one row of its own (log_files.read_lines)
    read_error = F.col("read_error") if "read_error" in lines.columns else F.lit(None)
    reason = F.when(read_error.isNotNull(), _reason("unreadable_object")).otherwise(reason)
    cache_write = _token_count(counters["cache_write_tokens"])
    one_hour = _one_hour_cache_writes(r["output"]["outputBodyJson"])
    return parsed.select(
        r["requestId"].alias("request_id"),
        event_time.alias("event_time"),
        r["accountId"].alias("account_id"),
        r["region"].alias("region"),
        r["inferenceRegion"].alias("inference_region"),
        r["operation"].alias("operation"),
        r["modelId"].alias("model_id"),
        r["identity"]["arn"].alias("identity_arn"),
        *[_token_count(raw).alias(name) for name, raw in counters.items()],
        # least() skips nulls: an unknown split must stay unknown, then count as 0
        F.coalesce(
            F.when(one_hour.isNotNull(), F.least(one_hour, cache_write)), F.lit(0).cast("bigint")
        ).alias("cache_write_1h_tokens"),
        F.when(
            cache_write > 0,
            F.when(one_hour.isNotNull(), F.lit(TTL_LOGGED)).otherwise(F.lit(TTL_ASSUMED_5M)),
        ).alias("cache_write_ttl_basis"),
        *_image_request(F.col("value")),
        r["output"]["outputVideoDurationSeconds"].cast("decimal(18,6)").alias("video_seconds"),
        _latency_ms(r["output"]["outputBodyJson"]).alias("latency_ms"),
        F.when(r["errorCode"].isNotNull(), F.lit(ERROR)).otherwise(F.lit(SUCCESS)).alias("status"),
        r["errorCode"].alias("error_code"),
        _service_tier(
            r["serviceTier"], r["performanceConfig"], r["output"]["outputBodyJson"]
        ).alias("service_tier"),
        metadata.alias("request_metadata"),
        "source_file",
        _path_date(F.col("source_file")).alias("path_date"),
        F.xxhash64("value").alias("line_hash"),
        reason.alias("quarantine_reason"),
        F.when(read_error.isNotNull(), read_error)
        .when(reason.isNotNull(), F.col("value"))
        .alias("raw_record"),
    )


def _quarantine_reason(
    r: Column, event_time: Column, metadata: Column, counters: list[Column]
) -> Column:
    # not exactly one JSON object on the line: Spark's reader reads a first record and drops
    # what follows it (a second record, counted nowhere); a bare string, number or array is a
    # fragment (of a pretty-printed record), not a record of another kind
    is_object = _one_json_object(F.col("value"))
    is_corrupt = r["_corrupt_record"].isNotNull()
    has_no_identity = (
        r["requestId"].isNull()
        & r["timestamp"].isNull()
        & r["modelId"].isNull()
        & r["operation"].isNull()
    )
    is_other_type = r["schemaType"].isNotNull() & (r["schemaType"] != _RECORD_TYPE)
    has_negative = _any(c.rlike(_NEGATIVE_NUMBER) for c in counters)
    has_bad_count = _any(c.isNotNull() & ~c.rlike(_WHOLE_NUMBER) for c in counters) | (
        F.col("value").rlike(_QUOTED_ANY_COUNTER) & F.col("value").rlike(_QUOTED_COUNTER)
    )
    has_bad_metadata = r["requestMetadata"].isNotNull() & metadata.isNull()
    return (
        F.when(~is_object, _reason("malformed_json"))
        .when(is_corrupt | is_other_type | has_no_identity, _reason("not_an_invocation_record"))
        .when(
            r["requestId"].isNull() | (F.trim(r["requestId"]) == ""), _reason("missing_request_id")
        )
        .when(event_time.isNull(), _reason("bad_timestamp"))
        .when(has_negative, _reason("negative_token_count"))
        .when(has_bad_count, _reason("bad_token_count"))
        .when(has_bad_metadata, _reason("bad_request_metadata"))
    )


def _request_metadata(text: Column) -> Column:
    """requestMetadata as a map. JSON's reader keeps a key named twice twice (Athena may refuse
    such a map): then the map is rebuilt with the last value (mapKeyDedupPolicy LAST_WIN, a
    run setting); only such maps are rebuilt."""
    parsed = F.from_json(text, _METADATA_TYPE)
    has_repeats = F.size(F.array_distinct(F.map_keys(parsed))) < F.size(parsed)
    return F.when(has_repeats, F.map_from_entries(F.map_entries(parsed))).otherwise(parsed)


def _one_json_object(text: Column) -> Column:
    """Whether the text is exactly one JSON object, strictly: read as the one element of an
    array, so trailing text, a second value, single quotes or NaN make it not. No field is
    kept (the cheapest full parse: ~a third of the record parse's time on 4 KB lines)."""
    line = F.concat(F.lit("["), text, F.lit("]"))
    element = "array<struct<schemaType:string>>"
    return F.coalesce(F.size(F.from_json(line, element, _STRICT)) == 1, F.lit(False))


def _event_time(text: Column) -> Column:
    """The record's instant, or null (bad_timestamp) unless RFC 3339 and in the sane range."""
    parsed = F.when(text.rlike(_RFC3339), F.try_to_timestamp(F.upper(text)))
    within = (parsed >= F.lit(_EARLIEST).cast("timestamp")) & (
        parsed < F.lit(_LATEST).cast("timestamp")
    )
    return F.when(within, parsed)


def _reason(name: str) -> Column:
    return F.lit(member("quarantine_reason", name))


def _any(conditions: Iterable[Column]) -> Column:
    result = F.lit(False)
    for condition in conditions:
        result = result | F.coalesce(condition, F.lit(False))
    return result


def _token_count(raw: Column) -> Column:
    """A counter as bigint; a missing counter is 0 (the record's other checks reject bad text)."""
    return F.when(raw.rlike(_WHOLE_NUMBER), raw.cast("bigint")).when(
        raw.isNull(), F.lit(0).cast("bigint")
    )


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


def _image_request(line: Column) -> list[Column]:
    """image_count, image_size (larger side), image_quality of an image-generation request.

    Read from the request's imageGenerationConfig object (flat: numbers and strings) without
    parsing the body: only lines that carry one are searched, and only inside it — a
    `"quality"` key elsewhere (a requestMetadata key) cannot change the price; a quoted key
    inside prompt text is escaped and cannot match.
    """
    config = F.when(
        line.contains('"imageGenerationConfig"'),
        F.regexp_extract(line, r'"imageGenerationConfig"\s*:\s*\{([^{}]*)\}', 1),
    )

    def field(pattern: str) -> Column:
        found = F.regexp_extract(config, pattern, 1)
        return F.when(found != "", found)

    width = field(r'"width"\s*:\s*(\d{1,6})').cast("int")
    height = field(r'"height"\s*:\s*(\d{1,6})').cast("int")
    return [
        field(r'"numberOfImages"\s*:\s*(\d{1,4})').cast("int").alias("image_count"),
        F.greatest(width, height).alias("image_size"),
        F.lower(field(r'"quality"\s*:\s*"([A-Za-z]+)"')).alias("image_quality"),
    ]


def _latency_ms(output_body: Column) -> Column:
    """Converse bodies carry metrics.latencyMs; response streams end with invocationLatency."""
    converse = _json_path(output_body, "latencyMs", "$.metrics.latencyMs")
    stream = _search(output_body, "invocationLatency", r"\s*:\s*(\d+)")
    return F.coalesce(converse, F.when(stream != "", stream)).cast("bigint")


def _service_tier(top_level: Column, performance: Column, output_body: Column) -> Column:
    """The tier the log records, else null; `default` is standard.

    Latency-optimized inference (`performanceConfig.latency = optimized`, at the top level or in
    the response) is its own price tier, `latency_optimized`, unless another tier is logged.
    """
    from_object = F.get_json_object(top_level, "$.type")
    from_body = _json_path(output_body, "serviceTier", "$.serviceTier.type")
    logged = F.lower(F.coalesce(from_object, top_level, from_body))
    latency = F.lower(
        F.coalesce(
            F.get_json_object(performance, "$.latency"),
            _json_path(output_body, "performanceConfig", "$.performanceConfig.latency"),
        )
    )
    is_standard = logged.isNull() | logged.isin("default", "standard")
    return (
        F.when(is_standard & (latency == "optimized"), F.lit(LATENCY_OPTIMIZED))
        .when(logged == "default", F.lit(STANDARD_TIER))
        .otherwise(logged)
    )


def _json_path(body: Column, key: str, path: str) -> Column:
    """get_json_object, run only on bodies that contain the key: most bodies are not parsed."""
    return F.when(body.contains(f'"{key}"'), F.get_json_object(body, path))


def _search(body: Column, key: str, value_pattern: str) -> Column:
    """The first match of "key" followed by value_pattern's group, searched only where present."""
    found = F.regexp_extract(body, f'"{key}"{value_pattern}', 1)
    return F.when(body.contains(f'"{key}"'), found)


def _path_date(source_file: Column) -> Column:
    """The UTC day of the hour folder a file was delivered in, when it is in Bedrock's layout."""
    parts = [F.regexp_extract(source_file, _DATED_PATH, i) for i in (1, 2, 3)]
    return F.try_to_timestamp(F.concat_ws("-", *parts), F.lit("yyyy-MM-dd")).cast("date")
