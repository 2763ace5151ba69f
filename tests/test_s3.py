"""The jobs on s3:// paths against a moto_server, as in Glue: logs and prices read from S3 by
local Spark (Hadoop's S3A), the Iceberg tables written there (Iceberg's S3 FileIO) through the
Glue Data Catalog (Iceberg's Glue catalog), on tables deploy.sh's step created, and read back by
another tool (pyiceberg). The embedded catalog with an s3:// output is the same S3 FileIO with the
SQLite catalog of the local tests: not run here (docs/operations.md)."""

import gzip
import json
import re
import secrets
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import iam_check
from bedrock_costs.deploy import iceberg_tables, role_policy
from bedrock_costs.deploy.plan import Plan
from helpers import (
    QUICK_JVM,
    aws_env,
    cost,
    cur_line,
    glue_tables_reader,
    key,
    moto_client,
    price,
    record,
    start_moto_server,
    write_csv,
    write_cur,
    write_logs,
)

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    recording = tmp_path_factory.mktemp("moto") / "requests.jsonl"
    server, endpoint = start_moto_server(recording=recording)
    client = moto_client("s3", endpoint)
    env = {**aws_env(endpoint), **QUICK_JVM}
    yield client, env, endpoint, recording
    server.terminate()
    server.wait(timeout=10)


def upload(client, folder: Path, bucket: str, prefix: str) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            client.upload_file(str(path), bucket, f"{prefix}{path.relative_to(folder)}")


def bedrock_costs(env: dict, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, Path(__file__).parent / "no_gx_cli.py", *args]
    # (the data-quality gates are not these tests' subject: test_quality's)
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def logs_on_s3(client, tmp_path: Path, records: list) -> None:
    write_logs(tmp_path / "logs", {key("us-east-1", "2026-07-14"): records})
    upload(client, tmp_path / "logs", "glue-logs", "bedrock/")


LOGS, OUTPUT, ARTIFACTS = (
    "s3://glue-logs/bedrock/",
    "s3://glue-costs/tables/",
    "s3://glue-costs/tables/_deploy/",
)
PRICES = f"{ARTIFACTS}pricing/bedrock_prices.csv"
CUR = "s3://glue-cur/cur/export/"  # where deploy.sh puts the price table
RUN = ("run", "--logs", LOGS, "--pricing", PRICES)
# the role deploy.sh gives the jobs for these locations (a bucket's default key: test_deploy)
ROLE = role_policy.RoleSettings(
    account=iam_check.ACCOUNT,
    region=iam_check.REGION,
    prefix="bedrock-costs",
    database="bedrock_costs",
    logs=role_policy.location("--logs", LOGS),
    output=role_policy.location("--output", OUTPUT),
    artifacts=role_policy.location("--artifacts", ARTIFACTS),
    cur=role_policy.location("--cur", CUR),
)


def deploy_tables(env, found: dict, output: str = "s3://glue-costs/tables/") -> dict[str, str]:
    """deploy.sh's table step (deploy.iceberg_tables, in this process as deploy/apply.py runs
    it) with the moto_server's environment, given the catalog's tables by name: {table: action}."""
    with pytest.MonkeyPatch.context() as patch:
        for name in (
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_REGION",
            "AWS_ENDPOINT_URL",
        ):
            patch.setenv(name, env[name])
        planned = iceberg_tables.plan_tables(found, output)
        iceberg_tables.apply_tables("bedrock_costs", planned, found, Plan(plan_dir=None))
    return {p.table: p.action for p in planned}


def tables_by_name(glue) -> dict[str, dict]:
    return {t["Name"]: t for t in glue.get_tables(DatabaseName="bedrock_costs")["TableList"]}


def hive_deployment(client, glue) -> None:
    """What an earlier version left in an account: a Hive-style `invocations` definition (with
    partition projection and a tag column) and its day folders of Parquet files."""
    for day, ids in (("2026-07-13", ["old"]), ("2026-07-14", ["a"])):
        rows = pa.table(
            {
                "request_id": ids,
                "total_cost": pa.array([Decimal("0.000002")] * len(ids), pa.decimal128(38, 12)),
                "tag_team": ["ml"] * len(ids),
            }
        )
        sink = pa.BufferOutputStream()
        pq.write_table(rows, sink)
        client.put_object(
            Bucket="glue-costs",
            Key=f"tables/invocations/usage_date={day}/part-00000.snappy.parquet",
            Body=sink.getvalue().to_pybytes(),
        )
    glue.create_database(DatabaseInput={"Name": "bedrock_costs"})
    glue.create_table(
        DatabaseName="bedrock_costs",
        TableInput={
            "Name": "invocations",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "parquet", "projection.enabled": "true"},
            "PartitionKeys": [{"Name": "usage_date", "Type": "date"}],
            "StorageDescriptor": {
                "Columns": [
                    {"Name": "request_id", "Type": "string"},
                    {"Name": "total_cost", "Type": "decimal(38,12)"},
                    {"Name": "tag_team", "Type": "string"},
                ],
                "Location": "s3://glue-costs/tables/invocations/",
            },
        },
    )


