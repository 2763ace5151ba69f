"""Glue Data Catalog definitions of the output tables, from schemas/, for deploy.sh.

Tables partitioned by date or month use Athena partition projection: Athena computes the
partitions of a query from its date filter, so a day the job has just written is queryable at
once without crawlers or partition registration, and scanning years of history does not
list thousands of partitions. `quarantine` is not projected: its undated rows live in Hive's
null partition, which a projected date cannot name. (These Hive-style definitions predate the
Iceberg tables the jobs now write: docs/deploy.md, "Iceberg tables".)

A table's definition is merged with what the catalog already has: columns the jobs added
(`tag_*`, `profile_tag_*`) are kept, so redeploying never drops a promoted tag.

With Lake Formation data filters (deploy.sh --lake-formation) projection is off: Lake Formation
filters do not apply to projected tables, so Athena reads the partitions the jobs register, and
the tenant tag column a filter names is declared up front (the job fills it from then on).
"""

from __future__ import annotations

import argparse
import json
import sys

from bedrock_costs.contract import schemas
from bedrock_costs.deploy import access

PARQUET = {
    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "SerdeInfo": {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        "Parameters": {"serialization.format": "1"},
    },
}
TABLES = ("invocations", "quarantine", "reconciliation", "allocations", "focus")
FIRST_DAY = "2024-01-01"  # projection ranges start here: before Bedrock invocation logging


def _projection(partition: schemas.Column, location: str) -> dict[str, str]:
    name = partition.name
    if partition.type == "date":
        fmt, interval, unit, first = "yyyy-MM-dd", "1", "DAYS", FIRST_DAY
    else:  # billing_period, YYYY-MM
        fmt, interval, unit, first = "yyyy-MM", "1", "MONTHS", FIRST_DAY[:7]
    return {
        "projection.enabled": "true",
        f"projection.{name}.type": "date",
        f"projection.{name}.format": fmt,
        f"projection.{name}.range": f"{first},NOW",
        f"projection.{name}.interval": interval,
        f"projection.{name}.interval.unit": unit,
        "storage.location.template": f"{location}{name}=${{{name}}}/",
    }


def table_input(
    table: str, output: str, *, projection: bool = True, extra: tuple[str, ...] = ()
) -> dict:
    """The TableInput of one table whose data is under `<output><table>/`; `extra`: string
    columns to declare after the schema's."""
    schema = schemas.load(table)
    location = f"{output.rstrip('/')}/{table}/"
    parameters = {"classification": "parquet", "parquet.compression": "SNAPPY", "EXTERNAL": "TRUE"}
    if table != "quarantine" and projection:
        parameters |= _projection(schema.partition_keys[0], location)
    names = {c.name for c in (*schema.columns, *schema.partition_keys)}
    columns = [_column(c) for c in schema.columns]
    columns += [{"Name": name, "Type": "string"} for name in extra if name not in names]
    return {
        "Name": table,
        "Description": schema.description,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": [_column(c) for c in schema.partition_keys],
        "StorageDescriptor": {
            "Columns": columns,
            "Location": location,
            **PARQUET,
        },
    }


def _column(column: schemas.Column) -> dict[str, str]:
    spec = {"Name": column.name, "Type": column.type.replace(" ", "")}
    if column.description:
        spec["Comment"] = column.description[:255]
    return spec


def plan(wanted: dict, existing: dict | None) -> tuple[str, dict]:
    """create, update or unchanged, and the TableInput to send (existing extra columns kept)."""
    if existing is None:
        return "create", wanted
    have_parameters = existing.get("Parameters") or {}  # Spark and Glue add their own keys
    if "projection.enabled" not in wanted["Parameters"]:  # turned off: drop every projection key
        have_parameters = {
            k: v
            for k, v in have_parameters.items()
            if not k.startswith("projection.") and k != "storage.location.template"
        }
    wanted["Parameters"] = {**have_parameters, **wanted["Parameters"]}
    have_columns = existing.get("StorageDescriptor", {}).get("Columns", [])
    names = {c["Name"] for c in wanted["StorageDescriptor"]["Columns"]}
    wanted["StorageDescriptor"]["Columns"] += [c for c in have_columns if c["Name"] not in names]
    have = {key: existing.get(key) for key in wanted}
    have["StorageDescriptor"] = {
        key: existing.get("StorageDescriptor", {}).get(key) for key in wanted["StorageDescriptor"]
    }
    return ("unchanged" if have == wanted else "update"), wanted


def _existing(found: dict, table: str) -> dict | None:
    """The table's current definition from GetTable ({"Table"}) or GetTables ({"TableList"})."""
    if "Table" in found:
        return found["Table"] if found["Table"].get("Name") == table else None
    return next((t for t in found.get("TableList") or [] if t.get("Name") == table), None)


def main(argv: list[str] | None = None) -> int:
    """Print `action<TAB>table<TAB>table-input-json`, one line per --table (one process for
    all: each start costs the deploy a fraction of a second); the catalog's current
    definitions (a GetTable or GetTables response) come on stdin."""
    parser = argparse.ArgumentParser(prog="python -m bedrock_costs.deploy.glue_tables")
    parser.add_argument(
        "--table", required=True, action="append", choices=(*TABLES, *access.RULE_COLUMNS)
    )
    parser.add_argument("--output", required=True, help="the tables' s3:// root")
    parser.add_argument("--rules-root", help="s3:// folder of the rules tables' CSV folders")
    parser.add_argument("--no-projection", action="store_true")
    parser.add_argument("--tag-column", action="append", default=[], help="declare this column")
    args = parser.parse_args(argv)
    text = sys.stdin.read().strip()
    current = json.loads(text) if text else None
    for table in args.table:
        if table in access.RULE_COLUMNS:
            wanted = access.rules_table_input(table, f"{args.rules_root or ''}{table}/")
        else:
            extra = tuple(args.tag_column) if table == "invocations" else ()
            wanted = table_input(table, args.output, projection=not args.no_projection, extra=extra)
        action, wanted = plan(wanted, _existing(current, table) if current else None)
        print(f"{action}\t{table}\t{json.dumps(wanted)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
