"""Parsing Bedrock invocation-log lines into the contract's columns.

Raw field names are known here, in record_text (the Spark parse of a line's text) and in
line_fields (the Arrow reader's decoding); everything downstream uses the contract's names.
Each non-blank input line becomes one row; a line that cannot become an invocation carries a
`quarantine_reason` from the quarantine_reason vocabulary and keeps its raw text, nothing else
does.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bedrock_costs.contract.vocabulary import (
    ERROR,
    LATENCY_OPTIMIZED,
    STANDARD_TIER,
    SUCCESS,
    TTL_ASSUMED_5M,
    TTL_LOGGED,
    member,
)
from bedrock_costs.invocations import record_text

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
_NEGATIVE_NUMBER = r"^-\d+$"
# a counter given as a JSON string ("5"): the read schema types counters as text, so only the
# line tells. Inside a JSON string a quote is escaped, so these match keys only; the short
# pattern (Boyer-Moore on a literal, ~free) gates the exact one
_QUOTED_ANY_COUNTER = r'TokenCount"\s*:\s*"'
_QUOTED_COUNTER = r'"(?:input|output|cacheReadInput|cacheWriteInput)TokenCount"\s*:\s*"'
_DATED_PATH = r"/BedrockModelInvocationLogs/[^/]+/(\d{4})/(\d{2})/(\d{2})/\d{2}/"
_COUNTERS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")


def parse_records(lines: DataFrame) -> DataFrame:
    """One row per line: contract-named fields, line_hash, quarantine_reason, raw_record.

    `lines`: a text frame (value, source_file[, read_error]) — every line parsed here — or the
    Arrow reader's batches (object_reader.SCHEMA), whose decoded lines bring their fields and
    whose other lines (value set) are parsed here alike."""
    text = F.col("value").cast("string")
    parsed = lines.select("*", record_text.parsed(text).alias("r"))
    r = F.col("r")
    read = record_text.pieces(r, text)
    counters = [read[name] for name in _COUNTERS]
    read |= {name: _token_count(read[name]) for name in _COUNTERS}
    read["request_metadata"] = record_text.request_metadata(r["requestMetadata"])
    fields = _with_decoded(read, lines.columns)
    event_time = _event_time(fields["timestamp"])
    reason = _quarantine_reason(r, text, event_time, fields["request_metadata"], counters)
    if _DECODED + "request_id" in lines.columns:
        reason = F.when(F.col("value").isNotNull(), reason)
    # an object that could not be read whole: one row of its own (object_reader, log_files)
    read_error = F.col("read_error") if "read_error" in lines.columns else F.lit(None)
    reason = F.when(read_error.isNotNull(), _reason("unreadable_object")).otherwise(reason)
    line_hash = F.col("line_hash") if "line_hash" in lines.columns else F.xxhash64(text)
    return parsed.select(
        *[fields[name].alias(name) for name in ("request_id",)],
        event_time.alias("event_time"),
        *[
            fields[name].alias(name)
            for name in ("account_id", "region", "inference_region", "operation", "model_id")
        ],
        fields["identity_arn"].alias("identity_arn"),
        *[fields[name].alias(name) for name in _COUNTERS],
        *_cache_writes(fields["one_hour"], fields["cache_write_tokens"]),
        *_image_request(fields["image_config"]),
        r["output"]["outputVideoDurationSeconds"].cast("decimal(18,6)").alias("video_seconds"),
        F.coalesce(
            fields["latency_converse"],
            F.when(fields["latency_stream"] != "", fields["latency_stream"]),
        )
        .cast("bigint")
        .alias("latency_ms"),
        F.when(fields["error_code"].isNotNull(), F.lit(ERROR))
        .otherwise(F.lit(SUCCESS))
        .alias("status"),
        fields["error_code"].alias("error_code"),
        _service_tier(fields).alias("service_tier"),
        fields["request_metadata"].alias("request_metadata"),
        "source_file",
        _path_date(F.col("source_file")).alias("path_date"),
        line_hash.alias("line_hash"),
        reason.alias("quarantine_reason"),
        F.when(read_error.isNotNull(), read_error)
        .when(reason.isNotNull(), text)
        .alias("raw_record"),
    )


_DECODED = "f_"  # object_reader.FAST_PREFIX (no import: that module runs on the executors)


def _cache_writes(one_hour: Column, cache_write: Column) -> list[Column]:
    """cache_write_1h_tokens and cache_write_ttl_basis."""
    return [
        # least() skips nulls: an unknown split must stay unknown, then count as 0
        F.coalesce(F.when(one_hour.isNotNull(), F.least(one_hour, cache_write)), _zero()).alias(
            "cache_write_1h_tokens"
        ),
        F.when(
            cache_write > 0,
            F.when(one_hour.isNotNull(), F.lit(TTL_LOGGED)).otherwise(F.lit(TTL_ASSUMED_5M)),
        ).alias("cache_write_ttl_basis"),
    ]


def _zero() -> Column:
    return F.lit(0).cast("bigint")


def _with_decoded(read: dict[str, Column], columns: list[str]) -> dict[str, Column]:
    """Each field from the Arrow reader's decoded columns where the line was decoded there
    (value null), else as read here."""
    if _DECODED + "request_id" not in columns:
        return read
    decoded = {name: F.col(_DECODED + name) for name in read}
    decoded |= {name: F.coalesce(decoded[name], _zero()) for name in _COUNTERS}
    is_decoded = F.col("value").isNull()
    return {name: F.when(is_decoded, decoded[name]).otherwise(read[name]) for name in read}


def _quarantine_reason(
    r: Column, text: Column, event_time: Column, metadata: Column, counters: list[Column]
) -> Column:
    # not exactly one JSON object on the line: Spark's reader reads a first record and drops
    # what follows it (a second record, counted nowhere); a bare string, number or array is a
    # fragment (of a pretty-printed record), not a record of another kind
    is_object = record_text.one_json_object(text)
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
        text.rlike(_QUOTED_ANY_COUNTER) & text.rlike(_QUOTED_COUNTER)
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


def _image_request(config: Column) -> list[Column]:
    """image_count, image_size (larger side), image_quality of an image-generation request.

    Read from the request's flat imageGenerationConfig object (record_text._image_config)
    without parsing the body: a `"quality"` key elsewhere (a requestMetadata key) cannot change
    the price; a quoted key inside prompt text is escaped and cannot match.
    """

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


def _service_tier(fields: dict[str, Column]) -> Column:
    """The tier the log records, else null; `default` is standard.

    Latency-optimized inference (`performanceConfig.latency = optimized`, at the top level or in
    the response) is its own price tier, `latency_optimized`, unless another tier is logged.
    """
    logged = F.lower(F.coalesce(fields["tier_object"], fields["tier_text"], fields["tier_body"]))
    latency = F.lower(F.coalesce(fields["performance_top"], fields["performance_body"]))
    is_standard = logged.isNull() | logged.isin("default", "standard")
    return (
        F.when(is_standard & (latency == "optimized"), F.lit(LATENCY_OPTIMIZED))
        .when(logged == "default", F.lit(STANDARD_TIER))
        .otherwise(logged)
    )


def _path_date(source_file: Column) -> Column:
    """The UTC day of the hour folder a file was delivered in, when it is in Bedrock's layout."""
    parts = [F.regexp_extract(source_file, _DATED_PATH, i) for i in (1, 2, 3)]
    return F.try_to_timestamp(F.concat_ws("-", *parts), F.lit("yyyy-MM-dd")).cast("date")
