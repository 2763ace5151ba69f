"""Builders for test inputs: log records, log trees in Bedrock's key layout, CSV files."""

from __future__ import annotations

import csv
import gzip
import json
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from bedrock_costs.quality.results import CheckResult
from bedrock_costs.reference.price_file import HEADER

ACCOUNT = "111122223333"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
NOVA = "amazon.nova-micro-v1:0"
# Spark in a process of its own compiles with C1 only, as the tests' own session does: for small
# inputs it finishes sooner on two cores (the JIT does not change results). C1 alone gets a 48 MB
# code cache, which the demo's whole-stage code filled ("CodeCache is full", then a JVM that
# died mid-reconcile): the default tiered size is kept.
QUICK_JVM = {"JAVA_TOOL_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"}
# Version-1 price files: the contract's columns, without later optional ones.
PRICE_HEADER = [c for c in HEADER if c != "cache_write_1h_per_mtok"]


class NoChecks:
    """A validator that evaluates nothing: every check 'holds'. For tests whose subject is not
    the data-quality gates (great_expectations costs seconds per run); the gates themselves are
    tested with great_expectations in test_quality.py and end to end by the demo."""

    version = "not run"

    def __call__(self, table, frame, checks):
        return [
            CheckResult(table, c.name, c.description, c.policy, True, "not run") for c in checks
        ]


class FailingChecks(NoChecks):
    """Evaluates nothing, and reports the named checks as not holding."""

    def __init__(self, *failing: str) -> None:
        self.failing = set(failing)

    def __call__(self, table, frame, checks):
        results = super().__call__(table, frame, checks)
        for result in results:
            result.success = result.name not in self.failing
        return results


def key(
    region: str, day: str, hour: str = "10", name: str = "20260714T100000000Z_0000000000000001"
) -> str:
    y, m, d = day.split("-")
    return (
        f"AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/{region}/{y}/{m}/{d}/{hour}/{name}.json.gz"
    )


def record(
    request_id: str,
    *,
    model: str = HAIKU,
    ts: str = "2026-07-14T10:15:00Z",
    region: str = "us-east-1",
    inp: int = 0,
    out: int = 0,
    cr: int = 0,
    cw: int = 0,
    meta: dict | None = None,
    arn: str = f"arn:aws:sts::{ACCOUNT}:assumed-role/AppRole/app",
    operation: str = "Converse",
    **extra,
) -> dict:
    rec = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": ts,
        "accountId": ACCOUNT,
        "identity": {"arn": arn},
        "region": region,
        "requestId": request_id,
        "operation": operation,
        "modelId": model,
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": {
                "messages": [{"role": "user", "content": [{"text": "SECRET PROMPT"}]}]
            },
            "inputTokenCount": inp,
            "cacheReadInputTokenCount": cr,
            "cacheWriteInputTokenCount": cw,
        },
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": {
                "output": {"message": {"content": [{"text": "SECRET ANSWER"}]}},
                "metrics": {"latencyMs": 321},
            },
            "outputTokenCount": out,
        },
    }
    if meta is not None:
        rec["requestMetadata"] = meta
    rec.update(extra)
    return rec


