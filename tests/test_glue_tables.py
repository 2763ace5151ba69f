"""The catalog definitions deploy.sh plans: the output tables as Iceberg tables (their schema,
partition spec and what to do per table), the access file's rules tables as CSV tables."""

import copy

import pytest
from pyiceberg.schema import index_by_id

from bedrock_costs.contract import schemas
from bedrock_costs.deploy import access
from bedrock_costs.deploy.glue_tables import compare, ensure_rules_tables
from bedrock_costs.deploy.iceberg_tables import TABLES, Refused, iceberg_schema
from bedrock_costs.deploy.iceberg_tables import plan as iceberg_plan
from bedrock_costs.deploy.plan import Plan
from helpers import stubbed

OUT = "s3://b/costs/"
ROOT = "s3://b/costs/_deploy/access/"


def test_every_output_table_is_its_schema_file_as_an_iceberg_schema_partitioned_by_its_key():
    from pyiceberg import types as t

    for table in TABLES:
        schema, spec = iceberg_schema(table)
        contract = schemas.load(table)
        key = contract.partition_keys[0].name
        assert [f.name for f in schema.fields] == [*contract.names, key]
        assert all(not f.required for f in schema.fields)  # as Spark creates them: nullable
        # every field id, nested ones too, once: 1..n without a gap or a repeat
        assert schema.highest_field_id == len(index_by_id(schema))
        (field,) = spec.fields
        assert (field.name, schema.find_field(field.source_id).name) == (key, key)
        assert str(field.transform) == "identity"
        docs = [f.doc for f in schema.fields if f.doc]
        assert docs and max(map(len, docs)) <= 255  # Glue's column comment limit
    invocations, _ = iceberg_schema("invocations", (("tag_team", "string"),))
    types = {f.name: f.field_type for f in invocations.fields}
    assert types["total_cost"] == t.DecimalType(38, 12)
    assert types["event_time"] == t.TimestamptzType()  # Spark's TIMESTAMP: an instant
    assert types["usage_date"] == t.DateType()
    assert isinstance(types["request_metadata"], t.MapType)
    assert len(index_by_id(invocations)) > len(invocations.fields)  # the map's key and value
    assert [f.name for f in invocations.fields][-2:] == ["tag_team", "usage_date"]


def iceberg_table(location: str, columns=("request_id",)) -> dict:
    return {
        "Name": "invocations",
        "Parameters": {"table_type": "ICEBERG", "metadata_location": f"{location}/metadata/x"},
        "StorageDescriptor": {
            "Location": location,
            "Columns": [{"Name": c, "Type": "string"} for c in columns],
        },
    }


def test_each_table_is_created_registered_migrated_updated_or_left_alone(tmp_path):
    location = str(tmp_path / "invocations")
    assert iceberg_plan(None, "invocations", location) == ("create", "")
    metadata = tmp_path / "invocations" / "metadata"
    metadata.mkdir(parents=True)
    for name in ("00001-aa.metadata.json", "00012-bb.metadata.json", "00002-cc.metadata.json"):
        (metadata / name).write_text("{}")
    (metadata / "snap-1-1-x.avro").write_text("")
    newest = f"{location}/metadata/00012-bb.metadata.json"  # by version, not by name
    assert iceberg_plan(None, "invocations", location) == ("register", newest)
    hive = {"Name": "invocations", "Parameters": {"projection.enabled": "true"}}
    assert iceberg_plan(hive, "invocations", location)[0] == "migrate"
    have = iceberg_table(location + "/")
    assert iceberg_plan(have, "invocations", location) == ("unchanged", "")
    declared = ("tag_tenant",)
    assert iceberg_plan(have, "invocations", location, declared) == ("update", "add tag_tenant")
    with pytest.raises(Refused, match=r"is an Iceberg table at s3://old/costs/invocations, not"):
        iceberg_plan(iceberg_table("s3://old/costs/invocations"), "invocations", location)


def test_a_rules_table_is_created_then_left_alone_and_keeps_what_others_added():
    wanted = access.rules_table_input("access_rules", f"{ROOT}access_rules/")
    action, created = compare(copy.deepcopy(wanted), None)
    assert action == "create"
    existing = copy.deepcopy(created)
    existing["StorageDescriptor"]["Columns"].append({"Name": "note", "Type": "string"})
    existing["Parameters"]["transient_lastDdlTime"] = "1790000000"
    existing["CreateTime"] = "2026-11-01"
    action, kept = compare(copy.deepcopy(wanted), existing)
    assert action == "unchanged"
    assert kept["StorageDescriptor"]["Columns"][-1] == {"Name": "note", "Type": "string"}
    assert kept["Parameters"]["transient_lastDdlTime"] == "1790000000"
    moved = access.rules_table_input("access_rules", "s3://elsewhere/access_rules/")
    action, update = compare(moved, existing)
    assert action == "update"
    assert update["StorageDescriptor"]["Location"] == "s3://elsewhere/access_rules/"


def test_the_rules_tables_step_creates_what_is_missing_and_sends_nothing_else(monkeypatch, capsys):
    _, have = compare(access.rules_table_input("access_rules", f"{ROOT}access_rules/"), None)
    found = {"access_rules": have, "invocations": iceberg_table("s3://b/costs/invocations")}
    wanted = access.rules_table_input("access_rules_accounts", f"{ROOT}access_rules_accounts/")
    with stubbed("glue", monkeypatch) as (glue, stubber):
        # one request only: the missing table created; the unchanged one is not sent
        stubber.add_response("create_table", {}, {"DatabaseName": "db", "TableInput": wanted})
        ensure_rules_tables(glue, "db", found, ROOT, Plan(plan_dir=None))
    assert capsys.readouterr().out.splitlines() == [
        "  unchanged  glue table db.access_rules",
        "  create     glue table db.access_rules_accounts",
    ]
    with stubbed("glue", monkeypatch) as (glue, stubber):  # a dry run: nothing sent
        ensure_rules_tables(glue, "db", {}, ROOT, Plan(dry_run=True, plan_dir=None))
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["create"] * 2
