"""Proposing price-table changes from AWS Price List offers, without rewriting history.

For every on-demand token price in the offers, the current table is asked what it would charge
on the as-of day. Where that differs (or nothing matches), a new row effective from that day is
proposed for the exact Region; an open row with the same key is closed on that day. Rows for
earlier days are never changed, so past costs stay as they were computed.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from bedrock_costs.contract.vocabulary import CURRENCY, GEO, GLOBAL, IN_REGION
from bedrock_costs.reference.model_names import fold
from bedrock_costs.reference.price_file import PriceRow, choose_row
from bedrock_costs.reference.price_list import OfferPrice

Key = tuple[str, str, str, str, int]  # model, region, routing, tier, min_input_tokens


@dataclass
class Refresh:
    added: list[PriceRow] = field(default_factory=list)
    closed: list[PriceRow] = field(default_factory=list)  # as they will read, effective_to set
    replaced: list[PriceRow] = field(default_factory=list)  # same-day rows the new ones replace
    unchanged: int = 0
    unmapped: Counter = field(default_factory=Counter)  # offer model names not in model_names.csv
    incomplete: list[str] = field(default_factory=list)

    def merged(self, current: list[PriceRow]) -> list[PriceRow]:
        closed = {r.row: r for r in self.closed}
        gone = {r.row for r in self.replaced}
        kept = [closed.get(r.row, r) for r in current if r.row not in gone]
        return kept + self.added


def propose(
    current: list[PriceRow], offers: list[OfferPrice], names: dict[str, str], as_of: date
) -> Refresh:
    result = Refresh()
    for key, kinds in sorted(_group(offers, names, result).items()):
        if "input" not in kinds or "output" not in kinds:
            result.incomplete.append(
                f"{key[0]} {key[1]} {key[2]} {key[3]}: no input or output price"
            )
            continue
        routings = (GLOBAL,) if key[2] == GLOBAL else (IN_REGION, GEO)
        for routing in routings:
            _compare(current, (key[0], key[1], routing, key[3], key[4]), kinds, as_of, result)
    return result


def _group(offers: list[OfferPrice], names: dict[str, str], result: Refresh) -> dict[Key, dict]:
    groups: dict[Key, dict[str, Decimal]] = defaultdict(dict)
    for price in offers:
        model = names.get(fold(price.name))
        if model is None:
            result.unmapped[price.name] += 1
            continue
        groups[(model, price.region, price.routing, price.tier, price.min_input_tokens)][
            price.kind
        ] = price.per_mtok
    return groups


def _compare(
    current: list[PriceRow], key: Key, kinds: dict[str, Decimal], as_of: date, result: Refresh
) -> None:
    model, region, routing, tier, min_input = key
    wanted = (
        kinds["input"],
        kinds["output"],
        kinds.get("cache_read", Decimal(0)),
        kinds.get("cache_write", Decimal(0)),
        kinds.get("cache_write_1h"),
    )
    row = choose_row(current, model, region, routing, tier, as_of, min_input + 1)
    if row is not None and _prices(row) == wanted:
        result.unchanged += 1
        return
    same_key = [
        r for r in current if (r.model, r.region, r.routing, r.tier, r.min_input_tokens) == key
    ]
    later = [r.effective_from for r in same_key if r.effective_from > as_of]
    for r in same_key:
        if r.effective_from == as_of:
            result.replaced.append(r)
        elif r.effective_from < as_of and (r.effective_to is None or r.effective_to > as_of):
            result.closed.append(dataclasses.replace(r, effective_to=as_of))
    result.added.append(
        PriceRow(
            model,
            region,
            routing,
            tier,
            min_input,
            *wanted[:4],
            effective_from=as_of,
            effective_to=min(later, default=None),
            currency=CURRENCY,
            source=f"AWS Price List as of {as_of.isoformat()}",
            row=0,
            cache_write_1h_per_mtok=wanted[4],
        )
    )


def _prices(row: PriceRow) -> tuple:
    return (
        row.input_per_mtok,
        row.output_per_mtok,
        row.cache_read_per_mtok,
        row.cache_write_per_mtok,
        row.cache_write_1h_per_mtok,
    )


def describe(refresh: Refresh, current: list[PriceRow]) -> str:
    """A reviewable diff: what closes, what is added, what was left alone and why."""
    lines = []
    for r in refresh.closed:
        lines.append(
            f"~ close row {r.row}: {r.model} {r.region} {r.routing} {r.tier} "
            f"effective_to={r.effective_to}"
        )
    for r in refresh.replaced:
        lines.append(
            f"- replace row {r.row}: {r.model} {r.region} {r.routing} {r.tier} (same effective day)"
        )
    for r in refresh.added:
        was = _current_row(current, r)
        before = f"was {_fmt(_prices(was))} (row {was.row})" if was else "was unpriced"
        lines.append(
            f"+ add {r.model} {r.region} {r.routing} {r.tier} >{r.min_input_tokens}: "
            f"{_fmt(_prices(r))} from {r.effective_from}; {before}"
        )
    lines.append(f"= {refresh.unchanged} prices unchanged")
    lines += _unmapped(refresh)
    lines += [f"? {note}" for note in refresh.incomplete]
    return "\n".join(lines)


def gaps(refresh: Refresh, current: list[PriceRow]) -> str:
    """What the table lacks or disagrees with against the offers, on the refresh's day."""
    lines = []
    for r in refresh.added:
        was = _current_row(current, r)
        key = f"{r.model} {r.region} {r.routing} {r.tier} >{r.min_input_tokens}"
        if was is None:
            lines.append(f"lacks      {key}: the offer has {_fmt(_prices(r))}")
        else:
            lines.append(
                f"disagrees  {key}: the table has {_fmt(_prices(was))} (row {was.row}), "
                f"the offer {_fmt(_prices(r))}"
            )
    lines.append(f"agrees on {refresh.unchanged} prices (input/output/cache read/cache write)")
    return "\n".join([*lines, *_unmapped(refresh)])


def _current_row(current: list[PriceRow], r: PriceRow) -> PriceRow | None:
    """The row the table charges now for what the proposed row `r` prices."""
    return choose_row(
        current, r.model, r.region, r.routing, r.tier, r.effective_from, r.min_input_tokens + 1
    )


def _unmapped(refresh: Refresh) -> list[str]:
    return [
        f"? {count} offer prices for {name!r}: add the name to pricing/model_names.csv"
        for name, count in sorted(refresh.unmapped.items())
    ]


def _fmt(prices: tuple) -> str:
    return "/".join("-" if p is None else str(p) for p in prices)
