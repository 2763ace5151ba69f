"""Reading AWS Price List offer files for Bedrock into per-million-token prices.

Accepts the bulk offer file (`…/offers/v1.0/aws/<Offer>/current[/<region>]/index.json`: `products`
by SKU plus `terms.OnDemand`) and the `pricing:GetProducts` shape (a JSON list, or JSON lines, of
`{"product": …, "terms": …}` items). Offers: AmazonBedrock, AmazonBedrockService and
AmazonBedrockFoundationModels. What each SKU prices is read from its attributes (`model`,
`titanModel`, `servicename`, `usagetype`, `inferenceType`, `regionCode`) and its price dimension's
unit; anything that is not an on-demand token price is set aside with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from bedrock_costs.reference.usage_types import parse_usage_type

_NOT_ON_DEMAND = (
    "provisioned",
    "reserved",
    "customization",
    "custom-model",
    "training",
    "storage",
)


@dataclass(frozen=True)
class OfferPrice:
    """One on-demand token price from an offer file, per million tokens."""

    name: str  # the model as the offer names it
    region: str
    routing: str  # "global" or "*" (regional: in-Region and geographic calls pay it)
    tier: str
    min_input_tokens: int
    kind: str  # input, output, cache_read, cache_write, cache_write_1h
    per_mtok: Decimal
    sku: str


@dataclass(frozen=True)
class SetAside:
    sku: str
    reason: str


def offer_items(text: str) -> Iterator[tuple[dict, dict]]:
    """(product, on-demand terms) pairs from either offer-file shape."""
    stripped = text.strip()
    if stripped.startswith("{") and '"products"' in stripped[:10_000]:
        offer = json.loads(stripped)
        terms = offer.get("terms", {}).get("OnDemand", {})
        for sku, product in offer.get("products", {}).items():
            yield product, terms.get(sku, {})
        return
    items = (
        json.loads(stripped)
        if stripped.startswith("[")
        else [json.loads(line) for line in stripped.splitlines() if line.strip()]
    )
    for item in items:
        item = json.loads(item) if isinstance(item, str) else item
        yield item.get("product", {}), item.get("terms", {}).get("OnDemand", {})


def read_offer(text: str) -> tuple[list[OfferPrice], list[SetAside]]:
    prices: list[OfferPrice] = []
    set_aside: list[SetAside] = []
    for product, terms in offer_items(text):
        sku = product.get("sku", "?")
        for dimension in _dimensions(terms):
            result = _price(product.get("attributes", {}), dimension, sku)
            if isinstance(result, OfferPrice):
                prices.append(result)
            else:
                set_aside.append(result)
    return prices, set_aside


def _dimensions(terms: dict) -> Iterator[dict]:
    for term in terms.values():
        yield from term.get("priceDimensions", {}).values()


def _price(attrs: dict, dimension: dict, sku: str) -> OfferPrice | SetAside:
    usage_type = attrs.get("usagetype", "")
    context = f"{attrs.get('inferenceType', '')} {dimension.get('description', '')}"
    text = f"{usage_type} {context}".lower()
    if any(word in text for word in _NOT_ON_DEMAND):
        return SetAside(sku, "not an on-demand token price")
    parsed = parse_usage_type(usage_type, context)
    if parsed.kind is None:
        return SetAside(sku, "not a token price")
    factor = _per_mtok_factor(dimension)
    if factor is None:
        return SetAside(sku, f"unit {dimension.get('unit')!r} is not a token unit we know")
    region = attrs.get("regionCode") or parsed.region
    name = _name(attrs) or parsed.billing_name
    if not region or not name:
        return SetAside(sku, "no Region or model name")
    long_context = "longcontext" in text.replace(" ", "").replace("-", "")
    price = (Decimal(dimension["pricePerUnit"]["USD"]) * factor).normalize()
    return OfferPrice(
        name,
        region,
        parsed.routing,
        parsed.tier,
        200_000 if long_context else 0,
        parsed.kind,
        price,
        sku,
    )


def _per_mtok_factor(dimension: dict) -> Decimal | None:
    unit = dimension.get("unit", "").lower().replace(" ", "")
    description = dimension.get("description", "").lower()
    if unit in ("1ktokens", "1k-tokens", "ktokens"):
        return Decimal(1000)
    if unit in ("1mtokens", "1m-tokens", "mtokens") or (
        unit == "units" and "million" in description
    ):
        return Decimal(1)
    if unit == "tokens":
        return Decimal(1_000_000)
    return None


def _name(attrs: dict) -> str:
    for key in ("model", "titanModel", "servicename"):
        value = attrs.get(key, "").strip()
        if value and value.lower() not in ("unknown", "amazon bedrock", "amazon bedrock service"):
            return value
    return ""
