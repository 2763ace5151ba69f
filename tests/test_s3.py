"""The cost job end to end on s3:// paths: logs and prices read from, tables written to a
moto_server, by local Spark through Hadoop's S3A connector (jars fetched from PyPI)."""

import io
import subprocess
import sys
from pathlib import Path

import boto3
import pyarrow.parquet as pq
import pytest

from bedrock_costs.io import partitions
from bedrock_costs.io.s3a import fetch_jars
from helpers import (
    QUICK_JVM,
    aws_env,
    cost,
    key,
    price,
    record,
    start_moto_server,
    write_csv,
    write_logs,
)

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server, endpoint = start_moto_server()
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    env = {
        **aws_env(endpoint),
        "BEDROCK_COSTS_SPARK_JARS": ",".join(fetch_jars()),
        **QUICK_JVM,
    }
    yield client, env
    server.terminate()
    server.wait(timeout=10)


def upload(client, folder: Path, bucket: str, prefix: str) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            client.upload_file(str(path), bucket, f"{prefix}{path.relative_to(folder)}")


def parquet_rows(client, bucket: str, prefix: str) -> list[dict]:
    keys = [
        o["Key"]
        for o in client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
        if o["Key"].endswith(".parquet")
    ]
    rows = []
    for k in keys:
        table = pq.read_table(io.BytesIO(client.get_object(Bucket=bucket, Key=k)["Body"].read()))
        rows += [{**r, "_key": k} for r in table.to_pylist()]
    return rows


def test_run_reads_logs_and_prices_from_s3_and_writes_the_tables_there(s3, tmp_path):
    client, env = s3
    client.create_bucket(Bucket="logs")
    client.create_bucket(Bucket="costs")
    write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14"): [
                record("a", inp=1000, out=100, meta={"tenant": "acme"}),
                record("b", inp=10),
                "{not json",
            ]
        },
    )
    upload(client, tmp_path / "logs", "logs", "bedrock/")
    client.put_object(
        Bucket="costs",
        Key="config/prices.csv",
        Body=Path(write_csv(tmp_path / "p.csv", [price()])).read_bytes(),
    )
    command = [
        sys.executable,
        Path(__file__).parent / "no_gx_cli.py",  # the gates are not this test's subject
        "run",
        "--logs",
        "s3://logs/bedrock/",
        "--output",
        "s3://costs/tables",
        "--pricing",
        "s3://costs/config/prices.csv",
        "--quiet",
    ]
    done = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    calls = parquet_rows(client, "costs", "tables/invocations/")
    assert {r["request_id"]: r["total_cost"] for r in calls} == {
        "a": cost(1000, "1.00") + cost(100, "5.00"),
        "b": cost(10, "1.00"),
    }
    assert {r["_key"].split("/")[2] for r in calls} == {"usage_date=2026-07-14"}
    assert len({r["_key"] for r in calls}) == 1  # one file per partition
    (bad,) = parquet_rows(client, "costs", "tables/quarantine/")
    assert (bad["reason"], bad["raw_record"]) == ("malformed_json", "{not json")
    staging = client.list_objects_v2(Bucket="costs", Prefix="tables/_staging/")
    assert staging["KeyCount"] == 0  # published, staging removed
    (summary,) = client.list_objects_v2(Bucket="costs", Prefix="tables/_runs/")["Contents"]
    assert summary["Key"].endswith(".json")


def test_publishing_on_s3_replaces_exactly_the_processed_partitions(s3, monkeypatch):
    client, env = s3
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.setenv(name, env[name])
    client.create_bucket(Bucket="pub")
    objects = {
        "t/live/usage_date=2026-07-14/old.parquet": b"old",
        "t/live/usage_date=2026-07-15/keep.parquet": b"keep",
        "t/stage/usage_date=2026-07-14/new.parquet": b"new",
    }
    for k, body in objects.items():
        client.put_object(Bucket="pub", Key=k, Body=body)
    swap = partitions.Swap(backup="s3://pub/t/backup")
    written = swap.replace("s3://pub/t/stage", "s3://pub/t/live", {"2026-07-14", "2026-07-16"})
    assert written == ["usage_date=2026-07-14"]

    def keys() -> list[str]:
        return sorted(o["Key"] for o in client.list_objects_v2(Bucket="pub")["Contents"])

    assert keys() == [
        "t/backup/live/usage_date=2026-07-14/old.parquet",  # kept until the run ends
        "t/live/usage_date=2026-07-14/new.parquet",
        "t/live/usage_date=2026-07-15/keep.parquet",
    ]
    swap.undo()  # e.g. another table failed to publish: back as it was
    assert keys() == [
        "t/live/usage_date=2026-07-14/old.parquet",
        "t/live/usage_date=2026-07-15/keep.parquet",
    ]
