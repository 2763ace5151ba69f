import copy
import io
import json

from bedrock_costs.contract import schemas
from bedrock_costs.deploy.glue_tables import TABLES, main, plan, table_input

OUT = "s3://b/costs/"


def test_every_table_follows_its_schema_file_with_projection_where_dated():
    for table in TABLES:
        spec = table_input(table, OUT)
        schema = schemas.load(table)
        assert [c["Name"] for c in spec["StorageDescriptor"]["Columns"]] == schema.names
        assert spec["StorageDescriptor"]["Location"] == f"{OUT}{table}/"
        key = schema.partition_keys[0].name
        assert spec["PartitionKeys"][0]["Name"] == key
        projected = spec["Parameters"].get("projection.enabled") == "true"
        assert projected == (table != "quarantine")
    invocations = table_input("invocations", OUT)["Parameters"]
    assert invocations["projection.usage_date.range"] == "2024-01-01,NOW"
    assert (
        invocations["storage.location.template"] == f"{OUT}invocations/usage_date=${{usage_date}}/"
    )
    focus = table_input("focus", "s3://b/costs")["Parameters"]
    assert (
        focus["projection.billing_period.format"],
        focus["projection.billing_period.range"],
    ) == (
        "yyyy-MM",
        "2024-01,NOW",
    )


def test_plan_creates_then_leaves_alone_and_keeps_what_the_jobs_added():
    action, created = plan(table_input("invocations", OUT), None)
    assert action == "create"
    existing = copy.deepcopy(created)
    existing["StorageDescriptor"]["Columns"].append({"Name": "tag_tenant", "Type": "string"})
    existing["Parameters"]["transient_lastDdlTime"] = "1790000000"
    existing["CreateTime"] = "2026-11-01"
    action, wanted = plan(table_input("invocations", OUT), existing)
    assert action == "unchanged"
    assert wanted["StorageDescriptor"]["Columns"][-1] == {"Name": "tag_tenant", "Type": "string"}
    assert wanted["Parameters"]["transient_lastDdlTime"] == "1790000000"
    moved = plan(table_input("invocations", "s3://elsewhere/costs/"), existing)
    assert moved[0] == "update"
    assert moved[1]["StorageDescriptor"]["Location"] == "s3://elsewhere/costs/invocations/"
    assert moved[1]["StorageDescriptor"]["Columns"][-1]["Name"] == "tag_tenant"  # still kept


def test_without_projection_every_projection_key_goes_and_the_tenant_column_is_declared():
    _, projected = plan(table_input("invocations", OUT), None)
    projected["Parameters"]["spark.sql.sources.schema"] = "kept"
    wanted = table_input("invocations", OUT, projection=False, extra=("tag_tenant", "usage_date"))
    action, update = plan(wanted, copy.deepcopy(projected))
    assert action == "update"
    assert not any(k.startswith("projection.") for k in update["Parameters"])
    assert "storage.location.template" not in update["Parameters"]
    assert update["Parameters"]["spark.sql.sources.schema"] == "kept"
    names = [c["Name"] for c in update["StorageDescriptor"]["Columns"]]
    assert names == [*schemas.load("invocations").names, "tag_tenant"]  # not the partition key
    assert plan(wanted, update)[0] == "unchanged"


def test_one_call_plans_every_table_against_the_catalog_on_stdin(monkeypatch, capsys):
    _, have = plan(table_input("quarantine", OUT), None)
    catalog = {"TableList": [have]}  # a GetTables response: only quarantine exists
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(catalog)))
    tables = ["invocations", "quarantine", "access_rules"]
    argv = ["--output", OUT, "--rules-root", "s3://b/costs/_deploy/access/"]
    assert main([*argv, *(a for t in tables for a in ("--table", t))]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [(action, table) for action, table, _ in lines] == [
        ("create", "invocations"),
        ("unchanged", "quarantine"),
        ("create", "access_rules"),
    ]
    rules = json.loads(lines[2][2])["StorageDescriptor"]["Location"]
    assert rules == "s3://b/costs/_deploy/access/access_rules/"
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps({"Table": have})))  # a GetTable
    assert main(["--output", OUT, "--table", "invocations", "--table", "quarantine"]) == 0
    actions = [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()]
    assert actions == ["create", "unchanged"]  # one table's definition is not another's
