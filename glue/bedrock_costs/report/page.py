"""The one-file HTML cost report: tables rendered here, charts drawn by the inline script.

Everything is inline (styles, script, data), so the file opens offline, from a mail attachment or
an S3 console download alike. Values shown in tables are the exact table values rounded half-up
to 6 decimals (USD); the embedded JSON keeps them exact.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from importlib import resources
from typing import Any

from bedrock_costs.quality.page import quality_table, result_row

PLACES = Decimal("0.000001")


def usd(value: str | Decimal | None, places: Decimal = PLACES) -> str:
    """Exact decimal text to a display string, rounded half-up (as the page's script does)."""
    if value is None:
        return "–"
    return f"{Decimal(value).quantize(places, rounding=ROUND_HALF_UP):,}"


def _count(value: Any) -> str:
    return f"{int(value or 0):,}"


def _asset(name: str) -> str:
    return (
        resources.files("bedrock_costs")
        .joinpath("report", "assets", name)
        .read_text(encoding="utf-8")
    )


def _table(headers: list[str], rows: list[list[str]], numeric: set[int], table_id: str = "") -> str:
    if not rows:
        return '<p class="empty">none</p>'
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(c)}</td>' if i in numeric else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(title: str, note: str, body: str, section_id: str) -> str:
    return (
        f'<section id="{section_id}"><h2>{escape(title)}</h2>'
        f'<p class="note">{escape(note)}</p>{body}</section>'
    )


