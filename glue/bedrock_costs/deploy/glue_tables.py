"""Glue Data Catalog definitions deploy.sh writes with the Glue API itself: the access file's
QuickSight rules tables (CSV folders under the artifacts). The jobs' output tables are Iceberg
tables (deploy.iceberg_tables).

A definition is merged with what the catalog already has (parameters and columns Glue or
another tool added are kept), so redeploying changes only what deploy.sh defines.
"""

from __future__ import annotations

import argparse
import json
import sys

from bedrock_costs.deploy import access


def plan(wanted: dict, existing: dict | None) -> tuple[str, dict]:
    """create, update or unchanged, and the TableInput to send (existing extra columns kept)."""
    if existing is None:
        return "create", wanted
    have_parameters = existing.get("Parameters") or {}  # Glue and other tools add their own keys
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
    parser.add_argument("--table", required=True, action="append", choices=access.RULE_COLUMNS)
    parser.add_argument("--rules-root", required=True, help="s3:// folder of the tables' folders")
    args = parser.parse_args(argv)
    text = sys.stdin.read().strip()
    current = json.loads(text) if text else None
    for table in args.table:
        wanted = access.rules_table_input(table, f"{args.rules_root}{table}/")
        action, wanted = plan(wanted, _existing(current, table) if current else None)
        print(f"{action}\t{table}\t{json.dumps(wanted)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
