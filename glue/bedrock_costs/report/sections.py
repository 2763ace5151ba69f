"""The report's sections about estimated costs: daily by model, by tag, top principals, the
prompt-cache effect, unpriced calls and the quarantine."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from bedrock_costs.report.html import count, section, table, usd


def daily(data: dict[str, Any]) -> str:
    totals: dict[str, tuple[int, Decimal]] = {}
    for row in data["daily_by_model"]:
        calls, cost = totals.get(row["model"], (0, Decimal(0)))
        totals[row["model"]] = (calls + row["calls"], cost + Decimal(row["cost"] or 0))
    ranked = sorted(totals.items(), key=lambda item: (-item[1][1], item[0]))
    rows = [[model, count(calls), usd(cost)] for model, (calls, cost) in ranked]
    body = (
        '<svg class="chart" id="daily-chart" role="img" aria-label="daily cost by model"></svg>'
        '<div class="legend" id="daily-legend"></div>'
        + table(["model", "priced calls", "cost (USD)"], rows, {1, 2}, "model-table")
    )
    return section(
        "Daily cost by model",
        "Priced calls per UTC day, stacked by base model (the 8 largest; the rest as other).",
        body,
        "daily",
    )


def tags(data: dict[str, Any]) -> str:
    columns, billed = data["tag_columns"], data.get("bill_tag_columns", [])
    if not columns and not billed:
        return section("Cost by tag", "No tag columns were promoted.", "", "tags")

    def group(label: str, names: list[str]) -> str:
        options = "".join(f'<option value="{escape(c)}">{escape(c)}</option>' for c in names)
        return f'<optgroup label="{label}">{options}</optgroup>' if names else ""

    body = (
        '<label>tag column <select id="tag-select">'
        + group("logs: requestMetadata and profile tags, estimated cost", columns)
        + group("bill: CUR cost allocation and IAM principal tags, billed cost", billed)
        + "</select></label>"
        '<svg class="chart" id="tag-chart" role="img" aria-label="cost by tag value"></svg>'
        '<table id="tag-table"><thead><tr><th>value</th><th class="n">calls</th>'
        '<th class="n">cost (USD)</th><th class="n">unpriced calls</th></tr></thead>'
        "<tbody></tbody></table>"
    )
    return section(
        "Cost by tag",
        f"Per value of the chosen tag: the {len(columns)} columns promoted from the logs "
        "(tag_, profile_tag_: estimated cost of the calls) and the "
        f"{len(billed)} from the bill (bill_tag_, bill_principal_tag_: the CUR's dollars as "
        "allocated to calls, so a column's values sum to the bill); top 20 values by cost, the "
        "rest as (other), rows without the tag as (untagged).",
        body,
        "tags",
    )


def principals(data: dict[str, Any]) -> str:
    rows = [
        [
            r["principal_name"] or "(unknown)",
            r["principal_type"] or "",
            count(r["calls"]),
            usd(r["cost"]),
            count(r["unpriced_calls"]),
        ]
        for r in data["principals"]
    ]
    body = '<svg class="chart" id="principal-chart" role="img"></svg>' + table(
        ["principal", "type", "calls", "cost (USD)", "unpriced calls"],
        rows,
        {2, 3, 4},
        "principal-table",
    )
    return section(
        "Top principals", "The 20 IAM users and roles whose calls cost most.", body, "principals"
    )


def cache(data: dict[str, Any]) -> str:
    rows = [
        [
            r["model"],
            count(r["cache_read_tokens"]),
            usd(r["cache_read_cost"]),
            usd(r["read_savings"]),
            count(r["cache_write_tokens"]),
            usd(r["cache_write_cost"]),
            usd(r["write_premium"]),
            usd(r["net_saving"]),
        ]
        for r in data["cache"]
    ]
    chart = '<svg class="chart" id="cache-chart" role="img"></svg>' if rows else ""
    body = chart + table(
        [
            "model",
            "cache read tokens",
            "read cost",
            "saved vs input price",
            "cache write tokens",
            "write cost",
            "premium over input price",
            "net saving",
        ],
        rows,
        {1, 2, 3, 4, 5, 6, 7},
        "cache-table",
    )
    return section(
        "Prompt cache effect",
        "Priced calls that used the prompt cache: what reads saved against the model's input "
        "price, what writes cost above it (the input price of the row that priced each call).",
        body,
        "cache",
    )


def unpriced(data: dict[str, Any]) -> str:
    unpriced = [
        [r["pricing_status"], r["model_id"] or "(none)", count(r["calls"])]
        for r in data["unpriced"]
    ]
    quarantined = [[r["reason"], count(r["lines"])] for r in data["quarantine"]]
    chart = (
        '<svg class="chart" id="unpriced-chart" role="img"></svg>'
        if unpriced or quarantined
        else ""
    )
    body = (
        chart
        + "<h3>Unpriced calls</h3>"
        + table(["pricing_status", "model_id", "calls"], unpriced, {2}, "unpriced-table")
        + "<h3>Quarantined lines</h3>"
        + table(["reason", "lines"], quarantined, {1}, "quarantine-table")
    )
    return section(
        "Unpriced calls and quarantine",
        "Calls kept without a cost (never priced at $0) and input lines that could not become "
        "calls; `bedrock-costs pricing coverage` lists the price rows to add.",
        body,
        "unpriced",
    )
