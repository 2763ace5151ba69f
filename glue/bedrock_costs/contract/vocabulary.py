"""Every allowed value, loaded from schemas/vocabulary.json: the one place values are declared.

Code that writes or compares a value uses the constants below; `member` checks each against the
file when the module loads, so a constant and the declaration cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Vocabulary:
    name: str
    description: str
    meanings: dict[str, str]  # value -> what it means, in declaration order

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(self.meanings)


@cache
def vocabularies() -> dict[str, Vocabulary]:
    text = resources.files("bedrock_costs").joinpath("schemas", "vocabulary.json").read_text()
    raw = json.loads(text)["vocabularies"]
    return {
        name: Vocabulary(name, entry["description"], dict(entry["values"]))
        for name, entry in raw.items()
    }


def load(name: str) -> Vocabulary:
    return vocabularies()[name]


def values(name: str) -> tuple[str, ...]:
    return load(name).values


def member(name: str, value: str) -> str:
    """`value`, after checking that the vocabulary `name` declares it."""
    if value not in load(name).meanings:
        raise KeyError(f"{value!r} is not declared in vocabulary {name!r}")
    return value


CALL_STATUSES = values("call_status")
SUCCESS, ERROR = member("call_status", "success"), member("call_status", "error")

PRICING_STATUSES = values("pricing_status")
PRICED = member("pricing_status", "priced")
UNRESOLVED_MODEL = member("pricing_status", "unresolved_model")
UNRESOLVED_PROFILE = member("pricing_status", "unresolved_profile")
NO_PRICE = member("pricing_status", "no_price")

ROUTINGS = values("routing")
IN_REGION, GEO, GLOBAL = (member("routing", r) for r in ("in_region", "geo", "global"))
BILLED_ROUTINGS = values("billed_routing")
REGIONAL = member("billed_routing", "regional")
GEO_PREFIXES = values("geo_prefix")
ROUTING_PREFIXES = (*GEO_PREFIXES, GLOBAL)  # every prefix a cross-Region profile id can carry

SERVICE_TIERS = values("service_tier")
STANDARD_TIER = member("service_tier", "standard")
LATENCY_OPTIMIZED = member("service_tier", "latency_optimized")

TOKEN_KINDS = values("token_kind")
INPUT, OUTPUT, CACHE_READ, CACHE_WRITE, CACHE_WRITE_1H = (
    member("token_kind", k)
    for k in ("input", "output", "cache_read", "cache_write", "cache_write_1h")
)
UNIT_KINDS = values("unit_kind")
IMAGE, VIDEO_SECOND, QUERY = (member("unit_kind", k) for k in ("image", "video_second", "query"))
IMAGE_QUALITIES = values("image_quality")
STANDARD_QUALITY = member("image_quality", "standard")

CACHE_TTL_BASES = values("cache_write_ttl_basis")
TTL_LOGGED = member("cache_write_ttl_basis", "logged")
TTL_ASSUMED_5M = member("cache_write_ttl_basis", "assumed_5m")
TTL_1H_AT_5M_RATE = member("cache_write_ttl_basis", "1h_at_5m_rate")

PRINCIPAL_TYPES = values("principal_type")
QUARANTINE_REASONS = load("quarantine_reason").meanings
CURRENCY = member("currency", "USD")

CHARGE_CATEGORIES = values("charge_category")
USAGE = member("charge_category", "Usage")
ADJUSTMENT = member("charge_category", "Adjustment")

RECONCILIATION_STATUSES = values("reconciliation_status")
MATCHED = member("reconciliation_status", "matched")
NOT_USAGE = member("reconciliation_status", "not_usage")
STATUS_BASES = values("status_basis")
UNIT_BASES = values("unit_basis")
STATED, DESCRIBED, ASSUMED = (member("unit_basis", b) for b in ("stated", "described", "assumed"))
ALLOCATION_KINDS = values("allocation")
CALL, UNATTRIBUTED = member("allocation", "call"), member("allocation", "unattributed")
WEIGHT_BASES = values("weight_basis")
ALLOCATED, ESTIMATED = member("cost_basis", "allocated"), member("cost_basis", "estimated")

PRICING_FORMATS = values("pricing_format")
OUR_FORMAT = member("pricing_format", "bedrock-costs")
AWS_SAMPLE_FORMAT = member("pricing_format", "aws-sample")
QUALITY_POLICIES = values("quality_policy")
FAIL, WARN = member("quality_policy", "fail"), member("quality_policy", "warn")
QUALITY_STATUSES = values("quality_status")
RUN_STATUSES = values("run_status")
RUNNING = member("run_status", "running")
SUCCEEDED = member("run_status", "succeeded")
QUALITY_FAILED = member("run_status", "quality_failed")