# granted, and not asked for by the runs below: the Glue runtime's own calls, and the calls of
# paths they do not take (a table the catalog lacks is created or registered again; a failed
# multipart upload is aborted; files are deleted by maintain once snapshots are older than
# --keep-days or orphans older than a day, and by a failed run; the database's tables listed, as
# Glue's Spark catalog does)
UNUSED_HERE = {
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "cloudwatch:PutMetricData",
    "glue:CreateTable",
    "glue:GetTables",
    "glue:GetDatabases",
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
    "glue:GetJobRuns",  # the maintenance waits for the other jobs' runs: in Glue only
}


def cur_on_s3(client, spark, tmp_path: Path) -> None:
    """A CUR 2.0 export of July 2026 billing the run's calls, on S3."""
    client.create_bucket(Bucket="glue-cur")
    lines = [cur_line("USE1-Claude4.5Haiku-input-tokens", "1.01", "0.00101")]
    upload(client, write_cur(spark, tmp_path / "cur", lines), "glue-cur", "cur/export/")


def catalog_rows_s3(endpoint: str, table: str) -> list[dict]:
    found = glue_tables_reader(endpoint).load_table(f"bedrock_costs.{table}").scan()
    return found.to_arrow().to_pylist()


def test_in_glue_the_tables_are_in_the_glue_data_catalog(s3, spark, tmp_path):
    """BEDROCK_COSTS_CATALOG=glue: what a Glue job does (logs and prices read from S3 by
    Hadoop's S3A, the tables written through Iceberg's Glue catalog and S3 FileIO, against moto's
    Glue and S3) on the tables deploy.sh created with pyiceberg, `invocations` migrated from an
    earlier version's Hive-style table of two days: the run imports them (one commit), then
    re-prices one of the two days (one commit per table); another reader (pyiceberg) reads the
    tables back by name, as of the import too; a deleted catalog entry is registered again with
    its history."""
    client, env, endpoint, recording = s3
    client.create_bucket(Bucket="glue-logs")
    client.create_bucket(Bucket="glue-costs")
    client.put_object(
        Bucket="glue-costs",
        Key=PRICES.removeprefix("s3://glue-costs/"),
        Body=Path(write_csv(tmp_path / "p.csv", [price()])).read_bytes(),
    )
    glue = moto_client("glue", endpoint)
    hive_deployment(client, glue)
    planned = deploy_tables(env, tables_by_name(glue))
    assert planned == {
        "invocations": "migrate",
        **{t: "create" for t in ("quarantine", "reconciliation", "allocations", "focus")},
    }
    records = [record("a", inp=1000, out=100, meta={"tenant": "acme"}), record("b", inp=10)]
    logs_on_s3(client, tmp_path, [*records, "{not json"])
    # an object cut short inside its first line: found by the executors' own read of S3 (boto3,
    # under the role); no line of it is read
    long_line = json.dumps(record("cut", extra_text=secrets.token_hex(100_000)))
    whole = gzip.compress((long_line + "\n").encode())
    cut_key = "bedrock/" + key("us-east-1", "2026-07-14", hour="11", name="cut")
    client.put_object(Bucket="glue-logs", Key=cut_key, Body=whole[: len(whole) // 2])
    glue_env = {**env, "BEDROCK_COSTS_CATALOG": "glue"}
    window = ("--start-date", "2026-07-14", "--end-date", "2026-07-14")
    cur_on_s3(client, spark, tmp_path)
    with iam_check.recorded(endpoint, recording) as requests:
        bedrock_costs(  # the three Glue jobs' work, in one process (one JVM start)
            glue_env,
            tmp_path,
            *(*RUN, "--output", "s3://glue-costs/tables", *window, "--quiet"),
            *("+++", "reconcile", "--cur", CUR, "--output", OUTPUT, "--quiet"),
            *("+++", "maintain", "--output", OUTPUT),
        )
    # every request the jobs made, as AWS would authorize it, allowed by the role's policy
    policy = role_policy.role_policy(ROLE)
    assert iam_check.denied(policy, requests) == []
    # and nothing granted that no job asked for, but what AWS's Glue runtime itself uses
    # (logs, metrics) and what only other paths need (docs/deploy.md, "The jobs' role")
    unused = iam_check.granted_actions(policy) - {r.action for r in requests}
    assert unused == UNUSED_HERE, unused
    reconciled = catalog_rows_s3(endpoint, "reconciliation")
    assert {r["billing_period"] for r in reconciled} == {"2026-07"}
    assert sum(r["cur_unblended_cost"] or 0 for r in reconciled) == Decimal("0.00101")
    allocated = catalog_rows_s3(endpoint, "allocations")
    assert sum(r["allocated_cost"] for r in allocated) == Decimal("0.00101")  # the bill, allocated
    table = glue.get_table(DatabaseName="bedrock_costs", Name="invocations")["Table"]
    assert table["Parameters"]["table_type"].upper() == "ICEBERG"
    assert table["Parameters"]["metadata_location"].startswith(
        "s3://glue-costs/tables/invocations/metadata/"
    )
    assert not (tmp_path / ".bedrock-costs").exists()  # no local catalog was made
    (summary,) = client.list_objects_v2(Bucket="glue-costs", Prefix="tables/_runs/")["Contents"]
    assert summary["Key"].endswith(".json")
    catalog = glue_tables_reader(endpoint)  # another reader, by name (as Athena resolves it)

    def calls(snapshot: int | None = None) -> list[tuple]:
        found = catalog.load_table("bedrock_costs.invocations").scan(snapshot_id=snapshot)
        return sorted(
            (r["usage_date"].isoformat(), r["request_id"], r["total_cost"], r["tag_team"])
            for r in found.to_arrow().to_pylist()
        )

    imported = [  # the Hive-style days, as the import committed them
        ("2026-07-13", "old", Decimal("0.000002"), "ml"),
        ("2026-07-14", "a", Decimal("0.000002"), "ml"),
    ]
    priced = [
        imported[0],  # outside the window: untouched
        ("2026-07-14", "a", cost(1000, "1.00") + cost(100, "5.00"), None),
        ("2026-07-14", "b", cost(10, "1.00"), None),
    ]
    assert calls() == priced
    invocations = catalog.load_table("bedrock_costs.invocations")
    run, import_ = invocations.current_snapshot(), invocations.history()[-2]
    assert (
        catalog.load_table("bedrock_costs.invocations")
        .snapshot_by_id(import_.snapshot_id)
        .summary["bedrock-costs.imported-from"]
        == "s3://glue-costs/tables/invocations"
    )
    # the re-run of a day that had rows: one commit on top of the import, the day replaced
    assert run.parent_snapshot_id == import_.snapshot_id
    assert run.summary.operation.value == "overwrite"
    assert calls(import_.snapshot_id) == imported  # as of the import
    files = invocations.inspect.files().to_pylist()
    days = sorted(f["file_path"].split("/")[6] for f in files)
    assert days == ["usage_date=2026-07-13", "usage_date=2026-07-14"]  # one file a day
    bad = catalog.load_table("bedrock_costs.quarantine").scan().to_arrow().to_pylist()
    reasons = {b["reason"]: b["raw_record"] for b in bad}
    assert sorted(reasons) == ["malformed_json", "unreadable_object"] and len(bad) == 2
    assert reasons["malformed_json"] == "{not json"
    problem = reasons["unreadable_object"]
    assert re.fullmatch(r"unreadable after [\d,]+ bytes of text: EOFError: .*", problem)
    assert [b["source_file"] for b in bad if b["reason"] == "unreadable_object"] == [
        f"s3://glue-logs/{cut_key}"
    ]
    # the run's and the import's branches are gone; the tag is the reconciliation's (what it read)
    assert set(invocations.refs()) == {"main", "reconciled-2026-07"}

    again = deploy_tables(env, tables_by_name(glue))
    assert set(again.values()) == {"unchanged"}
    glue.delete_table(DatabaseName="bedrock_costs", Name="invocations")  # a destroyed deployment
    registered = deploy_tables(env, tables_by_name(glue))
    assert registered["invocations"] == "register"
    assert calls() == priced and calls(import_.snapshot_id) == imported  # its history back


def test_exists_asks_only_for_what_the_role_may_list(s3, monkeypatch):
    """storage.exists on s3:// (io.aws): a folder is `<key>/` (an earlier version listed the
    bare `<key>`, which the role may not, and which `<key>-old/` also matched); an object, its
    exact key."""
    client, env, endpoint, recording = s3
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.setenv(name, env[name])
    client.create_bucket(Bucket="exists-logs")
    for key_ in ("bedrock/AWSLogs-old/x.json.gz", "bedrock/AWSLogs/1/x.json.gz", "bedrock/y.json"):
        client.put_object(Bucket="exists-logs", Key=key_, Body=b"x")
    from bedrock_costs.io import aws

    with iam_check.recorded(endpoint, recording) as requests:
        found = {
            uri: aws.exists(f"s3://exists-logs/bedrock/{uri}")
            for uri in ("AWSLogs", "AWSLogs/", "AWSLogs/1", "AWSLog", "y.json", "y.jso", "none/")
        }
    assert found == {
        "AWSLogs": True,
        "AWSLogs/": True,
        "AWSLogs/1": True,
        "AWSLog": False,  # a prefix of a folder's name is not that folder
        "y.json": True,
        "y.jso": False,
        "none/": False,
    }
    role = replace(ROLE, logs=role_policy.location("--logs", "s3://exists-logs/bedrock/AWSLogs/"))
    asked = [r for r in requests if "AWSLogs" in r.context.get("s3:prefix", "")]
    assert asked and iam_check.denied(role_policy.role_policy(role), asked) == []
