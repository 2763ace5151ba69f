"""The local SparkSession: Apache Iceberg tables in an embedded catalog kept under the output
folder (or the Glue Data Catalog; the settings in io.catalog_settings), the Iceberg jars from
io.jars."""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from typing import IO

from pyspark.sql import SparkSession

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.io import jars, storage
from bedrock_costs.io.catalog_settings import (
    EXTENSIONS,
    catalog_dir,
    catalog_file,
    glue_catalog,
    local_catalog,
    tables_elsewhere,
    uses_glue_catalog,
)

# Settings every run needs, in Glue and locally: UTC dates, Parquet timestamps that Athena and
# pyarrow read as instants, and Iceberg's row-based Parquet reader: its Arrow vectorized reader
# (Iceberg 1.7.1, Java 17) crashed the JVM reading the demo's 20,000 calls at reconciliation,
# reproducibly (SIGSEGV in class loading, or a silent exit); with it off the same run passes.
# And maps built with one key once.
SPARK_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.iceberg.vectorization.enabled": "false",
    # a JSON object naming one key twice: the last value, as JSON parsers commonly keep
    # (records.request_metadata rebuilds such a map; the default policy raises)
    "spark.sql.mapKeyDedupPolicy": "LAST_WIN",
}
FILES_PER_SHUFFLE_PARTITION = 16  # 16 objects of the sample's 500 records: ~8k rows per partition
_SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"


def apply_run_settings(spark: SparkSession) -> None:
    """SPARK_SETTINGS on a session the job did not build (Glue's own, a caller's)."""
    for key, value in SPARK_SETTINGS.items():
        spark.conf.set(key, value)


