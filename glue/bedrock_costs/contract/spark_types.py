"""Hive/Athena type text of schemas/*.json as Spark types (kept apart from schemas.py so that
reading a schema needs no Spark: deploy.sh's helpers run where pyspark may not be installed)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pyspark.sql import types as T

_PRIMITIVES: dict[str, T.DataType] = {
    "string": T.StringType(),
    "bigint": T.LongType(),
    "int": T.IntegerType(),
    "boolean": T.BooleanType(),
    "double": T.DoubleType(),
    "date": T.DateType(),
    "timestamp": T.TimestampType(),
}


def schema(columns: Iterable[tuple[str, str, bool]]) -> T.StructType:
    """(name, type text, nullable) triples as a Spark schema."""
    return T.StructType(
        [T.StructField(name, parse_type(text), nullable) for name, text, nullable in columns]
    )


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
