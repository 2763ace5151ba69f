"""The jobs on s3:// paths against a moto_server: logs and prices read from S3 by local Spark
(Hadoop's S3A), the Iceberg tables written there (Iceberg's S3 FileIO) and read back by another
tool (pyiceberg) through the embedded catalog or, as in Glue, through the Glue Data Catalog."""

import subprocess
import sys
from pathlib import Path

import boto3
import pytest

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
    env = {**aws_env(endpoint), **QUICK_JVM}
    yield client, env, endpoint
    server.terminate()
    server.wait(timeout=10)


def upload(client, folder: Path, bucket: str, prefix: str) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            client.upload_file(str(path), bucket, f"{prefix}{path.relative_to(folder)}")


def s3_io(endpoint: str) -> dict[str, str]:
    return {
        "s3.endpoint": endpoint,
        "s3.access-key-id": "testing",
        "s3.secret-access-key": "testing",
        "s3.region": "us-east-1",
    }


def local_catalog(cwd: Path, endpoint: str):
    """The embedded catalog of an s3:// output run from `cwd`, read by pyiceberg."""
    from pyiceberg.catalog.sql import SqlCatalog

    file = cwd / ".bedrock-costs" / "catalog" / "catalog.db"
    return SqlCatalog("bedrock", uri=f"sqlite:///{file}", **s3_io(endpoint))


def bedrock_costs(env: dict, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, Path(__file__).parent / "no_gx_cli.py", *args]
    # (the data-quality gates are not these tests' subject: test_quality's)
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def logs_on_s3(client, tmp_path: Path, records: list) -> None:
    write_logs(tmp_path / "logs", {key("us-east-1", "2026-07-14"): records})
    upload(client, tmp_path / "logs", "logs", "bedrock/")


RUN = ("run", "--logs", "s3://logs/bedrock/", "--pricing", "s3://costs/config/prices.csv")


def test_run_reads_logs_and_prices_from_s3_and_writes_the_tables_there(s3, tmp_path):
    client, env, endpoint = s3
    client.create_bucket(Bucket="logs")
    client.create_bucket(Bucket="costs")
    client.put_object(
        Bucket="costs",
        Key="config/prices.csv",
        Body=Path(write_csv(tmp_path / "p.csv", [price()])).read_bytes(),
    )
    records = [record("a", inp=1000, out=100, meta={"tenant": "acme"}), record("b", inp=10)]
    logs_on_s3(client, tmp_path, [*records, "{not json"])
    bedrock_costs(env, tmp_path, *RUN, "--output", "s3://costs/tables", "--quiet")
    catalog = local_catalog(tmp_path, endpoint)
    invocations = catalog.load_table("bedrock_costs.invocations")
    assert invocations.metadata.location == "s3://costs/tables/invocations"
    calls = invocations.scan().to_arrow().to_pylist()
    assert {r["request_id"]: r["total_cost"] for r in calls} == {
        "a": cost(1000, "1.00") + cost(100, "5.00"),
        "b": cost(10, "1.00"),
    }
    files = invocations.inspect.files().to_pylist()
    assert [f["file_path"].split("/")[6] for f in files] == ["usage_date=2026-07-14"]  # one file
    (bad,) = catalog.load_table("bedrock_costs.quarantine").scan().to_arrow().to_pylist()
    assert (bad["reason"], bad["raw_record"]) == ("malformed_json", "{not json")
    (summary,) = client.list_objects_v2(Bucket="costs", Prefix="tables/_runs/")["Contents"]
    assert summary["Key"].endswith(".json")

    # a re-run of the day with a changed log: one commit per table, the new rows only
    logs_on_s3(client, tmp_path, [record("a", inp=2000, out=100, meta={"tenant": "acme"})])
    before = invocations.current_snapshot().snapshot_id
    window = ("--start-date", "2026-07-14", "--end-date", "2026-07-14")
    bedrock_costs(env, tmp_path, *RUN, "--output", "s3://costs/tables", *window, "--quiet")
    invocations = catalog.load_table("bedrock_costs.invocations")
    assert invocations.current_snapshot().parent_snapshot_id == before
    assert invocations.current_snapshot().summary.operation.value == "overwrite"
    calls = invocations.scan().to_arrow().to_pylist()
    assert {r["request_id"]: r["total_cost"] for r in calls} == {
        "a": cost(2000, "1.00") + cost(100, "5.00")
    }
    as_before = invocations.scan(snapshot_id=before).to_arrow().to_pylist()
    assert {r["request_id"] for r in as_before} == {"a", "b"}  # the old day, as of then
    assert set(invocations.refs()) == {"main"}  # the runs' branches are gone


def test_in_glue_the_tables_are_in_the_glue_data_catalog(s3, tmp_path):
    """BEDROCK_COSTS_CATALOG=glue: what a Glue job does (Iceberg's Glue catalog and S3 FileIO,
    against moto's Glue and S3), then another reader (pyiceberg) reads it back by name."""
    client, env, endpoint = s3
    client.create_bucket(Bucket="glue-logs")
    client.create_bucket(Bucket="glue-costs")
    client.put_object(
        Bucket="glue-costs",
        Key="config/prices.csv",
        Body=Path(write_csv(tmp_path / "p.csv", [price()])).read_bytes(),
    )
    write_logs(tmp_path / "logs", {key("us-east-1", "2026-07-14"): [record("g", inp=10)]})
    upload(client, tmp_path / "logs", "glue-logs", "bedrock/")
    glue_env = {**env, "BEDROCK_COSTS_CATALOG": "glue"}
    run = (
        "run",
        "--logs",
        "s3://glue-logs/bedrock/",
        "--pricing",
        "s3://glue-costs/config/prices.csv",
    )
    bedrock_costs(glue_env, tmp_path, *run, "--output", "s3://glue-costs/tables", "--quiet")
    glue = boto3.client(
        "glue",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    table = glue.get_table(DatabaseName="bedrock_costs", Name="invocations")["Table"]
    assert table["Parameters"]["table_type"].upper() == "ICEBERG"
    assert table["Parameters"]["metadata_location"].startswith(
        "s3://glue-costs/tables/invocations/metadata/"
    )
    assert not (tmp_path / ".bedrock-costs").exists()  # no local catalog was made
    from pyiceberg.catalog.glue import GlueCatalog

    # another reader, by name through the Glue Data Catalog (as Athena resolves it)
    catalog = GlueCatalog(
        "glue",
        **{
            "glue.endpoint": endpoint,
            "glue.region": "us-east-1",
            "glue.access-key-id": "testing",
            "glue.secret-access-key": "testing",
            **s3_io(endpoint),
        },
    )
    (row,) = catalog.load_table("bedrock_costs.invocations").scan().to_arrow().to_pylist()
    assert (row["request_id"], row["total_cost"]) == ("g", cost(10, "1.00"))
