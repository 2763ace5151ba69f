"""Glue Data Catalog definitions deploy.sh writes with the Glue API itself: the access file's
QuickSight rules tables (CSV folders under the artifacts). The jobs' output tables are Iceberg
tables (deploy.iceberg_tables).

A definition is merged with what the catalog already has (parameters and columns Glue or
another tool added are kept), so redeploying changes only what deploy.sh defines.
"""

from __future__ import annotations

from typing import Any

from bedrock_costs.deploy import access
from bedrock_costs.deploy.plan import Plan


def compare(wanted: dict, existing: dict | None) -> tuple[str, dict]:
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


def ensure_rules_tables(
    glue: Any, database: str, found: dict[str, dict], rules_root: str, steps: Plan
) -> None:
    """The access file's rules tables over their folders under `rules_root` (s3://…/),
    given the catalog's definitions by name: created, updated or left alone."""
    for table in access.RULE_COLUMNS:
        wanted = access.rules_table_input(table, f"{rules_root}{table}/")
        action, wanted = compare(wanted, found.get(table))
        steps.say(action, f"glue table {database}.{table}")
        request = {"DatabaseName": database, "TableInput": wanted}
        if action == "update":
            steps.record("glue", "UpdateTable", request)
        if steps.dry_run or action == "unchanged":
            continue
        (glue.create_table if action == "create" else glue.update_table)(**request)
