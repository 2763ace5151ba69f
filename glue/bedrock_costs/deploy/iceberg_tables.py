"""The output tables in the Glue Data Catalog as Apache Iceberg tables, for deploy.sh (through
pyiceberg: the Iceberg metadata written under `<output><table>/metadata/`, the table entered
in Glue with `table_type=ICEBERG`, as Iceberg's own Glue catalog does in the jobs).

Per table, one of:
- create: a new table from schemas/ at `<output><table>/`, partitioned as the jobs write it;
- register: Iceberg metadata is already at that location (a deployment destroyed, the Glue
  database deleted): its newest version entered again, history and tag columns included;
- migrate: the catalog has the table as an earlier version defined it (Hive-style Parquet,
  partition projection): the definition replaced by an Iceberg table with the same columns;
  the next job run imports the old partition folders in one commit (io.catalog);
- update: an Iceberg table lacking a column deploy.sh declares (the Lake Formation tenant
  column), added by schema evolution;
- unchanged.
An Iceberg table somewhere else than `<output><table>/` is refused (exit 2): data is never moved.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from bedrock_costs.contract import schemas
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.schemas import TABLE_PROPERTIES
from bedrock_costs.deploy.plan import Plan
from bedrock_costs.io import locations

TABLES = ("invocations", "quarantine", "reconciliation", "allocations", "focus")
COMMENT_LIMIT = 255  # Glue's column comment limit: the catalogs copy each field's doc into Glue


class Refused(UsageError):
    """A table deploy.sh will not change (said in one line, exit 2)."""


def _iceberg_type(text: str, ids: list[int]) -> Any:
    """An Iceberg type for a schemas/ type text; `ids` hands out nested field ids."""
    from pyiceberg import types as t

    text = text.replace(" ", "")
    simple = {
        "string": t.StringType(),
        "bigint": t.LongType(),
        "int": t.IntegerType(),
        "boolean": t.BooleanType(),
        "double": t.DoubleType(),
        "date": t.DateType(),
        "timestamp": t.TimestamptzType(),  # Spark's TIMESTAMP: an instant, as the jobs write it
    }
    if text in simple:
        return simple[text]
    if text.startswith("decimal("):
        precision, scale = text[len("decimal(") : -1].split(",")
        return t.DecimalType(int(precision), int(scale))
    if text.startswith("array<"):
        ids[0] += 1
        element = ids[0]
        return t.ListType(element, _iceberg_type(text[len("array<") : -1], ids), False)
    if text.startswith("map<"):
        key, value = _split(text[len("map<") : -1])
        ids[0] += 2
        key_id, value_id = ids[0] - 1, ids[0]
        return t.MapType(
            key_id, _iceberg_type(key, ids), value_id, _iceberg_type(value, ids), False
        )
    if text.startswith("struct<"):
        fields = []
        for part in _split(text[len("struct<") : -1]):
            name, _, kind = part.partition(":")
            ids[0] += 1
            field_id = ids[0]
            fields.append(t.NestedField(field_id, name, _iceberg_type(kind, ids), required=False))
        return t.StructType(*fields)
    raise ValueError(f"no Iceberg type for {text!r}")


def _split(text: str) -> list[str]:
    """Top-level comma-separated parts of a type list (nested <> and () kept whole)."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def iceberg_schema(table: str, extra: tuple[tuple[str, str], ...] = ()) -> tuple[Any, Any]:
    """The table's Iceberg schema (its schema file, then `extra` (name, type) columns, then the
    partition key) and partition spec (identity on the key)."""
    from pyiceberg.partitioning import PartitionField, PartitionSpec
    from pyiceberg.schema import Schema
    from pyiceberg.transforms import IdentityTransform
    from pyiceberg.types import NestedField

    schema = schemas.load(table)
    columns = [
        *((c.name, c.type, c.description) for c in schema.columns),
        *((name, kind, "") for name, kind in extra),
        *((c.name, c.type, c.description) for c in schema.partition_keys),
    ]
    ids = [len(columns)]  # top-level fields 1..n, nested ones after them
    fields = [
        NestedField(
            i, name, _iceberg_type(kind, ids), required=False, doc=doc[:COMMENT_LIMIT] or None
        )
        for i, (name, kind, doc) in enumerate(columns, start=1)
    ]
    key = schema.partition_keys[0].name
    spec = PartitionSpec(
        PartitionField(len(columns), 1000, IdentityTransform(), key)  # the key is the last field
    )
    return Schema(*fields), spec


