"""The local SparkSession: an embedded Hive metastore kept under the output folder."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from pyspark.sql import SparkSession

from bedrock_costs.io import storage

# Settings every run needs, in Glue and locally: UTC dates, and Parquet timestamps that
# Athena and pyarrow read as instants.
SPARK_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
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


def catalog_dir(output_path: str) -> Path:
    """Where the embedded metastore lives: under a local output, else in ./.bedrock-costs."""
    if storage.is_s3(output_path):
        return Path.cwd() / ".bedrock-costs" / "catalog"
    return storage.local(output_path).resolve() / "_catalog"


def local_session(output_path: str, *, master: str | None = None) -> SparkSession:
    """A SparkSession whose catalog is the metastore of this output folder."""
    catalog = catalog_dir(output_path)
    catalog.mkdir(parents=True, exist_ok=True)
    settings = {
        "spark.sql.shuffle.partitions": str(2 * (os.cpu_count() or 2)),
        "spark.sql.warehouse.dir": str(catalog / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={catalog / 'metastore_db'};create=true"
        ),
        **s3_settings(os.environ),
    }
    return _session("bedrock-costs", master, settings, f"-Dderby.system.home={catalog}", hive=True)


def _session(
    app: str, master: str | None, settings: dict[str, str], java_options: str, *, hive: bool
) -> SparkSession:
    """The settings every local session shares (UTC, quiet logs, no UI), plus `settings`."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    log_config = f"-Dlog4j2.configurationFile={resources.files('bedrock_costs') / _LOG_CONFIG}"
    builder = (
        SparkSession.builder.appName(app)
        .master(master or os.environ.get("BEDROCK_COSTS_SPARK_MASTER", "local[*]"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.extraJavaOptions", " ".join(filter(None, [java_options, log_config])))
    )
    for key, value in {**SPARK_SETTINGS, **settings}.items():
        builder = builder.config(key, value)
    if hive:
        builder = builder.enableHiveSupport()
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def s3_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """Hadoop's S3A connector for s3:// paths on a laptop (Glue reads S3 natively).

    The pip `pyspark` has no S3 connector: BEDROCK_COSTS_SPARK_JARS names the hadoop-aws and AWS
    SDK bundle jars (`make s3a-jars` fetches them from PyPI). Credentials come from the usual AWS
    chain; AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (a moto_server, MinIO) switch to path-style
    requests against that endpoint.
    """
    jars = environ.get("BEDROCK_COSTS_SPARK_JARS", "")
    if not jars:
        return {}
    settings = {
        "spark.jars": jars,
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
    spark = _session("bedrock-costs-sample", None, {}, "", hive=False)
    try:
        yield spark
    finally:
        spark.stop()
