"""CUR 2.0 line items as AWS writes them (column names and types of schemas/cur2.json).

The synthetic CUR is the one place outside cur.py that knows raw CUR column names: it has to
write them. Amounts become doubles here, as in a real export.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bedrock_costs.reference.usage_types import REGION_CODES
from bedrock_costs.sample.routes import ACCOUNTS, bill_tags

PAYER = ACCOUNTS[0]
MILLION = Decimal(1_000_000)
CENT_DIGITS = Decimal("1E-10")  # CUR costs carry about ten decimals
MARKETPLACE_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0"
# model -> (billing name, product code, product name); None: billed through AWS Marketplace
BILLING = {
    "anthropic.claude-sonnet-4-5-20250929-v1:0": (
        "Claude4.5Sonnet",
        "AmazonBedrockService",
        "Amazon Bedrock Service",
    ),
    "anthropic.claude-haiku-4-5-20251001-v1:0": (
        "Claude4.5Haiku",
        "AmazonBedrockService",
        "Amazon Bedrock Service",
    ),
    "anthropic.claude-opus-4-5-20251101-v1:0": (
        "Claude4.5Opus",
        "AmazonBedrockService",
        "Amazon Bedrock Service",
    ),
    "amazon.nova-micro-v1:0": ("NovaMicro", "AmazonBedrock", "Amazon Bedrock"),
    "amazon.nova-lite-v1:0": ("NovaLite", "AmazonBedrock", "Amazon Bedrock"),
    "amazon.nova-pro-v1:0": ("NovaPro", "AmazonBedrock", "Amazon Bedrock"),
    "meta.llama3-3-70b-instruct-v1:0": ("Llama3.3-70B-Instruct", "AmazonBedrock", "Amazon Bedrock"),
    "amazon.titan-embed-text-v2:0": ("TitanEmbeddingV2-Text", "AmazonBedrock", "Amazon Bedrock"),
    "amazon.titan-image-generator-v2:0": (
        "TitanImageGeneratorV2",
        "AmazonBedrock",
        "Amazon Bedrock",
    ),
}
MARKETPLACE_PRODUCT = ("prod-bedrock-edition-c35h", "Claude 3.5 Haiku (Amazon Bedrock Edition)")
_SUFFIX = {
    "input": "input-tokens",
    "output": "output-tokens",
    "cache_read": "cache-read-input-token-count",
    "cache_write": "cache-write-input-token-count",
    "cache_write_1h": "cache-write-1h-input-token-count",
}
_CODES = {region: code for code, region in REGION_CODES.items()}


def billed_line(
    day: date,
    account: str,
    region: str,
    principal: str | None,
    model: str,
    routing: str,
    kind: str,
    sku: str,
    usage: Decimal,
    cost: Decimal,
    rate: Decimal | None,
    *,
    per_million: bool = False,
    resource: str | None = None,
) -> dict:
    """The line item billing `usage` of one model x token kind (or image SKU) for a day."""
    code = _CODES[region]
    if model == MARKETPLACE_MODEL:
        word = "Input" if kind == "input" else "Output"
        usage_type = (
            f"{code}-MP:{code}_{word}TokenCount{'_Global' if routing == 'global' else ''}-Units"
        )
        product_code, product_name = MARKETPLACE_PRODUCT
        unit, amount, unit_rate = "Units", usage / MILLION, rate
        entity, description = "AWS Marketplace", f"{product_name} {word.lower()} tokens"
    elif kind == "image":
        name, product_code, product_name = BILLING[model]
        size, quality = sku.split("-")
        usage_type = f"{code}-{name}-T2I-{size}-{quality.title()}"
        unit, amount, unit_rate, entity = "Images", usage, rate, "AWS"
        description = f"{product_name} {size}x{size} {quality} images"
    else:
        name, product_code, product_name = BILLING[model]
        usage_type = f"{code}-{name}-{_SUFFIX[kind]}" + (
            "-cross-region-global" if routing == "global" else ""
        )
        scale = MILLION if per_million else Decimal(1000)
        unit = "1M tokens" if per_million else "1K tokens"
        amount = usage / scale
        unit_rate = rate * scale / MILLION if rate is not None else None
        entity = "AWS"
        description = f"{product_name} {kind.replace('_', ' ')} tokens in {region}"
    return cur_row(
        day,
        account,
        usage_type,
        "Usage",
        product_code,
        product_name,
        entity,
        region,
        principal,
        amount,
        unit,
        unit_rate,
        cost,
        description,
        resource,
    )


def cur_row(
    day: date,
    account: str,
    usage_type: str,
    line_type: str,
    product_code: str,
    product_name: str,
    entity: str,
    region: str | None,
    principal: str | None,
    amount: Decimal,
    unit: str | None,
    rate: Decimal | None,
    cost: Decimal,
    description: str,
    resource: str | None = None,
) -> dict:
    """One line item; `resource` is the application profile billed, if any (the line then
    carries its cost allocation tags, and the principal's tags, as AWS would)."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    end = start + timedelta(days=1)
    period_start = start.replace(day=1)
    period_end = (period_start + timedelta(days=32)).replace(day=1)
    key = f"{day}|{account}|{usage_type}|{principal}|{line_type}|{resource}"
    cost = cost.quantize(CENT_DIGITS)
    return {
        "bill_billing_period_start_date": period_start,
        "bill_billing_period_end_date": period_end,
        "bill_payer_account_id": PAYER,
        "bill_billing_entity": entity,
        "identity_line_item_id": hashlib.sha256(key.encode()).hexdigest()[:52],
        "identity_time_interval": f"{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}",
        "line_item_line_item_type": line_type,
        "line_item_usage_start_date": start,
        "line_item_usage_end_date": end,
        "line_item_usage_account_id": account,
        "line_item_product_code": product_code,
        "line_item_usage_type": usage_type,
        "line_item_operation": "InvokeModelInference" if line_type == "Usage" else "",
        "line_item_resource_id": resource,
        "line_item_iam_principal": principal,
        "line_item_usage_amount": float(amount),
        "pricing_unit": unit,
        "line_item_unblended_rate": None if rate is None else f"{rate.normalize():f}",
        "line_item_unblended_cost": float(cost),
        "line_item_net_unblended_cost": float(cost),
        "line_item_currency_code": "USD",
        "line_item_line_item_description": description,
        "product": {"product_name": product_name, **({"region": region} if region else {})},
        "product_servicecode": product_code,
        "product_region_code": region,
        "resource_tags": bill_tags(principal, resource) or None,
    }
