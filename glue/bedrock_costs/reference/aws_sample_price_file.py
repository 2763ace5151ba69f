"""Reading the AWS sample solution's pricing.csv (migration from converse-metadata-cost-reporting).

Its columns are `model_id,input_cost,output_cost,cache_write,cache_read,start_date,end_date`,
USD per million tokens, dates `MM-DD-YYYY` with **both ends inclusive**. Its `model_id` is
matched against the logged id after the last `/`, routing prefix included, so `us.<id>` prices
geographic calls only and a plain id prices in-Region calls only; we keep that meaning.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from bedrock_costs.contract.vocabulary import (
    CURRENCY,
    GEO,
    GLOBAL,
    IN_REGION,
    ROUTING_PREFIXES,
    STANDARD_TIER,
)
from bedrock_costs.io.csv_file import CsvRow, read_rows
from bedrock_costs.reference.price_file import PriceRow, price_value

COLUMNS = (
    "model_id",
    "input_cost",
    "output_cost",
    "cache_write",
    "cache_read",
    "start_date",
    "end_date",
)
WARNING = (
    "{path}: AWS sample format: its end dates are inclusive; each was converted to an "
    "exclusive effective_to one day later, so a price change day listed in two rows is an overlap"
)


def load_aws_sample_prices(path: str) -> list[PriceRow]:
    return [_convert(row) for row in read_rows(path, required=COLUMNS[:6], optional=COLUMNS[6:])]


def _convert(row: CsvRow) -> PriceRow:
    model_id = row.values["model_id"]
    if not model_id:
        raise row.error("model_id", "a value is required")
    prefix, _, rest = model_id.partition(".")
    if prefix == GLOBAL:
        model, routing = rest, GLOBAL
    elif prefix in ROUTING_PREFIXES:
        model, routing = rest, GEO
    else:
        model, routing = model_id.rsplit("/", 1)[-1], IN_REGION
    start = _date(row, "start_date")
    end = _date(row, "end_date") if row.values.get("end_date") else None
    if end is not None and end < start:
        raise row.error("end_date", "end_date is before start_date")
    return PriceRow(
        model=model,
        region="*",
        routing=routing,
        tier=STANDARD_TIER,
        min_input_tokens=0,
        input_per_mtok=price_value(row, "input_cost"),
        output_per_mtok=price_value(row, "output_cost"),
        cache_read_per_mtok=price_value(row, "cache_read"),
        cache_write_per_mtok=price_value(row, "cache_write"),
        effective_from=start,
        effective_to=end + timedelta(days=1) if end else None,
        currency=CURRENCY,
        source=f"converted from AWS sample pricing.csv row {row.row}",
        row=row.row,
    )


def _date(row: CsvRow, column: str) -> date:
    text = row.values[column]
    match = re.match(r"^(\d{2})-(\d{2})-(\d{4})$", text)
    try:
        if not match:
            raise ValueError
        return date(int(match[3]), int(match[1]), int(match[2]))
    except ValueError:
        raise row.error(column, f"expected a date MM-DD-YYYY, got {text!r}") from None
