"""The report's sections about the bill: reconciliation per period, and data quality."""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from bedrock_costs.quality.page import quality_table, result_row
from bedrock_costs.report.html import count, section, table, usd


def reconciliation(data: dict[str, Any]) -> str:
    periods = data["reconciliation"]
    title = "Reconciliation with the bill"
    if not periods:
        note = "Reconciliation has not run for this output: `bedrock-costs reconcile`."
        return section(title, note, "", "reconciliation")
    body = (
        '<svg class="chart" id="recon-chart" role="img"></svg>'
        + table(
            ["period", "CUR cost (USD)", "estimated (USD)", "usage matched", "unattributed (USD)"],
            _coverage_rows(periods),
            {1, 2, 3, 4},
            "coverage-table",
        )
        + "<h3>Buckets by status</h3>"
        + table(
            ["period", "status", "buckets", "CUR cost (USD)", "estimated (USD)"],
            _status_rows(periods),
            {2, 3, 4},
            "status-table",
        )
        + "<h3>Price drift</h3>"
        + table(
            ["period", "model", "Region", "kind", "table USD/Mtok", "billed USD/Mtok", "since"],
            _drift_rows(periods),
            set(),
            "drift-table",
        )
    )
    note = (
        "CUR 2.0 Bedrock line items against the estimates; unattributed = billed dollars with no "
        "matching calls; drift = billed rates that differ from the price table."
    )
    return section(title, note, body, "reconciliation")


def _coverage_rows(periods: list[dict[str, Any]]) -> list[list[str]]:
    return [
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


def _status_rows(periods: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            p["billing_period"],
            s["status"],
            count(s["buckets"]),
            usd(s["cur_cost"]),
            usd(s["estimated_cost"]),
        ]
        for p in periods
        for s in p["statuses"]
    ]


def _drift_rows(periods: list[dict[str, Any]]) -> list[list[str]]:
    return [
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


def quality(data: dict[str, Any]) -> str:
    results = data["quality"]
    if not results:
        return section("Data quality", "No quality results under _quality/.", "", "quality")
    parts = []
    for result in results:
        parts.append(
            f'<p class="status {result["status"]}">{escape(result["job"])}: '
            f"{escape(result['status'])} — {result['checks']} checks, "
            f"{len(result['failed'])} failed, {len(result['warned'])} warned "
            f"(run {escape(result['run_id'])})</p>"
            + quality_table("".join(result_row(r) for r in result["results"]))
        )
    return section(
        "Data quality",
        "The newest great_expectations results of each job: fail checks stop a run before "
        "anything is published, warn checks are recorded.",
        "".join(parts),
        "quality",
    )