def catalog(environ: dict[str, str] | os._Environ[str]) -> Any:
    """pyiceberg's Glue catalog for the current AWS credentials; AWS_ENDPOINT_URL[_GLUE|_S3]
    point it at a moto_server in the tests."""
    from pyiceberg.catalog.glue import GlueCatalog

    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or ""
    properties = {"glue.region": region, "s3.region": region}
    glue = environ.get("AWS_ENDPOINT_URL_GLUE") or environ.get("AWS_ENDPOINT_URL")
    s3 = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    if glue:
        properties["glue.endpoint"] = glue
    if s3:
        properties |= {"s3.endpoint": s3, "s3.force-virtual-addressing": "false"}
    if environ.get("AWS_PROFILE"):
        properties["glue.profile-name"] = environ["AWS_PROFILE"]
    return GlueCatalog("glue", **properties)


def plan(
    existing: dict | None, table: str, location: str, declared: tuple[str, ...] = ()
) -> tuple[str, str]:
    """What to do with one table given its GetTable definition (None: absent): an action and
    what it concerns (a metadata file, the columns added)."""
    wanted = location.rstrip("/")
    if existing is None:
        metadata = locations.latest_metadata(wanted)
        return ("register", metadata) if metadata else ("create", "")
    parameters = existing.get("Parameters") or {}
    have_location = (existing.get("StorageDescriptor") or {}).get("Location", "").rstrip("/")
    if parameters.get("table_type", "").upper() != "ICEBERG":
        return "migrate", "from the Hive-style definition; the next job run imports its rows"
    if have_location != wanted:
        raise Refused(
            f"glue table {table} is an Iceberg table at {have_location}, not {wanted}: the "
            "tables stay where their data is (deploy with that --output)"
        )
    names = {c["Name"] for c in (existing.get("StorageDescriptor") or {}).get("Columns", [])}
    missing = [c for c in declared if c not in names]
    return ("update", "add " + ", ".join(missing)) if missing else ("unchanged", "")


def _hive_extra(existing: dict, table: str) -> tuple[tuple[str, str], ...]:
    """The columns an earlier version's definition has beyond the schema (the jobs' tags)."""
    schema = schemas.load(table)
    names = {*schema.names, *(c.name for c in schema.partition_keys)}
    columns = (existing.get("StorageDescriptor") or {}).get("Columns", [])
    return tuple((c["Name"], c["Type"]) for c in columns if c["Name"] not in names)


def apply(
    glue: Any,
    database: str,
    table: str,
    action: str,
    location: str,
    declared: tuple[str, ...],
    existing: dict | None,
) -> None:
    """Carry out one table's planned action through pyiceberg's Glue catalog."""
    from pyiceberg.types import StringType

    identifier = (database, table)
    wanted = location.rstrip("/")
    if action == "register":
        glue.register_table(identifier, locations.latest_metadata(wanted))
        action = "update"  # and the declared columns, if it lacks them
    elif action in ("create", "migrate"):
        extra: tuple[tuple[str, str], ...] = ()
        if action == "migrate" and existing is not None:
            extra = _hive_extra(existing, table)
            glue.drop_table(identifier)  # the definition only: Glue deletes no data
        extra += tuple((c, "string") for c in declared if c not in {n for n, _ in extra})
        schema, spec = iceberg_schema(table, extra)
        glue.create_table(
            identifier, schema, location=wanted, partition_spec=spec, properties=TABLE_PROPERTIES
        )
        return
    if action == "update":
        handle = glue.load_table(identifier)
        have = {f.name for f in handle.schema().fields}
        missing = [c for c in declared if c not in have]
        if missing:
            with handle.update_schema() as update:
                for name in missing:
                    update.add_column(name, StringType())


@dataclass(frozen=True)
class Planned:
    table: str
    action: str
    detail: str  # a metadata file, the columns added
    location: str
    declared: tuple[str, ...]  # the columns deploy.sh declares on it


def plan_tables(
    found: dict[str, dict], output: str, tag_columns: tuple[str, ...] = ()
) -> list[Planned]:
    """Every output table's action, given the catalog's definitions by name; `tag_columns`
    declared on `invocations`. Raises Refused before anything is done."""
    planned = []
    for table in TABLES:
        declared = tag_columns if table == "invocations" else ()
        location = f"{output.rstrip('/')}/{table}"
        action, detail = plan(found.get(table), table, location, declared)
        planned.append(Planned(table, action, detail, location, declared))
    return planned


def apply_tables(
    database: str, planned: list[Planned], found: dict[str, dict], steps: Plan
) -> None:
    """Carry out the planned actions (none with a dry run), one plan line per table."""
    glue = None if steps.dry_run else catalog(os.environ)
    for p in planned:
        if glue is not None and p.action != "unchanged":
            apply(glue, database, p.table, p.action, p.location, p.declared, found.get(p.table))
        detail = f": {p.detail}" if p.detail else ""
        steps.say(p.action, f"glue table {database}.{p.table} (iceberg{detail})")
