"""Per-unit prices (pricing/bedrock_unit_prices.csv): images, seconds of video, rerank queries.

Image, video and rerank models bill per unit, not per token. A row prices one unit of one kind;
image rows may be limited to a largest side (`max_size`) and a `quality`. Rows are chosen like
token rows (exact region, then exact routing, then exact quality, then the smallest max_size
that fits) and validated the same way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.numbers import whole_number
from bedrock_costs.contract.vocabulary import IMAGE_QUALITIES, ROUTINGS, SERVICE_TIERS, UNIT_KINDS
from bedrock_costs.io.csv_file import CsvRow, read_rows
from bedrock_costs.reference.price_file import parse_common, price_value

REQUIRED = ("model", "region", "routing", "unit", "price_per_unit", "effective_from")
OPTIONAL = ("tier", "max_size", "quality", "effective_to", "currency", "source")

# an image side in pixels: what the log reader reads (six digits)
MAX_IMAGE_SIZE = 1_000_000


@dataclass(frozen=True)
class UnitPriceRow:
    model: str
    region: str
    routing: str
    tier: str
    unit: str
    max_size: int | None
    quality: str
    price_per_unit: Decimal
    effective_from: date
    effective_to: date | None
    source: str
    row: int

    @property
    def specificity(self) -> tuple:
        """Higher first: exact region, exact routing, exact quality, then the smaller max_size."""
        return (
            self.region != "*",
            self.routing != "*",
            self.quality != "*",
            -(self.max_size or 10**9),
        )


def default_unit_pricing_path() -> str:
    return str(resources.files("bedrock_costs").joinpath("pricing", "bedrock_unit_prices.csv"))


def load_unit_prices(path: str | None) -> list[UnitPriceRow]:
    if path is None:
        return []
    rows = [_parse(r) for r in read_rows(path, required=REQUIRED, optional=OPTIONAL)]
    groups: dict[tuple, list[UnitPriceRow]] = defaultdict(list)
    for r in rows:
        groups[(r.model, r.region, r.routing, r.tier, r.unit, r.max_size, r.quality)].append(r)
    for group in groups.values():
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                if first.effective_from < (
                    second.effective_to or date.max
                ) and second.effective_from < (first.effective_to or date.max):
                    raise UsageError(
                        f"overlapping rows: rows {first.row} and {second.row} are "
                        "equally specific and their effective windows overlap",
                        file=path,
                        row=second.row,
                        column="effective_from",
                    )
    return rows


def _parse(row: CsvRow) -> UnitPriceRow:
    model, region, routing, tier, effective_from, effective_to = parse_common(
        row, required=REQUIRED, routings=(*ROUTINGS, "*"), tiers=SERVICE_TIERS
    )
    unit = row.values["unit"]
    if unit not in UNIT_KINDS:
        raise row.error("unit", f"expected one of {', '.join(UNIT_KINDS)}, got {unit!r}")
    size = row.values.get("max_size") or ""
    if size and whole_number(size, below=MAX_IMAGE_SIZE) is None:
        raise row.error(
            "max_size", f"expected a whole number of pixels below {MAX_IMAGE_SIZE}, got {size!r}"
        )
    quality = row.values.get("quality") or "*"
    if quality not in (*IMAGE_QUALITIES, "*"):
        raise row.error("quality", f"expected {', '.join(IMAGE_QUALITIES)} or *, got {quality!r}")
    return UnitPriceRow(
        model,
        region,
        routing,
        tier,
        unit,
        int(size) if size else None,
        quality,
        price_value(row, "price_per_unit"),
        effective_from,
        effective_to,
        row.values.get("source", ""),
        row.row,
    )