@contextmanager
def shuffle_partitions(spark: SparkSession, files: int) -> Iterator[None]:
    """At least one shuffle partition per FILES_PER_SHUFFLE_PARTITION log objects, for a run.

    The parsed rows are cached after the dedupe shuffle, one block per shuffle partition: with a
    fixed few partitions a large input makes blocks the heap cannot build (5M records with 4
    partitions ran out of a 1 GB heap). Adaptive execution merges partitions that turn out small,
    so a small input still runs as a few tasks.
    """
    current = spark.conf.get(_SHUFFLE_PARTITIONS) or "200"
    wanted = max(int(current), -(-files // FILES_PER_SHUFFLE_PARTITION))
    spark.conf.set(_SHUFFLE_PARTITIONS, str(wanted))
    try:
        yield
    finally:
        spark.conf.set(_SHUFFLE_PARTITIONS, current)


_LOG_CONFIG = "log4j2.properties"


def use_catalog(spark: SparkSession, settings: Mapping[str, str]) -> None:
    """Catalog settings on a session that is already running (Glue's own)."""
    for name, value in settings.items():
        spark.conf.set(name, value)


@contextmanager
def writer_lock(output_path: str) -> Iterator[None]:
    """One writing command at a time per output folder with an embedded catalog: a second run,
    reconcile, focus or maintain waits for the first (it says so on stderr), then runs on what
    the first published. The catalog is one SQLite file, and SQLite does not retry a commit
    whose reads another process's commit has invalidated (SQLITE_BUSY_SNAPSHOT), so overlapping
    writers would fail at random points. Readers never take it. The Glue Data Catalog needs no
    lock: Iceberg's commits there are optimistic, and a run that lost a race fails cleanly
    (PublishConflict)."""
    if uses_glue_catalog():
        yield
        return
    with _lock_file(output_path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"waiting for another bedrock-costs run on {output_path} to finish",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lock_file(output_path: str) -> IO[str]:
    """The output's lock file, opened: the first write to the output, so an output that cannot
    be written (a file, under a file, read-only) is the one-line error it names."""
    folder = catalog_dir(output_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return open(folder / "writer.lock", "a")
    except OSError as exc:
        where = (
            "the output path or a folder above it is a file"
            if isinstance(exc, (NotADirectoryError, FileExistsError))
            else exc.strerror or exc.__class__.__name__
        )
        raise UsageError(f"cannot write the output here: {where}", file=output_path) from exc


def local_session(output_path: str, *, s3: bool = False, master: str | None = None) -> SparkSession:
    """A SparkSession whose default catalog holds this output folder's tables.

    The embedded catalog under the output folder, or with BEDROCK_COSTS_CATALOG=glue the Glue
    Data Catalog. `s3`: some path Spark reads is s3:// (an s3:// output implies it). One output
    folder per process: a session that exists already keeps the catalog it loaded first."""
    s3 = s3 or storage.is_s3(output_path)
    warehouse = storage.spark_path(output_path)
    if uses_glue_catalog():
        catalog, s3 = glue_catalog(warehouse, os.environ), True
    else:
        elsewhere = tables_elsewhere(output_path)
        if elsewhere:
            name, location = elsewhere[0]
            raise UsageError(
                f"this output's catalog holds {name} at {location}, outside this folder: a "
                "copied output folder still names the original's tables (Iceberg keeps absolute "
                "paths), so it would read and change those. Use the original folder, or build "
                "the copy with `bedrock-costs run` into an empty folder",
                file=output_path,
            )
        catalog_dir(output_path).mkdir(parents=True, exist_ok=True)
        catalog = local_catalog(catalog_file(output_path), warehouse, s3=s3)
    settings = {
        "spark.sql.shuffle.partitions": str(2 * (os.cpu_count() or 2)),
        **catalog,
        **(s3_settings(os.environ) if s3 else {}),
    }
    return _session("bedrock-costs", master, settings, s3=s3)


def resolve_jars(*, s3: bool = False) -> None:
    """Start (and stop) a session only to fetch the jars into the cache (`make` does, once)."""
    _session("bedrock-costs-jars", "local[1]", {}, s3=s3).stop()


def _session(
    app: str, master: str | None, settings: dict[str, str], *, s3: bool = False
) -> SparkSession:
    """The settings every local session shares (UTC, quiet logs, no UI, the Iceberg jars and
    SQL extensions), plus `settings`."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python on the executors (the unreadable-object check) is this one, with the package:
    # not whichever python3 is first on PATH (PySpark reads the variable, not a setting)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    log_config = java_option(
        "log4j2.configurationFile", str(resources.files("bedrock_costs") / _LOG_CONFIG)
    )
    with jars.classpath(s3=s3) as classpath:
        builder = (
            SparkSession.builder.appName(app)
            .master(master or os.environ.get("BEDROCK_COSTS_SPARK_MASTER", "local[*]"))
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.extraJavaOptions", log_config)
            .config("spark.sql.extensions", EXTENSIONS)
        )
        for key, value in {**SPARK_SETTINGS, **classpath.settings, **settings}.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        classpath.record(spark)
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def java_option(name: str, value: str) -> str:
    """`-Dname=value` for Spark's extraJavaOptions, which are split at spaces: quoted, so a
    path with a space or an apostrophe ("My Drive", "bob's") stays one option."""
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'-D{name}="{quoted}"'


def s3_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """Hadoop's S3A connector for the s3:// paths Spark reads on a laptop (Glue reads S3
    natively; the jars come with io.jars' S3 packages). Credentials come from the usual AWS
    chain; AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (a moto_server, MinIO) switch to path-style
    requests against that endpoint.
    """
    settings = {
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.aws.credentials.provider": (
            "com.amazonaws.auth.DefaultAWSCredentialsProviderChain"
        ),
    }
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        settings |= {
            "spark.hadoop.fs.s3a.endpoint": endpoint,
            "spark.hadoop.fs.s3a.path.style.access": "true",
            "spark.hadoop.fs.s3a.connection.ssl.enabled": str(endpoint.startswith("https")).lower(),
        }
    return settings


@contextmanager
def scratch_session() -> Iterator[SparkSession]:
    """The active session if there is one, else a small one without a metastore, stopped after
    use (the sample's CUR is written with it), so a later local_session gets its catalog."""
    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    spark = _session("bedrock-costs-sample", None, {})
    try:
        yield spark
    finally:
        spark.stop()
