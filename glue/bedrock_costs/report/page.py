"""The one-file HTML cost report: tables rendered here, charts drawn by the inline script.

Everything is inline (styles, script, data), so the file opens offline, from a mail attachment or
an S3 console download alike. Values shown in tables are the exact table values rounded half-up
to 6 decimals (USD); the embedded JSON keeps them exact.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from bedrock_costs.report import bill_sections, sections
from bedrock_costs.report.html import asset, count, usd


def render(data: dict[str, Any]) -> str:
    """The report page for `report.report_data`'s figures."""
    overview = data["overview"]
    priced_share = (
        f"{overview['priced_calls'] / overview['calls']:.1%}" if overview["calls"] else "–"
    )
    kpis = [
        ("total cost, priced calls (USD)", usd(overview["total_cost"])),
        ("calls", count(overview["calls"])),
        ("priced", priced_share),
        ("days", f"{overview['first_day'] or '–'} … {overview['last_day'] or '–'}"),
        ("quarantined lines", count(sum(r["lines"] for r in data["quarantine"]))),
    ]
    parts = [
        '<div class="kpis" id="kpis">'
        + "".join(
            f'<div class="kpi" data-kpi="{escape(name)}"><b>{escape(value)}</b>'
            f"<span>{escape(name)}</span></div>"
            for name, value in kpis
        )
        + "</div>",
        sections.daily(data),
        sections.tags(data),
        sections.principals(data),
        sections.cache(data),
        sections.unpriced(data),
        bill_sections.reconciliation(data),
        bill_sections.quality(data),
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
<style>{asset("report.css")}</style></head>
<body><header><h1>Amazon Bedrock costs</h1><p>{escape(subtitle)}</p></header>
<main>
{"".join(parts)}
</main>
<script type="application/json" id="report-data">{payload}</script>
<script>{asset("report.js")}</script>
</body></html>
"""
