from decimal import Decimal

import pytest

from bedrock_costs.reference.usage_types import UsageType, parse_usage_type, unit_multiplier


@pytest.mark.parametrize(
    ("usage_type", "expected"),
    [
        (
            "USE1-Claude4.6Sonnet-input-tokens",
            UsageType("us-east-1", "Claude4.6Sonnet", "input", "*", "standard", False),
        ),
        (
            "USE1-Claude4.6Sonnet-cache-read-input-token-count",
            UsageType("us-east-1", "Claude4.6Sonnet", "cache_read", "*", "standard", False),
        ),
        (
            "USE1-Nova2.0Lite-input-tokens-flex",
            UsageType("us-east-1", "Nova2.0Lite", "input", "*", "flex", False),
        ),
        (
            "USE1-gpt-oss-120b-output-tokens-priority",
            UsageType("us-east-1", "gpt-oss-120b", "output", "*", "priority", False),
        ),
        (
            "USE1-Claude4.6Opus-input-tokens-cross-region-global",
            UsageType("us-east-1", "Claude4.6Opus", "input", "global", "standard", False),
        ),
        (
            "USW2-Claude4.5Haiku-cache-write-input-token-count-cross-region-global",
            UsageType("us-west-2", "Claude4.5Haiku", "cache_write", "global", "standard", False),
        ),
        (
            "USE1-Claude4.6Sonnet-cache-write-1h-input-token-count",
            UsageType("us-east-1", "Claude4.6Sonnet", "cache_write_1h", "*", "standard", False),
        ),
        (
            "USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-global-standard",
            UsageType(
                "us-west-2", "anthropic.claude-opus-4-8", "cache_write", "global", "standard", False
            ),
        ),
        (
            "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard",
            UsageType("us-east-1", "openai.gpt-oss-120b", "input", "*", "standard", False),
        ),
        (
            "USE1-TitanEmbeddingV2-Text-input-tokens",
            UsageType("us-east-1", "TitanEmbeddingV2-Text", "input", "*", "standard", False),
        ),
        (
            "USE1-MP:USE1_InputTokenCount-Units",
            UsageType("us-east-1", None, "input", "*", "standard", True),
        ),
        (
            "USW2-MP:USW2_OutputTokenCount-Units",
            UsageType("us-west-2", None, "output", "*", "standard", True),
        ),
        (
            "USE1-MP:USE1_InputTokenCount_Global-Units",
            UsageType("us-east-1", None, "input", "global", "standard", True),
        ),
        (
            "USE1-NovaCanvas-T2I-1024-Standard",
            UsageType("us-east-1", "NovaCanvas", None, "*", "standard", False, "image"),
        ),
        (
            "XYZ9-Something-input-tokens",
            UsageType(None, "Something", "input", "*", "standard", False),
        ),
    ],
)
def test_parse_usage_type_reads_the_documented_shapes(usage_type, expected):
    assert parse_usage_type(usage_type) == expected


def test_parse_usage_type_uses_context_to_classify():
    parsed = parse_usage_type("USE1-NovaLite-units", "Prompt cache read input tokens")
    assert (parsed.kind, parsed.billing_name) == ("cache_read", None)


@pytest.mark.parametrize(
    ("usage_type", "name", "unit_kind"),
    [
        ("USE1-NovaCanvas-T2I-1024-Standard", "NovaCanvas", "image"),
        ("USE1-TitanImageGeneratorV2-T2I-512-Premium", "TitanImageGeneratorV2", "image"),
        ("USE1-NovaReel-T2V-720p", "NovaReel", "video_second"),
        ("USW2-Rerank-v3.5-queries", "Rerank", "query"),
        ("USE1-ProvisionedThroughput-ModelUnits", None, None),
    ],
)
def test_per_unit_usage_types_name_their_model_and_unit(usage_type, name, unit_kind):
    parsed = parse_usage_type(usage_type)
    assert (parsed.kind, parsed.billing_name, parsed.unit_kind) == (None, name, unit_kind)


@pytest.mark.parametrize(
    ("pricing_unit", "description", "is_token", "expected"),
    [
        ("1K tokens", "", True, (Decimal(1000), "stated")),
        ("1M tokens", "", True, (Decimal(1_000_000), "stated")),
        ("tokens", "", True, (Decimal(1), "stated")),
        ("1000 Tokens", "", True, (Decimal(1000), "stated")),
        ("Units", "$0.25 per million input tokens", True, (Decimal(1_000_000), "described")),
        ("Units", "USD 0.003 per 1K output tokens", True, (Decimal(1000), "described")),
        ("Units", "Claude input tokens", True, (Decimal(1_000_000), "assumed")),
        (None, None, True, (Decimal(1_000_000), "assumed")),
        ("Images", "", False, (Decimal(1), "stated")),
    ],
)
def test_pricing_units_to_tokens_saying_how_it_was_known(
    pricing_unit, description, is_token, expected
):
    assert unit_multiplier(pricing_unit, description, is_token) == expected
