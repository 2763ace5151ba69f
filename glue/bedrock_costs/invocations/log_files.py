"""Finding invocation-log objects under a folder, in the S3 key layout Bedrock writes, and
reading their lines."""

from __future__ import annotations

import gzip
import re
from collections.abc import Sequence
from datetime import date, timedelta

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs.io import storage

LOG_SUFFIXES = (".json.gz", ".jsonl.gz", ".json", ".jsonl")
# the unreadable objects one run reports (each a quarantine row)
MAX_UNREADABLE = 10_000
_LINES = "value string, source_file string, read_error string"
_CHUNK = 1 << 20
PERMISSION_MARKER = "amazon-bedrock-logs-permission-check"
LAYOUT_ROOT = "BedrockModelInvocationLogs"
_LISTING_THRESHOLD = "spark.sql.sources.parallelPartitionDiscovery.threshold"
_YEAR, _MONTH, _DAY, _HOUR = r"^\d{4}$", r"^\d{2}$", r"^\d{2}$", r"^\d{2}$"


def list_log_files(root: str, window: tuple[date, date] | None = None) -> list[str]:
    """Every log file under root (log_folders' files)."""
    return log_folders(root, window)[0]


def log_folders(
    root: str, window: tuple[date, date] | None = None
) -> tuple[list[str], set[tuple[str, str]]]:
    """Every log file under root, sorted; with a window, only hour folders of window ±1 day.

    Inside `…/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/` the `data/` side objects
    (large bodies, media) are skipped; so are the permission-check marker and hidden files.
    Files outside that layout cannot be dated from their path and are always read. The layout
    is recognised from the root's own path too (`--logs` at `BedrockModelInvocationLogs/` or a
    Region folder). A file named as the root is read whatever its name.

    Also returned: the (account, Region) of every Region folder of that layout visited — what
    the run reads all the logs of, for the days it reads (empty days included).
    """
    if not storage.is_s3(root) and storage.local(root).is_file():
        return [root], set()
    read_days = None
    if window is not None:
        start, end = window[0] - timedelta(days=1), window[1] + timedelta(days=1)
        read_days = (start, end)
    found: list[str] = []
    sources: set[tuple[str, str]] = set()
    _walk(root, [part for part in root.split("/") if part], read_days, (found, sources))
    return sorted(found), sources


def _walk(
    folder: str,
    trail: list[str],
    days: tuple[date, date] | None,
    into: tuple[list[str], set[tuple[str, str]]],
) -> None:
    dirs, files = storage.list_dir(folder)
    depth = _layout_depth(trail)
    found, sources = into
    if depth == 1 and len(trail) >= 4 and trail[-4] == "AWSLogs":  # AWSLogs/<acct>/…/<region>
        sources.add((trail[-3], trail[-1]))
    found += [f for f in files if _is_log_file(f)]
    for sub in dirs:
        name = sub.rstrip("/").rsplit("/", 1)[-1]
        if name.startswith((".", "_")):
            continue
        if depth == 5 and name == "data":  # …/HH/data/: bodies and media, not records
            continue
        if days is not None and 1 <= depth <= 3 and not _may_hold([*trail[-depth:], name], days):
            continue
        _walk(sub, [*trail, name], days, into)


def _layout_depth(trail: list[str]) -> int:
    """How far below `BedrockModelInvocationLogs/` we are: 1 = region, 2 = year … 5 = hour."""
    if LAYOUT_ROOT not in trail:
        return 0
    below = trail[len(trail) - trail[::-1].index(LAYOUT_ROOT) :]
    patterns = (r".+", _YEAR, _MONTH, _DAY, _HOUR)
    for i, part in enumerate(below):
        if i >= len(patterns) or not re.match(patterns[i], part):
            return 0
    return len(below)


