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
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from bedrock_costs.model_names import fold

OFFER_CODES = ("AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels")
REGION_CODES = {
    "USE1": "us-east-1",
    "USE2": "us-east-2",
    "USW1": "us-west-1",
    "USW2": "us-west-2",
    "EUW1": "eu-west-1",
    "EUW2": "eu-west-2",
    "EUW3": "eu-west-3",
    "EUC1": "eu-central-1",
    "EUN1": "eu-north-1",
    "APN1": "ap-northeast-1",
    "APN2": "ap-northeast-2",
    "APS1": "ap-southeast-1",
    "APS2": "ap-southeast-2",
    "APS3": "ap-south-1",
    "CAN1": "ca-central-1",
    "SAE1": "sa-east-1",
    "UGW1": "us-gov-west-1",
    "UGE1": "us-gov-east-1",
}
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
    text = " ".join(
        [usage_type, attrs.get("inferenceType", ""), dimension.get("description", "")]
    ).lower()
    if any(word in text for word in _NOT_ON_DEMAND):
        return SetAside(sku, "not an on-demand token price")
    kind = _kind(text)
    if kind is None:
        return SetAside(sku, "not a token price")
    factor = _per_mtok_factor(dimension)
    if factor is None:
        return SetAside(sku, f"unit {dimension.get('unit')!r} is not a token unit we know")
    region = attrs.get("regionCode") or REGION_CODES.get(usage_type.split("-", 1)[0], "")
    name = _name(attrs)
    if not region or not name:
        return SetAside(sku, "no Region or model name")
    tier = next((t for t in ("flex", "priority", "batch") if t in text), "standard")
    if "latency" in text:  # latency-optimized SKUs are their own price tier
        tier = "latency_optimized"
    routing = "global" if re.search(r"global", text) else "*"
    long_context = "longcontext" in text.replace(" ", "").replace("-", "")
    price = (Decimal(dimension["pricePerUnit"]["USD"]) * factor).normalize()
    return OfferPrice(name, region, routing, tier, 200_000 if long_context else 0, kind, price, sku)


def _kind(text: str) -> str | None:
    """Cache kinds first: their names contain `input` too."""
    squashed = text.replace(" ", "-")
    if "cache-read" in squashed:
        return "cache_read"
    if "cache-write" in squashed:
        return "cache_write_1h" if re.search(r"1h|1-hour|one-hour", squashed) else "cache_write"
    if "input" in squashed and "token" in squashed:
        return "input"
    if "output" in squashed and "token" in squashed:
        return "output"
    return None


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
    billing = attrs.get("usagetype", "").split("-")
    return billing[1] if len(billing) > 2 else ""


def model_of(price: OfferPrice, names: dict[str, str]) -> str | None:
    return names.get(fold(price.name))
