"""A synthetic CUR 2.0 export billing exactly the sample calls, plus planted discrepancies.

The bill is built from what each generated call is billed for (`sample_traffic.Billed`), priced
with the shipped price tables in Python — an oracle independent of the Spark job. On top of
that, discrepancies a reconciliation must find are planted (the constants below say where):

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
from bedrock_costs.sample.cur_lines import MILLION, billed_line, cur_row
from bedrock_costs.sample.traffic import ACCOUNTS, Billed

EXPORT_NAME = "bedrock-costs-demo"
BUCKET_URI = f"s3://example-cur-bucket/cur/{EXPORT_NAME}"
# What is planted (days count from the first sample day):
LOGS_MISSING = (ACCOUNTS[1], "eu-west-1", "amazon.nova-lite-v1:0")  # account, Region, model
PRICE_CHANGE = ("us-east-1", "amazon.nova-micro-v1:0")  # from day 3, 1.2 x the table's price
PRICE_CHANGE_DAY, PRICE_FACTOR = 3, Decimal("1.2")
CREDIT = (ACCOUNTS[0], Decimal("-25.00"))  # account, amount (and a tax line of TAX)
TAX = Decimal("3.10")
UNIT_CHANGE = ("us-east-1", "amazon.nova-pro-v1:0", "output")  # 1M tokens from day 2
UNIT_CHANGE_DAY = 2
UNMAPPED = "USE1-NovaSonic-speech-input-tokens"


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

    def add(self, account: str, region: str, day: date, principal: str, billed: Billed) -> None:
        if billed.model is None or not (billed.images or any(billed.tokens.values())):
            return  # not billed per call, or failed: nothing to bill
        key = (day, account, region, principal, billed.model, billed.routing)
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
    rows = [*_usage_rows(book, first), *_planted_rows(first, last), *_other_service_rows(first)]
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
    for (day, account, region, principal, model, routing, kind, sku), line in sorted(
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
            )
        )
    return rows


def _planted_rows(first: date, last: date) -> list[dict]:
    account, region, model = LOGS_MISSING
    role = f"arn:aws:sts::{account}:assumed-role/SearchServiceRole/svc-prod"
    rows = []
    day = first
    while day <= last:
        n = (day - first).days
        for kind, tokens, per_mtok in (
            ("input", 2_400_000 + 10_000 * n, Decimal("0.078")),
            ("output", 380_000 + 1_000 * n, Decimal("0.312")),
        ):
            usage = Decimal(tokens)
            rows.append(
                billed_line(
                    day,
                    account,
                    region,
                    role,
                    model,
                    "in_region",
                    kind,
                    "",
                    usage,
                    usage * per_mtok / MILLION,
                    per_mtok,
                )
            )
        usage = Decimal(150_000)
        rows.append(
            cur_row(
                day,
                ACCOUNTS[0],
                UNMAPPED,
                "Usage",
                "AmazonBedrock",
                "Amazon Bedrock",
                "AWS",
                "us-east-1",
                f"arn:aws:sts::{ACCOUNTS[0]}:assumed-role/SupportBotRole/svc-prod",
                usage / 1000,
                "1K tokens",
                Decimal("0.0034"),
                usage * Decimal("0.0034") / 1000,
                "Amazon Bedrock speech input tokens",
            )
        )
        day += timedelta(days=1)
    credit_account, credit = CREDIT
    middle = first + (last - first) / 2
    for line_type, amount, description in (
        ("Credit", credit, "AWS promotional credit applied to Amazon Bedrock Service"),
        ("Tax", TAX, "Tax for Amazon Bedrock Service"),
    ):
        usage_type = (
            "USE1-Claude4.5Sonnet-input-tokens-cross-region-global" if line_type == "Credit" else ""
        )
        rows.append(
            cur_row(
                middle,
                credit_account,
                usage_type,
                line_type,
                "AmazonBedrockService",
                "Amazon Bedrock Service",
                "AWS",
                "us-east-1" if usage_type else None,
                None,
                Decimal(0),
                None,
                None,
                amount,
                description,
            )
        )
    return rows


def _other_service_rows(first: date) -> list[dict]:
    """Not Bedrock: what a real export is mostly made of, and reconciliation must leave out."""
    return [
        cur_row(
            first,
            ACCOUNTS[0],
            "USE1-TimedStorage-ByteHrs",
            "Usage",
            "AmazonS3",
            "Amazon Simple Storage Service",
            "AWS",
            "us-east-1",
            None,
            Decimal("12.5"),
            "GB-Mo",
            Decimal("0.023"),
            Decimal("0.2875"),
            "S3 storage for invocation logs",
        ),
        cur_row(
            first,
            ACCOUNTS[1],
            "USE1-BoxUsage:m5.large",
            "Usage",
            "AmazonEC2",
            "Amazon Elastic Compute Cloud",
            "AWS",
            "us-east-1",
            None,
            Decimal(24),
            "Hrs",
            Decimal("0.096"),
            Decimal("2.304"),
            "m5.large On Demand Linux",
        ),
    ]


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
