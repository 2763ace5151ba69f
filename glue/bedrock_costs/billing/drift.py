"""Price drift: the rate CUR bills per usage type against the row our price table would use.

Per day x Region x model x token class x routing x tier, the billed rate per million tokens is
the CUR unblended rate (normalised by the pricing unit) when all lines agree on it, else cost /
usage. A rate differing from our price by more than 0.05 % (or with no price row at all) is
drift. For each drifting price key, the proposed correction is a price row effective from the
first day of the final run of days billed at the new rate, with the drifting kinds replaced and
the others kept; a row with the same key that is still open then is closed on that day.
History before that day is never rewritten.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pyspark.sql import DataFrame, Row
from pyspark.sql import functions as F

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.vocabulary import TOKEN_KINDS, USAGE
from bedrock_costs.reference.price_file import PriceRow, choose_row
from bedrock_costs.reference.price_refresh import Refresh

DRIFT_SHARE = Decimal("0.0005")
MAX_RATES = 200_000
_COLUMN = {kind: f"{kind}_per_mtok" for kind in TOKEN_KINDS}  # token kind -> price column


@dataclass(frozen=True)
class Drift:
    region: str
    model: str
    token_kind: str
    routing: str  # global or regional
    tier: str
    since: date
    billed_per_mtok: Decimal
    table_per_mtok: Decimal | None
    days: int

    def to_dict(self) -> dict:
        return {
            **dataclasses.asdict(self),
            "since": self.since.isoformat(),
            "billed_per_mtok": str(self.billed_per_mtok),
            "table_per_mtok": None if self.table_per_mtok is None else str(self.table_per_mtok),
        }


def billed_rates(lines: DataFrame) -> DataFrame:
    """Billed rate per million tokens per day and price key: a small aggregate of the CUR."""
    per_mtok = F.col("unblended_rate") * F.lit(1_000_000) / F.col("unit_multiplier")
    return (
        lines.where(
            (F.col("charge_category") == USAGE)
            & F.col("model").isNotNull()
            & F.col("token_kind").isin(*TOKEN_KINDS)
            & (F.col("usage") > 0)
        )
        .groupBy("usage_date", "region", "model", "token_kind", "routing", "tier")
        .agg(
            F.min(per_mtok).alias("low"),
            F.max(per_mtok).alias("high"),
            F.sum("unblended_cost").alias("cost"),
            F.sum("usage").alias("usage"),
        )
    )


def find_drift(rates: DataFrame, prices: list[PriceRow]) -> list[Drift]:
    rows = rates.take(MAX_RATES + 1)
    if len(rows) > MAX_RATES:
        raise UsageError(f"more than {MAX_RATES:,} billed rates in one period")
    series: dict[tuple, list[tuple[date, Decimal, Decimal | None]]] = defaultdict(list)
    for r in rows:
        billed = _plain(
            Decimal(r["low"])
            if r["low"] is not None and r["low"] == r["high"]
            else (Decimal(r["cost"]) * 1_000_000 / Decimal(r["usage"])).quantize(Decimal("1E-9"))
        )
        ours = _table_price(prices, r, r["usage_date"])
        series[(r["region"], r["model"], r["token_kind"], r["routing"], r["tier"])].append(
            (r["usage_date"], billed, ours)
        )
    found = []
    for key, days in sorted(series.items()):
        days.sort()
        last_day, last_billed, last_ours = days[-1]
        if not _differs(last_billed, last_ours):
            continue
        since = last_day
        for day, billed, ours in reversed(days):
            if billed != last_billed or not _differs(billed, ours):
                break
            since = day
        count = sum(1 for d, b, o in days if d >= since)
        region, model, kind, routing, tier = key
        found.append(
            Drift(region, model, kind, routing, tier, since, last_billed, last_ours, count)
        )
    return found


def _plain(value: Decimal) -> Decimal:
    """Without trailing zeros or an exponent: 1.200000000 -> 1.2, 12.0 -> 12."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value  # type: ignore[operator]


def _table_price(prices: list[PriceRow], r: Row, day: date) -> Decimal | None:
    routing = "global" if r["routing"] == "global" else "in_region"
    row = choose_row(prices, r["model"], r["region"], routing, r["tier"], day, 0)
    if row is None:
        return None
    if r["token_kind"] == "cache_write_1h":
        return row.cache_write_1h_per_mtok or row.cache_write_per_mtok
    price: Decimal = getattr(row, _COLUMN[r["token_kind"]])
    return price


def _differs(billed: Decimal, ours: Decimal | None) -> bool:
    if ours is None:
        return True
    return abs(billed - ours) > max(ours * DRIFT_SHARE, Decimal("1E-9"))


def propose_rows(drifts: list[Drift], prices: list[PriceRow], period: str) -> Refresh:
    """Close-and-add price rows correcting each drift from the day it starts."""
    result = Refresh()
    grouped: dict[tuple, list[Drift]] = defaultdict(list)
    for d in drifts:
        grouped[(d.region, d.model, d.routing, d.tier, d.since)].append(d)
    for (region, model, routing, tier, since), kinds in sorted(grouped.items()):
        table_routing = "global" if routing == "global" else "in_region"
        base = choose_row(prices, model, region, table_routing, tier, since, 0)
        values = {k.token_kind: k.billed_per_mtok for k in kinds}
        if base is None:
            result.incomplete.append(
                f"{model} {region} {routing} {tier}: no price row; billed "
                + ", ".join(f"{k} {v}/M" for k, v in sorted(values.items()))
            )
            continue
        has_1h = base.cache_write_1h_per_mtok is not None
        row = dataclasses.replace(
            base,
            region=region,
            input_per_mtok=values.get("input", base.input_per_mtok),
            output_per_mtok=values.get("output", base.output_per_mtok),
            cache_read_per_mtok=values.get("cache_read", base.cache_read_per_mtok),
            cache_write_per_mtok=values.get("cache_write", base.cache_write_per_mtok),
            cache_write_1h_per_mtok=values.get("cache_write_1h", base.cache_write_1h_per_mtok)
            if has_1h
            else None,
            effective_from=since,
            effective_to=None,
            source=f"CUR {period}: billed rate from {since.isoformat()}",
            row=0,
        )
        if base.region == region and base.effective_from < since:
            result.closed.append(dataclasses.replace(base, effective_to=since))
        elif base.region == region and base.effective_from == since:
            result.replaced.append(base)
        result.added.append(row)
    return result
