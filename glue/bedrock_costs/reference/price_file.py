"""The pricing CSV (CONTRACT §2.2): parsed and validated whole before any log is read."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources

from bedrock_costs.contract import identifiers
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.numbers import BIGINT_LIMIT, whole_number
from bedrock_costs.contract.vocabulary import (
    AWS_SAMPLE_FORMAT,
    CURRENCY,
    OUR_FORMAT,
    ROUTING_PREFIXES,
    ROUTINGS,
    SERVICE_TIERS,
    STANDARD_TIER,
)
from bedrock_costs.io.csv_file import CsvRow, read_rows

REQUIRED = (
    "model",
    "region",
    "routing",
    "input_per_mtok",
    "output_per_mtok",
    "cache_read_per_mtok",
    "cache_write_per_mtok",
    "effective_from",
)
OPTIONAL = (
    "tier",
    "min_input_tokens",
    "effective_to",
    "currency",
    "source",
    "cache_write_1h_per_mtok",
)
HEADER = (
    "model",
    "region",
    "routing",
    "tier",
    "min_input_tokens",
    "input_per_mtok",
    "output_per_mtok",
    "cache_read_per_mtok",
    "cache_write_per_mtok",
    "cache_write_1h_per_mtok",
    "effective_from",
    "effective_to",
    "currency",
    "source",
)
PRICE_COLUMNS = ("input_per_mtok", "output_per_mtok", "cache_read_per_mtok", "cache_write_per_mtok")
# Prices are stored as DECIMAL(18,6) per million tokens, so one per token fits DECIMAL(12,12):
# the cost of any bigint token count is then exact in DECIMAL(32,12) without precision loss.
MAX_PRICE = Decimal("1000000")
_DECIMAL = re.compile(r"^(\d+\.?\d*|\.\d+)$")
_REGION = re.compile(identifiers.REGION)
_MODEL = re.compile(identifiers.PRICED_MODEL_ID)


@dataclass(frozen=True)
class PriceRow:
    model: str
    region: str
    routing: str
    tier: str
    min_input_tokens: int
    input_per_mtok: Decimal
    output_per_mtok: Decimal
    cache_read_per_mtok: Decimal
    cache_write_per_mtok: Decimal
    effective_from: date
    effective_to: date | None
    currency: str
    source: str
    row: int
    cache_write_1h_per_mtok: Decimal | None = None  # 1-hour TTL writes; None: not published

    @property
    def specificity(self) -> tuple[int, int, int]:
        """Higher wins: an exact region, then an exact routing, then a larger min_input_tokens."""
        return (self.region != "*", self.routing != "*", self.min_input_tokens)

    def overlaps(self, other: PriceRow) -> bool:
        far = date.max
        return self.effective_from < (other.effective_to or far) and other.effective_from < (
            self.effective_to or far
        )


def default_pricing_path() -> str:
    return str(resources.files("bedrock_costs").joinpath("pricing", "bedrock_prices.csv"))


def load_prices(path: str, *, fmt: str = OUR_FORMAT) -> list[PriceRow]:
    """Every row of a price file, validated as a whole (CONTRACT §2.2)."""
    if fmt == AWS_SAMPLE_FORMAT:
        from bedrock_costs.reference.aws_sample_price_file import load_aws_sample_prices

        rows = load_aws_sample_prices(path)
    else:
        rows = [_parse_row(r) for r in read_rows(path, required=REQUIRED, optional=OPTIONAL)]
    check_no_ambiguity(path, rows)
    return rows


def to_csv(rows: list[PriceRow]) -> str:
    """Rows in this project's CSV format (what `pricing convert` writes)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        values = {column: getattr(r, column) for column in HEADER}
        values["effective_from"] = r.effective_from.isoformat()
        values["effective_to"] = r.effective_to.isoformat() if r.effective_to else ""
        if r.cache_write_1h_per_mtok is None:
            values["cache_write_1h_per_mtok"] = ""
        writer.writerow(values)
    return out.getvalue()


def choose_row(
    rows: list[PriceRow],
    model: str,
    region: str,
    routing: str,
    tier: str,
    day: date,
    total_input: int,
) -> PriceRow | None:
    """The row CONTRACT §2.2 picks for a call (the same rule the job applies in Spark)."""
    candidates = [
        r
        for r in rows
        if r.model == model
        and r.tier == tier
        and r.region in ("*", region)
        and r.routing in ("*", routing)
        and r.effective_from <= day
        and (r.effective_to is None or day < r.effective_to)
        and (r.min_input_tokens == 0 or total_input > r.min_input_tokens)
    ]
    return max(candidates, key=lambda r: r.specificity, default=None)


