"""docs/tables.md, generated from schemas/*.json and schemas/vocabulary.json (a test fails when
the committed page differs): `python -m bedrock_costs.contract.table_docs > docs/tables.md`."""

from __future__ import annotations

import json
from importlib import resources

from bedrock_costs.contract import schemas, vocabulary

OUTPUT_TABLES = ("invocations", "quarantine", "reconciliation", "allocations", "focus")
HEADER = """# Output tables

<!-- generated from schemas/*.json and schemas/vocabulary.json by
     `python -m bedrock_costs.contract.table_docs > docs/tables.md`: edit those, not this -->

Apache Iceberg v2 tables (snappy Parquet data files) at `--output/<table>`, partitioned as each
section says, registered in the catalog database (`--database`, default `bedrock_costs`): the Glue
Data Catalog in AWS Glue, the embedded catalog `<output>/_catalog/catalog.db` locally. Read them
through a catalog or a metadata file, never by globbing the Parquet files: a table's folder also
holds files that earlier snapshots replaced (docs/operations.md, "Reading the tables"). These
files are the one source of the Spark writers, the table definitions, the data-quality checks
and this page. Money is DECIMAL everywhere; timestamps are UTC instants.
"""


def _raw(table: str) -> dict:
    text = resources.files("bedrock_costs").joinpath("schemas", f"{table}.json").read_text()
    return json.loads(text)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _values(column: schemas.Column) -> str:
    return ", ".join(f"`{v}`" for v in column.allowed)


def table_section(table: str) -> list[str]:
    schema, raw = schemas.load(table), _raw(table)
    lines = [f"## `{table}`", "", schema.description, ""]
    lines += [*[f"{note}\n" for note in raw.get("notes", [])]]
    lines += ["| column | type | allowed values | notes |", "|---|---|---|---|"]
    for column in (*schema.columns, *schema.partition_keys):
        lines.append(
            f"| `{column.name}` | {_cell(column.type)} | {_values(column)} | "
            f"{_cell(column.comment)} |"
        )
    for dynamic in raw.get("dynamic_columns", []):
        lines.append(
            f"| `{dynamic['pattern']}` | {dynamic['type']} |  | {_cell(dynamic['comment'])} |"
        )
    return [*lines, ""]


def vocabulary_section() -> list[str]:
    lines = [
        "## Allowed values",
        "",
        "Every value a column, an input file or an option may hold, declared once in "
        "`schemas/vocabulary.json`.",
        "",
    ]
    for vocab in vocabulary.vocabularies().values():
        lines += [f"### {vocab.name}", "", vocab.description, ""]
        lines += ["| value | meaning |", "|---|---|"]
        lines += [f"| `{value}` | {_cell(meaning)} |" for value, meaning in vocab.meanings.items()]
        lines.append("")
    return lines


def render() -> str:
    parts = [HEADER]
    for table in OUTPUT_TABLES:
        parts.append("\n".join(table_section(table)))
    parts.append("\n".join(vocabulary_section()))
    return "\n".join(parts).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
