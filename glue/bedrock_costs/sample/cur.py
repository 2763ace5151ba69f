"""A synthetic CUR 2.0 export billing exactly the sample calls, plus planted discrepancies.

Lines are per day x account x Region x principal x application profile x model x routing x kind,
each with the tags AWS would attach (`resource_tags`: the profile's cost allocation tags and the
principal's `iamPrincipal/` tags; sample/routes.py says which).

The bill is built from what each generated call is billed for (`sample_traffic.Billed`), priced
with the shipped price tables in Python — an oracle independent of the Spark job. On top of
that, discrepancies a reconciliation must find are planted (sample/planted.py says where):

- logs_missing: a Region billed for Nova Lite whose invocation logs were never delivered;
- price_change: Nova Micro in us-east-1 billed at a higher rate from the 4th sample day,
  which the price table does not know;
- marketplace: Claude 3.5 Haiku billed through AWS Marketplace (`MP:` usage types, `Units`);
- credit: a promotional credit, and a tax line, beside the usage;
- unit_change: Nova Pro output in us-east-1 switching from `1K tokens` to `1M tokens`;
- unmapped: a billing name no row of pricing/model_names.csv maps.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from pyspark.sql import SparkSession

from bedrock_costs.contract import schemas
from bedrock_costs.reference.price_file import (
    PriceRow,
    choose_row,
    default_pricing_path,
    load_prices,
)
from bedrock_costs.reference.unit_price_file import (
    UnitPriceRow,
    default_unit_pricing_path,
    load_unit_prices,
)
from bedrock_costs.sample.cur_lines import MILLION, billed_line
from bedrock_costs.sample.planted import (
    PRICE_CHANGE,
    PRICE_CHANGE_DAY,
    PRICE_FACTOR,
    UNIT_CHANGE,
    UNIT_CHANGE_DAY,
    other_service_rows,
    planted_rows,
)
from bedrock_costs.sample.traffic import Billed

EXPORT_NAME = "bedrock-costs-demo"
BUCKET_URI = f"s3://example-cur-bucket/cur/{EXPORT_NAME}"


@dataclass
class Line:
    usage: Decimal = Decimal(0)  # tokens, or images
    cost: Decimal = Decimal(0)
    rate: Decimal | None = None  # USD per million tokens, or per image


@dataclass
class BillBook:
    """Billed usage per day x account x Region x principal x model x routing x kind (x SKU)."""

    prices: list[PriceRow] = field(default_factory=lambda: load_prices(default_pricing_path()))
    unit_prices: list[UnitPriceRow] = field(
        default_factory=lambda: load_unit_prices(default_unit_pricing_path())
    )
    lines: dict[tuple, Line] = field(default_factory=lambda: defaultdict(Line))

    def add(
        self, account: str, region: str, day: date, principal: str, billed: Billed, resource: str
    ) -> None:
        """Bill one call; `resource` is the application profile it used ("" for none)."""
        if billed.model is None or not (billed.images or any(billed.tokens.values())):
            return  # not billed per call, or failed: nothing to bill
        key = (day, account, region, principal, resource, billed.model, billed.routing)
        if billed.images:
            count, side, quality = billed.images
            price = self._image_price(billed.model, region, day, side, quality)
            line = self.lines[(*key, "image", f"{1024 if side > 512 else 512}-{quality}")]
            line.usage += count
            line.cost += count * price
            line.rate = price
            return
        tokens = billed.tokens
        row = choose_row(
            self.prices,
            billed.model,
            region,
            billed.routing,
            "standard",
            day,
            tokens["input"] + tokens["cache_read"] + tokens["cache_write"],
        )
        if row is None:
            raise ValueError(f"the sample bills {billed.model} but no price row matches")
        one_hour = row.cache_write_1h_per_mtok or row.cache_write_per_mtok
        for kind, count, per_mtok in (
            ("input", tokens["input"], row.input_per_mtok),
            ("output", tokens["output"], row.output_per_mtok),
            ("cache_read", tokens["cache_read"], row.cache_read_per_mtok),
            (
                "cache_write",
                tokens["cache_write"] - billed.cache_write_1h,
                row.cache_write_per_mtok,
            ),
            ("cache_write_1h", billed.cache_write_1h, one_hour),
        ):
            if count:
                line = self.lines[(*key, kind, "")]
                line.usage += count
                line.cost += count * per_mtok / MILLION
                line.rate = per_mtok

    def _image_price(self, model: str, region: str, day: date, side: int, quality: str) -> Decimal:
        fits = [
            r
            for r in self.unit_prices
            if r.model == model
            and r.region in ("*", region)
            and r.quality in ("*", quality)
            and (r.max_size is None or side <= r.max_size)
            and r.effective_from <= day
            and (r.effective_to is None or day < r.effective_to)
        ]
        return max(fits, key=lambda r: r.specificity).price_per_unit


def write_cur(spark: SparkSession, root: Path, book: BillBook, first: date, last: date) -> dict:
    """Write the export under `root` (data/ and metadata/ per billing period); return counts."""
    rows = [*_usage_rows(book, first), *planted_rows(first, last), *other_service_rows(first)]
    by_period: dict[str, list[dict]] = defaultdict(list)
    for values in rows:
        by_period[values["line_item_usage_start_date"].strftime("%Y-%m")].append(values)
    columns = schemas.load("cur2").columns
    for period, period_rows in sorted(by_period.items()):
        _write_period(
            spark, root, period, [tuple(r.get(c.name) for c in columns) for r in period_rows]
        )
    return {"cur_lines": len(rows), "cur_periods": len(by_period)}


def _usage_rows(book: BillBook, first: date) -> list[dict]:
    rows = []
    for (day, account, region, principal, resource, model, routing, kind, sku), line in sorted(
        book.lines.items()
    ):
        cost, rate = line.cost, line.rate
        if (region, model) == PRICE_CHANGE and day >= first + timedelta(days=PRICE_CHANGE_DAY):
            cost, rate = cost * PRICE_FACTOR, (rate or Decimal(0)) * PRICE_FACTOR
        per_million = (region, model, kind) == UNIT_CHANGE and (
            day >= first + timedelta(days=UNIT_CHANGE_DAY)
        )
        rows.append(
            billed_line(
                day,
                account,
                region,
                principal,
                model,
                routing,
                kind,
                sku,
                line.usage,
                cost,
                rate,
                per_million=per_million,
                resource=resource or None,
            )
        )
    return rows


def _write_period(spark: SparkSession, root: Path, period: str, rows: list[tuple]) -> None:
    data = root / "data" / f"BILLING_PERIOD={period}"
    staging = root / "_writing" / period
    (
        spark.createDataFrame(rows, schemas.load("cur2").spark_type())
        .coalesce(1)
        .write.mode("overwrite")
        .option("compression", "snappy")
        .parquet(str(staging.resolve()))
    )
    data.mkdir(parents=True, exist_ok=True)
    for old in data.glob("*.parquet"):
        old.unlink()
    name = f"{EXPORT_NAME}-00001.snappy.parquet"
    next(staging.glob("part-*.parquet")).replace(data / name)
    for leftover in sorted(staging.parent.rglob("*"), reverse=True):
        leftover.rmdir() if leftover.is_dir() else leftover.unlink()
    staging.parent.rmdir()
    metadata = root / "metadata" / f"BILLING_PERIOD={period}"
    metadata.mkdir(parents=True, exist_ok=True)
    manifest = {
        "exportName": EXPORT_NAME,
        "billingPeriod": period,
        "dataFiles": [f"{BUCKET_URI}/data/BILLING_PERIOD={period}/{name}"],
        "columns": [{"name": c.name, "type": c.type} for c in schemas.load("cur2").columns],
    }
    (metadata / f"{EXPORT_NAME}-Manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
