"""The Bedrock usage-type grammar shared by the Price List reader and CUR reconciliation.

`{REGIONCODE}-{BillingModelName}-{token-type}[-{tier}][-cross-region-global]`, mantle variants
(`USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-global-standard`) and Marketplace forms
(`USE1-MP:USE1_InputTokenCount_Global-Units`). Cache kinds are checked first: their names contain
`input` too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from bedrock_costs.contract.vocabulary import (
    ASSUMED,
    CACHE_READ,
    CACHE_WRITE,
    CACHE_WRITE_1H,
    DESCRIBED,
    GLOBAL,
    IMAGE,
    INPUT,
    OUTPUT,
    QUERY,
    STANDARD_TIER,
    STATED,
    VIDEO_SECOND,
    member,
)

REGION_CODES = {
    "USE1": "us-east-1",
    "USE2": "us-east-2",
    "USW1": "us-west-1",
    "USW2": "us-west-2",
    "EUW1": "eu-west-1",
    "EUW2": "eu-west-2",
    "EUW3": "eu-west-3",
    "EUC1": "eu-central-1",
    "EUC2": "eu-central-2",
    "EUN1": "eu-north-1",
    "EUS1": "eu-south-1",
    "EUS2": "eu-south-2",
    "APN1": "ap-northeast-1",
    "APN2": "ap-northeast-2",
    "APN3": "ap-northeast-3",
    "APS1": "ap-southeast-1",
    "APS2": "ap-southeast-2",
    "APS3": "ap-south-1",
    "CAN1": "ca-central-1",
    "SAE1": "sa-east-1",
    "UGW1": "us-gov-west-1",
    "UGE1": "us-gov-east-1",
}
TIER_WORDS = tuple(  # a word in a usage type, and the service tier it names
    (word, member("service_tier", tier))
    for word, tier in (
        ("flex", "flex"),
        ("priority", "priority"),
        ("batch", "batch"),
        ("latency", "latency_optimized"),
    )
)
_KIND_START = re.compile(r"-(?=(input|output|cache)[-_])", re.IGNORECASE)


@dataclass(frozen=True)
class UsageType:
    region: str | None
    billing_name: str | None  # None for Marketplace forms: the product name says the model
    kind: str | None  # input, output, cache_read, cache_write, cache_write_1h
    routing: str  # global, or * (regional: in-Region and geographic calls share it)
    tier: str
    marketplace: bool
    unit_kind: str | None = None  # image, video_second or query for per-unit SKUs, else None


def parse_usage_type(usage_type: str, context: str = "") -> UsageType:
    """Decode one usage type; `context` (inference type, description) helps classify the kind."""
    code, _, rest = usage_type.partition("-")
    marketplace = rest.startswith("MP:")
    text = f"{usage_type} {context}".lower()
    kind = token_kind(text)
    units = None if kind else unit_kind(usage_type)
    name = _billing_name(rest) if kind else rest.split("-", 1)[0] if units else None
    return UsageType(
        region=REGION_CODES.get(code),
        billing_name=None if marketplace else name,
        kind=kind,
        routing=GLOBAL if "global" in text else "*",
        tier=next((tier for word, tier in TIER_WORDS if word in text), STANDARD_TIER),
        marketplace=marketplace,
        unit_kind=units,
    )


def unit_kind(usage_type: str) -> str | None:
    """Per-unit SKUs: images (`USE1-NovaCanvas-T2I-1024-Standard`), video seconds, queries."""
    text = usage_type.lower()
    if re.search(r"-(t2v|i2v)\b|video|reel", text):
        return VIDEO_SECOND
    if re.search(r"-(t2i|i2i)\b|image", text):
        return IMAGE
    if "rerank" in text or "quer" in text:
        return QUERY
    return None


_UNIT = re.compile(r"^(\d+)?\s*([km]|thousand|million)?\s*tokens?$")
_SCALE = {None: 1, "k": 1_000, "thousand": 1_000, "m": 1_000_000, "million": 1_000_000}


def unit_multiplier(
    pricing_unit: str | None, description: str | None, is_token: bool
) -> tuple[Decimal, str]:
    """Tokens per unit of `line_item_usage_amount`, and how that was known.

    `stated`: the pricing unit says it (`1K tokens`, `1M tokens`, `tokens`); `described`: the unit
    is `Units` and the line description names thousands or millions; `assumed`: neither, so
    millions (what Marketplace `-Units` token SKUs are quoted in). Per-unit SKUs count units.
    """
    unit = (pricing_unit or "").strip().lower()
    if not is_token:
        return Decimal(1), STATED
    if m := _UNIT.match(unit):
        count = int(m[1]) if m[1] else 1
        return Decimal(count * _SCALE[m[2]]), STATED
    words = (description or "").lower()
    if re.search(r"\bmillion\b|\b1m\b|per 1,000,000", words):
        return Decimal(1_000_000), DESCRIBED
    if re.search(r"\bthousand\b|\b1k\b|per 1,000 ", words):
        return Decimal(1_000), DESCRIBED
    return Decimal(1_000_000), ASSUMED


def token_kind(text: str) -> str | None:
    squashed = text.lower().replace(" ", "-").replace("_", "-")
    if "cache-read" in squashed:
        return CACHE_READ
    if "cache-write" in squashed:
        return CACHE_WRITE_1H if re.search(r"1h|1-hour|one-hour", squashed) else CACHE_WRITE
    if "input" in squashed and "token" in squashed:
        return INPUT
    if "output" in squashed and "token" in squashed:
        return OUTPUT
    return None


def _billing_name(rest: str) -> str | None:
    match = _KIND_START.search(rest)
    name = rest[: match.start()] if match else ""
    return name.removesuffix("-mantle") or None