def render(data: dict[str, Any]) -> str:
    """The report page for `report.report_data`'s figures."""
    overview = data["overview"]
    priced_share = (
        f"{overview['priced_calls'] / overview['calls']:.1%}" if overview["calls"] else "–"
    )
    kpis = [
        ("total cost, priced calls (USD)", usd(overview["total_cost"])),
        ("calls", _count(overview["calls"])),
        ("priced", priced_share),
        ("days", f"{overview['first_day'] or '–'} … {overview['last_day'] or '–'}"),
        ("quarantined lines", _count(sum(r["lines"] for r in data["quarantine"]))),
    ]
    sections = [
        '<div class="kpis" id="kpis">'
        + "".join(
            f'<div class="kpi" data-kpi="{escape(name)}"><b>{escape(value)}</b>'
            f"<span>{escape(name)}</span></div>"
            for name, value in kpis
        )
        + "</div>",
        _daily(data),
        _tags(data),
        _principals(data),
        _cache(data),
        _unpriced(data),
        _reconciliation(data),
        _quality(data),
    ]
    payload = json.dumps(data, sort_keys=True).replace("<", "\\u003c")
    run = data.get("latest_run") or {}
    subtitle = f"{data['database']} · {data['output']} · generated {data['generated_at']}" + (
        f" · latest run {run.get('run_id')} ({run.get('status', 'succeeded')})" if run else ""
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bedrock-costs report</title>
<style>{_asset("report.css")}</style></head>
<body><header><h1>Amazon Bedrock costs</h1><p>{escape(subtitle)}</p></header>
<main>
{"".join(sections)}
</main>
<script type="application/json" id="report-data">{payload}</script>
<script>{_asset("report.js")}</script>
</body></html>
"""


def _daily(data: dict[str, Any]) -> str:
    totals: dict[str, tuple[int, Decimal]] = {}
    for row in data["daily_by_model"]:
        calls, cost = totals.get(row["model"], (0, Decimal(0)))
        totals[row["model"]] = (calls + row["calls"], cost + Decimal(row["cost"] or 0))
    ranked = sorted(totals.items(), key=lambda item: (-item[1][1], item[0]))
    rows = [[model, _count(calls), usd(cost)] for model, (calls, cost) in ranked]
    body = (
        '<svg class="chart" id="daily-chart" role="img" aria-label="daily cost by model"></svg>'
        '<div class="legend" id="daily-legend"></div>'
        + _table(["model", "priced calls", "cost (USD)"], rows, {1, 2}, "model-table")
    )
    return _section(
        "Daily cost by model",
        "Priced calls per UTC day, stacked by base model (the 8 largest; the rest as other).",
        body,
        "daily",
    )


def _tags(data: dict[str, Any]) -> str:
    columns = data["tag_columns"]
    if not columns:
        return _section("Cost by tag", "No tag columns were promoted.", "", "tags")
    options = "".join(f'<option value="{escape(c)}">{escape(c)}</option>' for c in columns)
    body = (
        f'<label>tag column <select id="tag-select">{options}</select></label>'
        '<svg class="chart" id="tag-chart" role="img" aria-label="cost by tag value"></svg>'
        '<table id="tag-table"><thead><tr><th>value</th><th class="n">calls</th>'
        '<th class="n">cost (USD)</th><th class="n">unpriced calls</th></tr></thead>'
        "<tbody></tbody></table>"
    )
    return _section(
        "Cost by tag",
        f"Per value of the chosen requestMetadata tag: the {len(columns)} promoted columns, "
        "top 20 values by cost, the rest as (other), calls without the tag as (untagged).",
        body,
        "tags",
    )


def _principals(data: dict[str, Any]) -> str:
    rows = [
        [
            r["principal_name"] or "(unknown)",
            r["principal_type"] or "",
            _count(r["calls"]),
            usd(r["cost"]),
            _count(r["unpriced_calls"]),
        ]
        for r in data["principals"]
    ]
    body = '<svg class="chart" id="principal-chart" role="img"></svg>' + _table(
        ["principal", "type", "calls", "cost (USD)", "unpriced calls"],
        rows,
        {2, 3, 4},
        "principal-table",
    )
    return _section(
        "Top principals", "The 20 IAM users and roles whose calls cost most.", body, "principals"
    )


def _cache(data: dict[str, Any]) -> str:
    rows = [
        [
            r["model"],
            _count(r["cache_read_tokens"]),
            usd(r["cache_read_cost"]),
            usd(r["read_savings"]),
            _count(r["cache_write_tokens"]),
            usd(r["cache_write_cost"]),
            usd(r["write_premium"]),
            usd(r["net_saving"]),
        ]
        for r in data["cache"]
    ]
    chart = '<svg class="chart" id="cache-chart" role="img"></svg>' if rows else ""
    body = chart + _table(
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
    return _section(
        "Prompt cache effect",
        "Priced calls that used the prompt cache: what reads saved against the model's input "
        "price, what writes cost above it (the input price of the row that priced each call).",
        body,
        "cache",
    )


def _unpriced(data: dict[str, Any]) -> str:
    unpriced = [
        [r["pricing_status"], r["model_id"] or "(none)", _count(r["calls"])]
        for r in data["unpriced"]
    ]
    quarantined = [[r["reason"], _count(r["lines"])] for r in data["quarantine"]]
    chart = (
        '<svg class="chart" id="unpriced-chart" role="img"></svg>'
        if unpriced or quarantined
        else ""
    )
    body = (
        chart
        + "<h3>Unpriced calls</h3>"
        + _table(["pricing_status", "model_id", "calls"], unpriced, {2}, "unpriced-table")
        + "<h3>Quarantined lines</h3>"
        + _table(["reason", "lines"], quarantined, {1}, "quarantine-table")
    )
    return _section(
        "Unpriced calls and quarantine",
        "Calls kept without a cost (never priced at $0) and input lines that could not become "
        "calls; `bedrock-costs pricing coverage` lists the price rows to add.",
        body,
        "unpriced",
    )


def _reconciliation(data: dict[str, Any]) -> str:
    periods = data["reconciliation"]
    if not periods:
        return _section(
            "Reconciliation with the bill",
            "Reconciliation has not run for this output: `bedrock-costs reconcile`.",
            "",
            "reconciliation",
        )
    status_rows = [
        [
            p["billing_period"],
            s["status"],
            _count(s["buckets"]),
            usd(s["cur_cost"]),
            usd(s["estimated_cost"]),
        ]
        for p in periods
        for s in p["statuses"]
    ]
    coverage_rows = [
        [
            p["billing_period"],
            usd(p.get("cur_total")),
            usd(p.get("estimated_total")),
            "–"
            if p.get("usage_matched_share") is None
            else f"{Decimal(p['usage_matched_share']):.1%}",
            usd(p["unattributed_cost"]),
        ]
        for p in periods
    ]
    drift_rows = [
        [
            p["billing_period"],
            str(d["model"]),
            str(d["region"]),
            f"{d['token_kind']} ({d['routing']}, {d['tier']})",
            str(d["table_per_mtok"] if d["table_per_mtok"] is not None else "none"),
            str(d["billed_per_mtok"]),
            str(d["since"]),
        ]
        for p in periods
        for d in p["drift"]
    ]
    body = (
        '<svg class="chart" id="recon-chart" role="img"></svg>'
        + _table(
            ["period", "CUR cost (USD)", "estimated (USD)", "usage matched", "unattributed (USD)"],
            coverage_rows,
            {1, 2, 3, 4},
            "coverage-table",
        )
        + "<h3>Buckets by status</h3>"
        + _table(
            ["period", "status", "buckets", "CUR cost (USD)", "estimated (USD)"],
            status_rows,
            {2, 3, 4},
            "status-table",
        )
        + "<h3>Price drift</h3>"
        + _table(
            ["period", "model", "Region", "kind", "table USD/Mtok", "billed USD/Mtok", "since"],
            drift_rows,
            set(),
            "drift-table",
        )
    )
    return _section(
        "Reconciliation with the bill",
        "CUR 2.0 Bedrock line items against the estimates; unattributed = billed dollars with no "
        "matching calls; drift = billed rates that differ from the price table.",
        body,
        "reconciliation",
    )


def _quality(data: dict[str, Any]) -> str:
    results = data["quality"]
    if not results:
        return _section("Data quality", "No quality results under _quality/.", "", "quality")
    parts = []
    for result in results:
        parts.append(
            f'<p class="status {result["status"]}">{escape(result["job"])}: '
            f"{escape(result['status'])} — {result['checks']} checks, "
            f"{len(result['failed'])} failed, {len(result['warned'])} warned "
            f"(run {escape(result['run_id'])})</p>"
            + quality_table("".join(result_row(r) for r in result["results"]))
        )
    return _section(
        "Data quality",
        "The newest great_expectations results of each job: fail checks stop a run before "
        "anything is published, warn checks are recorded.",
        "".join(parts),
        "quality",
    )
