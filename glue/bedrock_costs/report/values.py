"""What the report's figures share: how many rows an aggregate may bring to the driver, and
values made JSON-ready (money stays exact: decimals travel as text)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pyspark.sql import DataFrame, Row

MAX_ROWS = 100_000  # of any aggregate brought to the driver (days x models stays far below)


def plain(value: Any) -> Any:
    """Decimals as exact text, dates as ISO text, for JSON."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return format(value, "f")  # positional: 0E-12 would be 0.000000000000
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def one_row(aggregate: DataFrame) -> Row:
    """The single row of an aggregate without grouping (Spark always returns one)."""
    row = aggregate.first()
    if row is None:
        raise RuntimeError("an aggregate without grouping returned no row")
    return row
