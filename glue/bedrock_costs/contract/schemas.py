"""Table schemas loaded from schemas/*.json: the one source for reader, writer and catalog."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from pyspark.sql import types as T

from bedrock_costs.contract import vocabulary

_PRIMITIVES: dict[str, T.DataType] = {
    "string": T.StringType(),
    "bigint": T.LongType(),
    "int": T.IntegerType(),
    "boolean": T.BooleanType(),
    "double": T.DoubleType(),
    "date": T.DateType(),
    "timestamp": T.TimestampType(),
}


TAG_PREFIX = "tag_"  # tag_<key>: one column per promoted requestMetadata key
PROFILE_TAG_PREFIX = "profile_tag_"  # profile_tag_<key>: one per application-profile tag key


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

    def spark_type(self, extra: tuple[Column, ...] = ()) -> T.StructType:
        """Data columns (plus extra ones), then partition keys, as a Spark schema."""
        cols = (*self.columns, *extra, *self.partition_keys)
        return T.StructType([T.StructField(c.name, parse_type(c.type), c.nullable) for c in cols])


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


def parse_type(text: str) -> T.DataType:
    """Hive/Athena type text (`decimal(38,12)`, `map<string,string>`, `struct<a:b>`) to Spark."""
    parsed, rest = _parse(text.replace(" ", ""))
    if rest:
        raise ValueError(f"unexpected {rest!r} after a type in {text!r}")
    return parsed


def _parse(text: str) -> tuple[T.DataType, str]:
    if m := re.match(r"decimal\((\d+),(\d+)\)", text):
        return T.DecimalType(int(m[1]), int(m[2])), text[m.end() :]
    for prefix in ("map<", "array<", "struct<"):
        if text.startswith(prefix):
            return _parse_nested(prefix[:-1], text[len(prefix) :])
    m = re.match(r"[a-z]+", text)
    if not m or m[0] not in _PRIMITIVES:
        raise ValueError(f"unknown type at {text!r}")
    return _PRIMITIVES[m[0]], text[m.end() :]


def _parse_nested(kind: str, text: str) -> tuple[T.DataType, str]:
    if kind == "array":
        element, text = _parse(text)
        return T.ArrayType(element), _expect(text, ">")
    if kind == "map":
        key, text = _parse(text)
        value, text = _parse(_expect(text, ","))
        return T.MapType(key, value), _expect(text, ">")
    fields = []
    while True:
        m = re.match(r"([A-Za-z_][A-Za-z0-9_]*):", text)
        if not m:
            raise ValueError(f"expected a field name at {text!r}")
        field_type, text = _parse(text[m.end() :])
        fields.append(T.StructField(m[1], field_type))
        if text.startswith(","):
            text = text[1:]
            continue
        return T.StructType(fields), _expect(text, ">")


def _expect(text: str, token: str) -> str:
    if not text.startswith(token):
        raise ValueError(f"expected {token!r} at {text!r}")
    return text[len(token) :]
