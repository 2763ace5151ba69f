"""What the sample CUR plants for a reconciliation to find (days count from the first sample
day), and the line items of other services a real export is mostly made of."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bedrock_costs.sample.cur_lines import MILLION, billed_line, cur_row
from bedrock_costs.sample.routes import ACCOUNTS

LOGS_MISSING = (ACCOUNTS[1], "eu-west-1", "amazon.nova-lite-v1:0")  # account, Region, model
PRICE_CHANGE = ("us-east-1", "amazon.nova-micro-v1:0")  # from day 3, 1.2 x the table's price
PRICE_CHANGE_DAY, PRICE_FACTOR = 3, Decimal("1.2")
CREDIT = (ACCOUNTS[0], Decimal("-25.00"))  # account, amount (and a tax line of TAX)
TAX = Decimal("3.10")
UNIT_CHANGE = ("us-east-1", "amazon.nova-pro-v1:0", "output")  # 1M tokens from day 2
UNIT_CHANGE_DAY = 2
UNMAPPED = "USE1-NovaSonic-speech-input-tokens"


def planted_rows(first: date, last: date) -> list[dict]:
    """The gaps the CUR plants on purpose: a Region without logs, an unmapped usage type, a
    credit and a tax line."""
    rows = []
    day = first
    while day <= last:
        rows += _logs_missing(day, (day - first).days)
        rows.append(_unmapped(day))
        day += timedelta(days=1)
    return rows + _credit_and_tax(first + (last - first) / 2)


def _logs_missing(day: date, n: int) -> list[dict]:
    """Billed usage of an account and Region whose calls are never logged."""
    account, region, model = LOGS_MISSING
    role = f"arn:aws:sts::{account}:assumed-role/SearchServiceRole/svc-prod"
    rows = []
    for kind, tokens, per_mtok in (
        ("input", 2_400_000 + 10_000 * n, Decimal("0.069")),  # the eu-west-1 price row
        ("output", 380_000 + 1_000 * n, Decimal("0.276")),
    ):
        usage = Decimal(tokens)
        cost = usage * per_mtok / MILLION
        rows.append(
            billed_line(
                day, account, region, role, model, "in_region", kind, "", usage, cost, per_mtok
            )
        )
    return rows


def _unmapped(day: date) -> dict:
    """A usage type whose billing name maps to no model."""
    usage = Decimal(150_000)
    return cur_row(
        day,
        ACCOUNTS[0],
        UNMAPPED,
        "Usage",
        "AmazonBedrock",
        "Amazon Bedrock",
        "AWS",
        "us-east-1",
        f"arn:aws:sts::{ACCOUNTS[0]}:assumed-role/SupportBotRole/svc-prod",
        usage / 1000,
        "1K tokens",
        Decimal("0.0034"),
        usage * Decimal("0.0034") / 1000,
        "Amazon Bedrock speech input tokens",
    )


def _credit_and_tax(day: date) -> list[dict]:
    credit_account, credit = CREDIT
    rows = []
    for line_type, amount, description in (
        ("Credit", credit, "AWS promotional credit applied to Amazon Bedrock Service"),
        ("Tax", TAX, "Tax for Amazon Bedrock Service"),
    ):
        usage_type = (
            "USE1-Claude4.5Sonnet-input-tokens-cross-region-global" if line_type == "Credit" else ""
        )
        rows.append(
            cur_row(
                day,
                credit_account,
                usage_type,
                line_type,
                "AmazonBedrockService",
                "Amazon Bedrock Service",
                "AWS",
                "us-east-1" if usage_type else None,
                None,
                Decimal(0),
                None,
                None,
                amount,
                description,
            )
        )
    return rows


def other_service_rows(first: date) -> list[dict]:
    """Not Bedrock: what a real export is mostly made of, and reconciliation must leave out."""
    return [
        cur_row(
            first,
            ACCOUNTS[0],
            "USE1-TimedStorage-ByteHrs",
            "Usage",
            "AmazonS3",
            "Amazon Simple Storage Service",
            "AWS",
            "us-east-1",
            None,
            Decimal("12.5"),
            "GB-Mo",
            Decimal("0.023"),
            Decimal("0.2875"),
            "S3 storage for invocation logs",
        ),
        cur_row(
            first,
            ACCOUNTS[1],
            "USE1-BoxUsage:m5.large",
            "Usage",
            "AmazonEC2",
            "Amazon Elastic Compute Cloud",
            "AWS",
            "us-east-1",
            None,
            Decimal(24),
            "Hrs",
            Decimal("0.096"),
            Decimal("2.304"),
            "m5.large On Demand Linux",
        ),
    ]
