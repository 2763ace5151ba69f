"""Table schemas loaded from schemas/*.json: the one source for reader, writer and catalog."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from bedrock_costs.contract import vocabulary

if TYPE_CHECKING:  # Spark is loaded only where a Spark schema is built (deploy helpers need none)
    from pyspark.sql.types import StructType

TAG_PREFIX = "tag_"  # tag_<key>: one column per promoted requestMetadata key
PROFILE_TAG_PREFIX = "profile_tag_"  # profile_tag_<key>: one per application-profile tag key
BILL_TAG_PREFIX = "bill_tag_"  # bill_tag_<key>: a CUR cost allocation tag (user:, aws:)
BILL_PRINCIPAL_TAG_PREFIX = "bill_principal_tag_"  # a CUR iamPrincipal/ tag
# Every output table is an Apache Iceberg v2 table with these properties, whoever creates it (a
# job through Spark, deploy.sh through pyiceberg): snappy Parquet as before Iceberg; each run
# writes its own task layout (io.partitions), so Iceberg adds no shuffle of its own; format v2 is
# what Athena, Lake Formation and pyiceberg read.
TABLE_PROPERTIES = {
    "format-version": "2",
    "write.parquet.compression-codec": "snappy",
    "write.distribution-mode": "none",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    comment: str = ""
    values: tuple[str, ...] = ()  # the vocabularies of its allowed values (vocabulary.json)

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(v for name in self.values for v in vocabulary.values(name))

    @property
    def description(self) -> str:
        """The comment, then the allowed values when the column has a vocabulary."""
        if not self.values:
            return self.comment
        allowed = "one of " + ", ".join(self.allowed)
        return f"{allowed}; {self.comment}" if self.comment else allowed


@dataclass(frozen=True)
class TableSchema:
    table: str
    description: str
    columns: tuple[Column, ...]
    partition_keys: tuple[Column, ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in (*self.columns, *self.partition_keys) if c.name == name)

    def spark_type(self, extra: tuple[Column, ...] = ()) -> StructType:
        """Data columns (plus extra ones), then partition keys, as a Spark schema."""
        from bedrock_costs.contract.spark_types import schema

        return schema(
            (c.name, c.type, c.nullable) for c in (*self.columns, *extra, *self.partition_keys)
        )


@cache
def load(table: str) -> TableSchema:
    text = resources.files("bedrock_costs").joinpath("schemas", f"{table}.json").read_text()
    raw = json.loads(text)

    def columns(key: str) -> tuple[Column, ...]:
        return tuple(
            Column(c["name"], c["type"], c.get("nullable", True), c.get("comment", ""), _names(c))
            for c in raw.get(key, [])
        )

    return TableSchema(
        raw["table"], raw.get("description", ""), columns("columns"), columns("partition_keys")
    )


def _names(column: dict) -> tuple[str, ...]:
    values = column.get("values", ())
    return (values,) if isinstance(values, str) else tuple(values)