def write_logs(root: Path, files: dict[str, list]) -> Path:
    for rel, lines in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(
            (line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines
        )
        if rel.endswith(".gz"):
            with gzip.open(path, "wt", encoding="utf-8") as fh:
                fh.write(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def price(
    model: str = HAIKU,
    inp: str = "1.00",
    out: str = "5.00",
    cr: str = "0.10",
    cw: str = "1.25",
    **overrides: str,
) -> dict:
    row = {
        "model": model,
        "region": "*",
        "routing": "*",
        "tier": "standard",
        "min_input_tokens": "0",
        "input_per_mtok": inp,
        "output_per_mtok": out,
        "cache_read_per_mtok": cr,
        "cache_write_per_mtok": cw,
        "effective_from": "2026-01-01",
        "effective_to": "",
        "currency": "USD",
        "source": "test",
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict], header: list[str] | None = None) -> str:
    header = header or (list(rows[0]) if rows else PRICE_HEADER)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def cost(tokens: int, per_mtok: str) -> Decimal:
    return Decimal(tokens) * Decimal(per_mtok) / Decimal(1_000_000)


def unique_database() -> str:
    return "t_" + uuid.uuid4().hex[:10]


def cur_line(
    usage_type: str,
    amount: str,
    cost: str,
    *,
    day: str = "2026-07-14",
    account: str = ACCOUNT,
    line_type: str = "Usage",
    product_code: str = "AmazonBedrockService",
    product_name: str = "Amazon Bedrock Service",
    entity: str = "AWS",
    region: str | None = "us-east-1",
    principal: str | None = None,
    unit: str | None = "1K tokens",
    rate: str | None = None,
    description: str = "",
) -> dict:
    """One CUR 2.0 line item as AWS writes it (amounts become doubles)."""
    from bedrock_costs.sample.cur_lines import cur_row

    return cur_row(
        date.fromisoformat(day),
        account,
        usage_type,
        line_type,
        product_code,
        product_name,
        entity,
        region,
        principal,
        Decimal(amount),
        unit,
        Decimal(rate) if rate is not None else None,
        Decimal(cost),
        description,
    )


def write_cur(spark, root: Path, lines: list[dict], period: str = "2026-07", drop=()) -> Path:
    """A CUR 2.0 export folder with one Parquet file for the period (columns in `drop` left out)."""
    from bedrock_costs.contract import schemas

    columns = schemas.load("cur2").columns
    frame = spark.createDataFrame(
        [tuple(line.get(c.name) for c in columns) for line in lines],
        schemas.load("cur2").spark_type(),
    ).drop(*drop)
    folder = root / "data" / f"BILLING_PERIOD={period}"
    frame.coalesce(1).write.mode("overwrite").parquet(str(folder))
    for extra in folder.iterdir():
        if not extra.name.endswith(".parquet"):
            extra.unlink()
    return root


def start_moto_server(*, managed_policies: bool = False, recording: Path | None = None):
    """A moto_server on a free 127.0.0.1 port: (process, endpoint URL), ready to serve; with
    `recording`, the file where it records the requests it is told to (iam_check.recorded)."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": str(managed_policies).lower()}
    if recording is not None:
        env["MOTO_RECORDER_FILEPATH"] = str(recording)
    server = subprocess.Popen(
        [Path(sys.executable).parent / "moto_server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
            return server, endpoint
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("moto_server did not start")


def moto_client(service: str, endpoint: str):
    """A boto3 client of the moto_server at `endpoint`."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def glue_tables_reader(endpoint: str):
    """pyiceberg's Glue catalog on the moto_server at `endpoint` (Glue and S3): another reader
    of the tables by name, as Athena resolves them."""
    from pyiceberg.catalog.glue import GlueCatalog

    credentials = {"access-key-id": "testing", "secret-access-key": "testing"}
    return GlueCatalog(
        "glue",
        **{"glue.endpoint": endpoint, "glue.region": "us-east-1", "s3.endpoint": endpoint},
        **{"s3.region": "us-east-1"},
        **{f"{service}.{k}": v for service in ("glue", "s3") for k, v in credentials.items()},
    )


def aws_env(endpoint: str) -> dict[str, str]:
    """The environment of a process talking to the moto_server at `endpoint` only."""
    import os
    import sys

    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        # moto answers an operation it lacks with HTTP 500, which the SDK would retry with
        # backoff (seconds per call); a server on loopback needs no retries
        "AWS_MAX_ATTEMPTS": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }


def snapshot(root: Path, *folders: str) -> dict[str, bytes]:
    """Every file under root (or under the named sub-folders of it), path -> bytes."""
    roots = [root / f for f in folders] if folders else [root]
    return {
        str(path.relative_to(root)): path.read_bytes()
        for top in roots
        if top.exists()
        for path in sorted(top.rglob("*"))
        if path.is_file()
    }


def parsed_lines(spark, files: dict[str, list], window=None):
    """Log lines (records or raw text, per object name) parsed, windowed and marked, as the job
    does before caching them: no files are read."""
    from bedrock_costs.invocations.records import parse_records
    from bedrock_costs.invocations.tables import assign_window, mark_first_of_each_request

    lines = [
        (line if isinstance(line, str) else json.dumps(line), f"s3://logs/{name}")
        for name, content in files.items()
        for line in content
    ]
    frame = spark.createDataFrame(lines, "value string, source_file string")
    return (
        frame.transform(parse_records)
        .transform(assign_window, window=window)
        .transform(mark_first_of_each_request)
    )


def price_rows(rows: list[dict], header: list[str] | None = None):
    """Price-file rows, validated as the job reads them."""
    import tempfile

    from bedrock_costs.reference.price_file import load_prices

    return load_prices(write_csv(Path(tempfile.mkdtemp()) / "prices.csv", rows, header))