def _may_hold(parts: list[str], days: tuple[date, date]) -> bool:
    """Whether folder region/YYYY[/MM[/DD]] can hold records of a day in `days`."""
    if not all(p.isdigit() for p in parts[1:]):
        return True  # not the dated layout after all: read it
    numbers = [int(p) for p in parts[1:]]
    low = [*numbers, 1, 1][:3]
    try:
        first = date(*low)
    except ValueError:
        return False
    if len(numbers) == 1:
        last = date(numbers[0], 12, 31)
    elif len(numbers) == 2:
        last = (date(numbers[0], numbers[1], 28) + timedelta(days=4)).replace(day=1) - timedelta(
            days=1
        )
    else:
        last = first
    return first <= days[1] and last >= days[0]


def _is_log_file(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    if name.startswith((".", "_")) or name == PERMISSION_MARKER:
        return False
    return name.endswith(LOG_SUFFIXES)


def read_lines(
    spark: SparkSession, files: list[str], unreadable: Sequence[tuple[str, str]] = ()
) -> DataFrame:
    """One row per non-blank line of the given files: value, source_file, read_error (null).

    Spark's text reader: the job reads with object_reader; this is the reference it is held to
    (tests/test_object_reader.py) and bench/stages.py's comparison.

    With `unreadable` (objects found by unreadable_objects, each with how far it was read and
    why) every object is read as far as it can be and each unreadable one adds a row of its
    own, value blank and read_error its description.
    """
    if not files:
        return spark.createDataFrame([], _LINES)
    # The files are listed already (logfiles.py); Spark looks each up again. Past a threshold it
    # does that as a parallel job of one task per path (9 s for 1,000 local files here); on the
    # driver, local look-ups take well under a second. S3 keeps the parallel listing.
    threshold = spark.conf.get(_LISTING_THRESHOLD) or "32"
    if not any(storage.is_s3(f) for f in files):
        spark.conf.set(_LISTING_THRESHOLD, str(len(files) + 1))
    reader = spark.read.option("ignoreCorruptFiles", "true") if unreadable else spark.read
    try:
        lines = reader.text([storage.spark_file(f) for f in files])
    finally:
        spark.conf.set(_LISTING_THRESHOLD, threshold)
    # Spark names a file as a URI: decoded (a literal '+' stays one), it is the listed name
    uri = F.regexp_replace(F.col("_metadata.file_path"), r"\+", "%2B")
    read = lines.select(
        "value",
        F.url_decode(uri).alias("source_file"),
        F.lit(None).cast("string").alias("read_error"),
    ).where(~F.col("value").rlike(r"^\s*$"))
    if not unreadable:
        return read
    objects = [("", storage.file_uri(path), problem) for path, problem in unreadable]
    return read.unionByName(spark.createDataFrame(objects, _LINES))


def unreadable_objects(spark: SparkSession, files: list[str]) -> list[tuple[str, str]]:
    """The files that cannot be read whole, each with how far it was read and why.

    Run after a read failed (Spark stops at the first such file, so the normal read never pays
    for this): every file read once more, file by file on the executors, by Python's gzip
    module (the RFC 1952 reader, as Hadoop's codec); at most MAX_UNREADABLE are returned.
    """
    slices = max(1, min(len(files), spark.sparkContext.defaultParallelism * 4))
    found = spark.sparkContext.parallelize(files, slices).flatMap(_if_unreadable)
    return sorted(found.take(MAX_UNREADABLE))


def _if_unreadable(path: str) -> list[tuple[str, str]]:
    problem = read_problem(path)
    return [] if problem is None else [(path, problem)]


def read_problem(path: str) -> str | None:
    """None when the file reads whole; else how far it was read and the error."""
    text_bytes = 0
    try:
        with storage.open_bytes(path) as raw:
            if not path.endswith(".gz"):
                raw.read(1)  # a plain file Spark could not read: it cannot be opened
                return None
            with gzip.GzipFile(fileobj=raw) as stream:
                while chunk := stream.read(_CHUNK):
                    text_bytes += len(chunk)
    except Exception as exc:  # gzip's, zlib's, the file system's or S3's: the object's problem
        what = f"{exc.__class__.__name__}: {exc}".strip().rstrip(":")
        return f"unreadable after {text_bytes:,} bytes of text: {what}"
    return None
