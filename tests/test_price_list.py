import json
from decimal import Decimal

from bedrock_costs.reference.price_list import read_offer


def product(sku, usagetype, unit, usd, description="", **attrs):
    return {
        "sku": sku,
        "productFamily": "Generative AI",
        "attributes": {"usagetype": usagetype, **attrs},
    }, {
        f"{sku}.JRTCKXETXF": {
            "priceDimensions": {
                f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                    "unit": unit,
                    "pricePerUnit": {"USD": usd},
                    "description": description,
                }
            }
        }
    }


def bulk_offer(*items, code="AmazonBedrock"):
    return json.dumps(
        {
            "offerCode": code,
            "products": {p["sku"]: p for p, _ in items},
            "terms": {"OnDemand": {p["sku"]: t for p, t in items}},
        }
    )


def test_read_offer_reads_token_prices_per_million_in_every_unit():
    offer = bulk_offer(
        product(
            "A",
            "USE1-NovaLite-input-tokens",
            "1K tokens",
            "0.0000600000",
            model="Nova Lite",
            inferenceType="Input tokens",
            regionCode="us-east-1",
        ),
        product(
            "B",
            "USE1-NovaLite-cache-read-input-token-count",
            "1K tokens",
            "0.0000150000",
            model="Nova Lite",
            inferenceType="Prompt cache read input tokens",
            regionCode="us-east-1",
        ),
        product(
            "C",
            "USE1-Claude4.6Sonnet-cache-write-input-token-count-cross-region-global",
            "1M tokens",
            "3.75",
            regionCode="us-east-1",
        ),
        product("D", "USE1-Claude4.6Sonnet-cache-write-1h-input-token-count", "1M tokens", "6.60"),
        product(
            "E",
            "USE1-MP:USE1_OutputTokenCount-Units",
            "Units",
            "4.0000000000",
            "$4.00 per Million Output Tokens",
            servicename="Claude 3.5 Haiku (Amazon Bedrock Edition)",
        ),
        product(
            "F", "USE1-Nova2.0Lite-input-tokens-flex", "1K tokens", "0.00015", model="Nova 2.0 Lite"
        ),
    )
    prices, set_aside = read_offer(offer)
    got = {p.sku: (p.name, p.region, p.routing, p.tier, p.kind, p.per_mtok) for p in prices}
    assert got == {
        "A": ("Nova Lite", "us-east-1", "*", "standard", "input", Decimal("0.06")),
        "B": ("Nova Lite", "us-east-1", "*", "standard", "cache_read", Decimal("0.015")),
        "C": ("Claude4.6Sonnet", "us-east-1", "global", "standard", "cache_write", Decimal("3.75")),
        "D": ("Claude4.6Sonnet", "us-east-1", "*", "standard", "cache_write_1h", Decimal("6.6")),
        "E": (
            "Claude 3.5 Haiku (Amazon Bedrock Edition)",
            "us-east-1",
            "*",
            "standard",
            "output",
            Decimal(4),
        ),
        "F": ("Nova 2.0 Lite", "us-east-1", "*", "flex", "input", Decimal("0.15")),
    }
    assert set_aside == []


def test_read_offer_sets_aside_what_is_not_an_on_demand_token_price():
    offer = bulk_offer(
        product("P", "USE1-ProvisionedThroughput-NovaPro", "Hrs", "20.5", model="Nova Pro"),
        product("I", "USE1-NovaCanvas-T2I-1024-Standard", "Images", "0.04", model="Nova Canvas"),
        product("U", "USE1-NovaPro-input-tokens", "Requests", "1.0", model="Nova Pro"),
    )
    prices, set_aside = read_offer(offer)
    assert prices == []
    assert {s.sku: s.reason for s in set_aside} == {
        "P": "not an on-demand token price",
        "I": "not a token price",
        "U": "unit 'Requests' is not a token unit we know",
    }


def test_read_offer_accepts_get_products_output():
    item_product, terms = product(
        "G",
        "USW2-NovaPro-output-tokens",
        "1K tokens",
        "0.0032",
        model="Nova Pro",
        regionCode="us-west-2",
    )
    items = [json.dumps({"product": item_product, "terms": {"OnDemand": terms}})]
    as_list, _ = read_offer(json.dumps(items))
    as_lines, _ = read_offer("\n".join(items))
    assert [(p.region, p.kind, p.per_mtok) for p in as_list] == [
        ("us-west-2", "output", Decimal("3.2"))
    ]
    assert as_list == as_lines


def test_read_offer_reads_latency_optimized_skus_as_their_own_tier():
    offer = bulk_offer(
        product(
            "L",
            "USE2-Claude3.5Haiku-input-tokens-latency-optimized",
            "1K tokens",
            "0.001",
            model="Claude 3.5 Haiku",
            regionCode="us-east-2",
        )
    )
    prices, _ = read_offer(offer)
    assert [(p.tier, p.kind, p.per_mtok) for p in prices] == [
        ("latency_optimized", "input", Decimal(1))
    ]