def priced_calls(
    spark, files, prices, *, unit_prices=(), profiles=None, window=None, default_tier="standard"
):
    """The invocations rows the job would build from these lines, by request_id."""
    from bedrock_costs.invocations import counts, tags
    from bedrock_costs.invocations.costs import prices_frame, unit_prices_frame
    from bedrock_costs.invocations.model_ids import profiles_frame
    from bedrock_costs.invocations.tables import build_invocations

    parsed = parsed_lines(spark, files, window)
    profile_frame = profiles_frame(spark, profiles or {})
    plan = tags.plan_tag_columns(counts.tag_usage(parsed), [], 50)
    profile_columns = tags.plan_profile_columns(counts.profile_tag_keys(profile_frame), [])
    plan = tags.TagPlan(plan.columns, plan.not_promoted, profile_columns)
    built = build_invocations(
        parsed,
        prices_frame(spark, prices),
        unit_prices_frame(spark, list(unit_prices)),
        profile_frame,
        plan,
        default_tier=default_tier,
    )
    return {r.request_id: r for r in built.collect()}


# --- the output tables (Apache Iceberg) ------------------------------------------------------


def rows(spark, database: str, table: str) -> list:
    """A table's published rows, through the session's catalog."""
    return spark.table(f"`{database}`.`{table}`").collect()


def catalog_table(output: Path, table: str, database: str = "bedrock_costs"):
    """A table's published rows as another tool reads them: pyiceberg through the embedded
    catalog a command-line run keeps under its output folder (an Arrow table)."""
    from pyiceberg.catalog.sql import SqlCatalog

    file = Path(output).resolve() / "_catalog" / "catalog.db"
    catalog = SqlCatalog("bedrock", uri=f"sqlite:///{file}", warehouse=f"file://{output}")
    return catalog.load_table(f"{database}.{table}").scan().to_arrow()


def catalog_rows(output: Path, table: str, database: str = "bedrock_costs") -> list[dict]:
    return catalog_table(output, table, database).to_pylist()


def published(spark, database: str, *tables: str) -> dict:
    """Each table's published snapshot and its rows: what readers see."""
    from bedrock_costs.io import snapshots

    return {
        t: (snapshots.snapshot_id(spark, database, t), sorted(map(str, rows(spark, database, t))))
        for t in tables
    }


def branches(spark, database: str, table: str) -> set[str]:
    return {r.name for r in spark.sql(f"SELECT name FROM `{database}`.`{table}`.refs").collect()}


def data_files(root: Path, *tables: str) -> dict[str, bytes]:
    """The data files of the tables, path -> bytes (metadata files record branches too)."""
    return {
        path: data
        for table in tables
        for path, data in snapshot(root, f"{table}/data").items()
        if path.endswith(".parquet")
    }


def copy_tables(spark, database: str, tables, out: Path, tag_columns=()) -> str:
    """The published rows of `tables` in a new database of this session's catalog, as tables
    of their own under `out` (an Iceberg table's files name its location: a copied folder
    would still be the original table). Returns the new database."""
    from bedrock_costs.io import catalog

    copy = unique_database()
    for table in tables:
        extra = tuple(tag_columns) if table == "invocations" else ()
        catalog.ensure_table(spark, copy, str(out), table, extra)
        source = spark.table(f"`{database}`.`{table}`")
        target = spark.table(f"`{copy}`.`{table}`").columns
        source.select(*target).writeTo(f"`{copy}`.`{table}`").append()
    return copy


def register_output(spark, output: Path, database: str = "bedrock_costs") -> str:
    """The tables of a command-line run's embedded catalog registered, by their current
    metadata files, in a new database of this session's catalog (read them, don't write)."""
    import sqlite3

    from bedrock_costs.io import snapshots

    file = Path(output).resolve() / "_catalog" / "catalog.db"
    with sqlite3.connect(f"file:{file}?mode=ro", uri=True) as connection:
        found = connection.execute(
            "SELECT table_name, metadata_location FROM iceberg_tables WHERE table_namespace = ?",
            (database,),
        ).fetchall()
    copy = unique_database()
    for table, metadata in found:
        snapshots.register(spark, copy, table, metadata)
    return copy


def stubbed(service: str, monkeypatch):
    """A client of `service` (io.aws.client, as the deploy steps make it) under botocore's
    Stubber, with test credentials and immediate polling: (client, stubber); every response
    queued must have been used when the block ends."""
    from contextlib import contextmanager

    from botocore.stub import Stubber

    from bedrock_costs.io import aws

    @contextmanager
    def block():
        for name, value in (
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("BC_POLL_SECONDS", "0"),
        ):
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
        client = aws.client(service)
        with Stubber(client) as stubber:
            yield client, stubber
            stubber.assert_no_pending_responses()

    return block()