def parse_common(
    row: CsvRow, *, required: tuple[str, ...], routings: tuple[str, ...], tiers: tuple[str, ...]
) -> tuple[str, str, str, str, date, date | None]:
    """The checks every price file shares: model, region, routing, tier, currency, window."""
    v = row.values
    for column in required:
        if not v.get(column):
            raise row.error(column, "a value is required")
    model = v["model"]
    if (
        model.split(".", 1)[0] in ROUTING_PREFIXES
        or model.startswith("arn:")
        or not _MODEL.match(model)
    ):
        raise row.error("model", f"expected a base model id without routing prefix, got {model!r}")
    region = v["region"]
    if region != "*" and not _REGION.match(region):
        raise row.error("region", f"expected a Region code such as us-east-1, or *, got {region!r}")
    routing = _choice(row, "routing", v["routing"], routings)
    tier = _choice(row, "tier", v.get("tier") or STANDARD_TIER, tiers)
    currency = v.get("currency") or CURRENCY
    if currency != CURRENCY:
        raise row.error("currency", f"only USD is supported, got {currency!r}")
    effective_from = _date(row, "effective_from")
    effective_to = _date(row, "effective_to") if v.get("effective_to") else None
    if effective_to is not None and effective_to <= effective_from:
        raise row.error("effective_to", "effective_to (exclusive) must be after effective_from")
    return model, region, routing, tier, effective_from, effective_to


def _parse_row(row: CsvRow) -> PriceRow:
    v = row.values
    model, region, routing, tier, effective_from, effective_to = parse_common(
        row, required=REQUIRED, routings=(*ROUTINGS, "*"), tiers=SERVICE_TIERS
    )
    return PriceRow(
        model,
        region,
        routing,
        tier,
        _min_input(row),
        price_value(row, "input_per_mtok"),
        price_value(row, "output_per_mtok"),
        price_value(row, "cache_read_per_mtok"),
        price_value(row, "cache_write_per_mtok"),
        effective_from,
        effective_to,
        CURRENCY,
        v.get("source", ""),
        row.row,
        price_value(row, "cache_write_1h_per_mtok") if v.get("cache_write_1h_per_mtok") else None,
    )


def _choice(row: CsvRow, column: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise row.error(column, f"expected one of {', '.join(allowed)}, got {value!r}")
    return value


def price_value(row: CsvRow, column: str) -> Decimal:
    text = row.values[column]
    if text.startswith("-"):
        raise row.error(column, f"a price cannot be negative, got {text!r}")
    if not _DECIMAL.match(text):
        raise row.error(column, f"expected a decimal number such as 3.75, got {text!r}")
    if len(text.partition(".")[2]) > 6:
        raise row.error(column, f"at most 6 decimal places are allowed, got {text!r}")
    value = Decimal(text)
    if value >= MAX_PRICE:
        raise row.error(
            column, f"a price per million tokens must be below {MAX_PRICE}, got {text!r}"
        )
    return value


def _min_input(row: CsvRow) -> int:
    text = row.values.get("min_input_tokens") or "0"
    value = whole_number(text)
    if value is None:
        raise row.error(
            "min_input_tokens",
            f"expected a whole number from 0 to {BIGINT_LIMIT - 1} in digits 0-9, got {text!r}",
        )
    return value


def _date(row: CsvRow, column: str) -> date:
    text = row.values[column]
    try:
        if not re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise row.error(column, f"expected an ISO date YYYY-MM-DD, got {text!r}") from None


def check_no_ambiguity(path: str, rows: list[PriceRow]) -> None:
    """Two rows that are equally specific for the same calls on the same day make a file invalid."""
    groups: dict[tuple, list[PriceRow]] = defaultdict(list)
    for r in rows:
        groups[(r.model, r.region, r.routing, r.tier, r.min_input_tokens)].append(r)
    for group in groups.values():
        group.sort(key=lambda r: r.effective_from)
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                if first.overlaps(second):
                    same = "duplicate rows" if _same_prices(first, second) else "overlapping rows"
                    raise UsageError(
                        f"{same}: rows {first.row} and {second.row} are equally specific "
                        f"({first.model}, region {first.region}, routing {first.routing}, "
                        f"tier {first.tier}, min_input_tokens {first.min_input_tokens}) and their "
                        f"effective windows overlap",
                        file=path,
                        row=second.row,
                        column="effective_from",
                    )


def _same_prices(a: PriceRow, b: PriceRow) -> bool:
    return all(
        getattr(a, c) == getattr(b, c)
        for c in (*PRICE_COLUMNS, "cache_write_1h_per_mtok", "effective_from", "effective_to")
    )
