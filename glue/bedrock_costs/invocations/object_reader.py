"""Reading log objects on the executors into narrow Arrow batches (the job's reader).

Spark distributes the listed objects; each task reads its objects itself (a local path, or
`s3://` with boto3 under the job's role), gunzips them with ISA-L, splits the lines as Spark's
text reader does, and decodes each line with line_fields. The JVM gets ~200 bytes of fields per
call instead of a 4 KB line: prompt and response text never leaves the task. A line that
line_fields does not decode travels whole (`value`) to records.parse_records, which reads it as
it reads every line of the Spark text reader; so does an object that cannot be read whole: its
complete lines, then a row of its own naming how far it was read and why (log_files.read_problem).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
from isal import igzip
from pyspark.sql import DataFrame, SparkSession
from xxhash import xxh64_intdigest

from bedrock_costs.invocations import line_fields
from bedrock_costs.invocations.log_files import read_problem
from bedrock_costs.io import storage

_CHUNK = 8 << 20
_BATCH_ROWS = 8192
_SEED = 42  # Spark's xxhash64 seed: line_hash is the one Spark would give the line
_SIGNED = 1 << 63
_BLANK = b" \t\n\x0b\x0c\r"
_TEXT = pa.string()
_COUNT = pa.int64()
# the Arrow batches' columns: the line's own, then line_fields.Fields in its order
FIELD_TYPES = {
    "request_id": _TEXT,
    "timestamp": _TEXT,
    "account_id": _TEXT,
    "region": _TEXT,
    "inference_region": _TEXT,
    "operation": _TEXT,
    "model_id": _TEXT,
    "identity_arn": _TEXT,
    "error_code": _TEXT,
    "input_tokens": _COUNT,
    "output_tokens": _COUNT,
    "cache_read_tokens": _COUNT,
    "cache_write_tokens": _COUNT,
    "request_metadata": pa.map_(_TEXT, _TEXT),
    "one_hour": _COUNT,
    "image_config": _TEXT,
    "latency_converse": _TEXT,
    "latency_stream": _TEXT,
    "tier_object": _TEXT,
    "tier_text": _TEXT,
    "tier_body": _TEXT,
    "performance_top": _TEXT,
    "performance_body": _TEXT,
}
FAST_PREFIX = "f_"
LINE_TYPES = {
    "source_file": _TEXT,
    "read_error": _TEXT,
    "value": pa.binary(),
    "line_hash": _COUNT,
}
SCHEMA = pa.schema([*LINE_TYPES.items(), *((FAST_PREFIX + n, t) for n, t in FIELD_TYPES.items())])
_SPARK_TYPES = {_TEXT: "string", _COUNT: "bigint", pa.binary(): "binary"}


def spark_schema() -> str:
    """SCHEMA as Spark DDL (mapInArrow's output schema)."""
    return ", ".join(
        f"{field.name} {_SPARK_TYPES.get(field.type, 'map<string,string>')}" for field in SCHEMA
    )


def read_objects(spark: SparkSession, files: list[str]) -> DataFrame:
    """The lines of the listed objects: SCHEMA's columns, one row per non-blank line, plus one
    per object that cannot be read whole. The objects are dealt in their listed order to about
    four tasks per core."""
    slices = max(1, min(len(files), spark.sparkContext.defaultParallelism * 4))
    paths = [(path, storage.file_uri(path)) for path in files]
    objects = spark.createDataFrame(
        spark.sparkContext.parallelize(paths, slices), "path string, uri string"
    )
    return objects.mapInArrow(read_batches, spark_schema())


def read_batches(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow's function: (path, uri) rows in, SCHEMA batches out (lines of several objects
    decoded together: the batch-wide searches cost little per line only on many lines)."""
    rows = _Rows()
    for batch in batches:
        for path, uri in zip(
            batch.column("path").to_pylist(), batch.column("uri").to_pylist(), strict=True
        ):
            yield from _read_object(path, uri, rows)
    if rows.size:
        yield rows.batch()


def _read_object(path: str, uri: str, rows: _Rows) -> Iterator[pa.RecordBatch]:
    carry, pieces = b"", 0
    try:
        with storage.open_bytes(path) as raw:
            for chunk in _chunks(path, raw):
                text = carry + chunk
                cut = max(text.rfind(b"\n"), text.rfind(b"\r"))
                carry = text[cut + 1 :]
                pieces += rows.add_text(uri, text[: cut + 1])
                if rows.size >= _BATCH_ROWS:
                    yield rows.batch()
        rows.add_text(uri, carry)
    except Exception:  # gzip's, zlib's, the file system's or S3's: the object's problem
        rows.add_text(uri, _complete_lines(path), skip=pieces)
        rows.add_unreadable(uri, _problem(path))
    if rows.size >= _BATCH_ROWS:
        yield rows.batch()


def _chunks(path: str, raw: BinaryIO) -> Iterator[bytes]:
    stream: Any = igzip.GzipFile(fileobj=raw) if path.endswith(".gz") else raw
    while chunk := stream.read(_CHUNK):
        yield chunk


def _complete_lines(path: str) -> bytes:
    """The text of an object that cannot be read whole up to its last complete line, read as
    Spark's reader reads it (zlib, stopping at the first error)."""
    text = bytearray()
    try:
        with storage.open_bytes(path) as raw:
            if not path.endswith(".gz"):
                return b""
            inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
            while block := raw.read(1 << 16):
                while block:
                    text += inflate.decompress(block)
                    block = inflate.unused_data
                    if inflate.eof:
                        inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
    except Exception:  # where it stops is the point
        pass
    cut = max(text.rfind(b"\n"), text.rfind(b"\r"))
    return bytes(text[: cut + 1])


def _problem(path: str) -> str:
    """How far the object was read and why, as the standard library's gzip reader says it."""
    return read_problem(path) or "unreadable: the object changed while it was read"


def _may_be_rare(lines: pa.Array) -> pa.Array:
    found = [pc.match_substring_regex(lines, pattern) for pattern in line_fields.RARE]
    return pc.or_(pc.or_(found[0], found[1]), found[2])


class _Rows:
    """Lines read and not yet sent: decoded, hashed and turned into columns in `batch`."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.uris: list[str] = []
        self.lines: list[bytes] = []
        self.errors: list[str | None] = []

    @property
    def size(self) -> int:
        return len(self.lines)

    def add_text(self, uri: str, text: bytes, skip: int = 0) -> int:
        """Adds the non-blank lines of the text after the first `skip`; returns how many lines
        the text holds (blank ones included), split as Spark's text reader splits them."""
        lines = text.splitlines() if b"\r" in text else text.split(b"\n")
        if lines and not lines[-1] and text.endswith(b"\n"):
            lines.pop()
        kept = [line for line in lines[skip:] if line.strip(_BLANK)]
        self.lines += kept
        self.uris += [uri] * len(kept)
        self.errors += [None] * len(kept)
        return len(lines)

    def add_unreadable(self, uri: str, problem: str) -> None:
        self.uris.append(uri)
        self.lines.append(b"")
        self.errors.append(problem)

    def batch(self) -> pa.RecordBatch:
        rare = _may_be_rare(pa.array(self.lines, pa.binary())).to_pylist()
        decoded = [
            line_fields.fields(line, r) if error is None else None
            for line, r, error in zip(self.lines, rare, self.errors, strict=True)
        ]
        hashes = [xxh64_intdigest(line, _SEED) for line in self.lines]
        columns = [
            pa.array(self.uris, _TEXT),
            pa.array(self.errors, _TEXT),
            pa.array(
                [None if d else line for d, line in zip(decoded, self.lines, strict=True)],
                pa.binary(),
            ),
            pa.array([h - (_SIGNED << 1) if h >= _SIGNED else h for h in hashes], _COUNT),
        ]
        rows = [d if d is not None else _EMPTY for d in decoded]
        for i, kind in enumerate(FIELD_TYPES.values()):
            columns.append(pa.array([row[i] for row in rows], kind))
        self.clear()
        return pa.RecordBatch.from_arrays(columns, schema=SCHEMA)


_EMPTY = (None,) * len(FIELD_TYPES)
