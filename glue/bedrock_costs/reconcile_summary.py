"""The reconciliation summary: headline shares, statuses and findings, printed and as JSON.

Everything here is computed from small aggregates of the staged reconciliation rows and CUR
lines (bounded `.take`), never from row-level data on the driver.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from bedrock_costs import storage
from bedrock_costs.quality import human_line
from bedrock_costs.summary import json_value

MAX_FINDINGS = 1_000


@dataclass
class ReconcileSummary:
    billing_period: str
    run_id: str
    cur_files: list[str]
    by_principal: bool = False
    currency: str = "USD"
    cur_total: Decimal = Decimal(0)
    cur_by_category: dict[str, Decimal] = field(default_factory=dict)
    estimated_total: Decimal = Decimal(0)
    usage_matched_share: Decimal | None = None
    matched_share_by_account: dict[str, Decimal | None] = field(default_factory=dict)
    matched_share_by_region: dict[str, Decimal | None] = field(default_factory=dict)
    statuses: dict[str, dict] = field(default_factory=dict)
    findings: dict[str, list[dict]] = field(default_factory=dict)
    drift: list[dict] = field(default_factory=list)
    proposed_prices: str | None = None
    allocated_total: Decimal = Decimal(0)
    unattributed_total: Decimal = Decimal(0)
    allocation_check: str = ""
    rows: dict[str, int] = field(default_factory=dict)
    status: str = "running"  # "succeeded" once published (a failed gate saves no summary)
    quality: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=json_value) + "\n"

    def save(self, output_path: str) -> str:
        path = storage.join(output_path, "_reconcile", f"{self.billing_period}.json")
        storage.write_text(path, self.to_json())
        return path

    def human(self) -> str:
        categories = ", ".join(
            f"{k.lower()} {_usd(v)}" for k, v in sorted(self.cur_by_category.items())
        )
        grain = "by IAM principal" if self.by_principal else "no IAM principal data"
        lines = [
            f"reconciliation {self.billing_period}  ({len(self.cur_files)} CUR file(s), {grain})",
            f"  CUR Bedrock cost     {self.currency} {_usd(self.cur_total)}  ({categories})",
            f"  estimated from logs  {self.currency} {_usd(self.estimated_total)}",
            f"  usage matched        {_pct(self.usage_matched_share)} of billed usage dollars",
            "    by account         "
            + ", ".join(f"{k} {_pct(v)}" for k, v in self.matched_share_by_account.items()),
            "    by Region          "
            + ", ".join(f"{k} {_pct(v)}" for k, v in self.matched_share_by_region.items()),
            "  buckets by status    "
            + ", ".join(
                f"{s} {v['buckets']:,} ({_usd(v['cur_cost'])} billed)"
                for s, v in self.statuses.items()
            ),
        ]
        notes = [f"  - {line}" for line in _finding_lines(self)]
        if notes:
            lines += ["  findings:", *notes]
        lines.append(
            f"  allocations          {self.currency} {_usd(self.allocated_total)} allocated "
            f"({self.allocation_check}); unattributed {_usd(self.unattributed_total)}"
        )
        if self.proposed_prices:
            lines.append(f"  proposed price rows  {self.proposed_prices}")
        if self.quality:
            lines.append(human_line(self.quality))
        return "\n".join(lines)


def _usd(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.6f}"


def _pct(share: Decimal | None) -> str:
    return "n/a" if share is None else f"{share * 100:.2f} %"


def _unmapped(g: dict) -> str:
    if g["name"] is None:
        return (
            f"unmapped: logged usage of unresolved models in {g['buckets']:,} buckets "
            "(`bedrock-costs pricing coverage` lists the calls)"
        )
    return (
        f"unmapped: {g['name']}: {_usd(g['cur_cost'])} billed "
        "(add its billing name to pricing/model_names.csv)"
    )


_FINDINGS: tuple[tuple[str, Callable[[dict], str]], ...] = (
    (
        "logs_missing",
        lambda g: (
            f"logs missing: {g['account_id']} {g['region']} "
            f"{g['model'] or g['usage_types']}: {_usd(g['cur_cost'])} billed on {g['days']} day(s) "
            "with no logged call"
        ),
    ),
    (
        "drift",
        lambda d: (
            f"price drift: {d['model']} {d['region']} {d['routing']} {d['tier']} "
            f"{d['token_kind']}: billed {d['billed_per_mtok']}/M since {d['since']} "
            f"(table {d['table_per_mtok'] or 'has no row'})"
        ),
    ),
    (
        "over_under",
        lambda g: (
            f"{g['status']}: {g['account_id']} {g['region']} {g['model']} "
            f"{g['token_kind']} {g['routing']} {g['tier']}: estimated {_usd(g['estimated_cost'])}, "
            f"billed {_usd(g['cur_cost'])} on {g['days']} day(s) from {g['first_day']}"
        ),
    ),
    (
        "marketplace",
        lambda g: (
            f"AWS Marketplace: {g['model']} billed {_usd(g['cur_cost'])} "
            f"({g['matched_buckets']}/{g['buckets']} buckets matched)"
        ),
    ),
    ("pricing_units", lambda g: f"pricing unit: {g['usage_type']}: {g['note']}"),
    ("unmapped", _unmapped),
    (
        "not_usage",
        lambda g: (
            f"not usage: {g['charge_category']} ({', '.join(g['line_item_types'])}) "
            f"{_usd(g['cur_cost'])}, kept out of usage and allocated separately"
        ),
    ),
    (
        "cur_missing",
        lambda g: (
            f"cur missing: {g['account_id']} {g['region']} {g['model']}: "
            f"{_usd(g['estimated_cost'])} estimated on {g['days']} day(s) the CUR does not bill"
        ),
    ),
)


def _finding_lines(s: ReconcileSummary, top: int = 6) -> list[str]:
    out = []
    for name, line in _FINDINGS:
        items = s.drift if name == "drift" else s.findings.get(name, [])
        out += [line(g) for g in items[:top]]
        if len(items) > top:
            out.append(f"... {len(items) - top} more {name.replace('_', ' ')} groups in the JSON")
    return out


def summarise(rec: DataFrame, summary: ReconcileSummary) -> None:
    """Fills the summary from the staged reconciliation rows (small aggregates only)."""
    usage = rec.where(F.col("charge_category") == "Usage")
    summary.cur_by_category = {
        r["charge_category"]: r["cost"]
        for r in rec.groupBy("charge_category")
        .agg(F.sum("cur_unblended_cost").alias("cost"))
        .take(10)
        if r["cost"] is not None
    }
    summary.estimated_total = (
        usage.agg(F.sum("estimated_cost")).first()[0] or Decimal(0)  # type: ignore[index]
    )
    summary.statuses = {
        r["status"]: {
            "buckets": r["buckets"],
            "cur_cost": r["cur"] or Decimal(0),
            "estimated_cost": r["est"] or Decimal(0),
        }
        for r in rec.groupBy("status")
        .agg(
            F.count("*").alias("buckets"),
            F.sum("cur_unblended_cost").alias("cur"),
            F.sum("estimated_cost").alias("est"),
        )
        .orderBy(F.desc("cur"))
        .take(10)
    }
    summary.usage_matched_share = _share(usage)
    summary.matched_share_by_account = _shares(usage, "account_id")
    summary.matched_share_by_region = _shares(usage, "region")
    summary.findings = {
        "logs_missing": _groups(
            usage.where(F.col("status") == "logs_missing"),
            ["account_id", "region", "model"],
            F.array_join(F.array_sort(F.flatten(F.collect_set("usage_types"))), " ").alias(
                "usage_types"
            ),
        ),
        "over_under": _groups(
            usage.where(F.col("status").isin("over", "under")),
            ["status", "account_id", "region", "model", "token_kind", "routing", "tier"],
            F.sum("estimated_cost").alias("estimated_cost"),
            F.min("usage_date").cast("string").alias("first_day"),
        ),
        "cur_missing": _groups(
            usage.where(F.col("status") == "cur_missing"),
            ["account_id", "region", "model"],
            F.sum("calls").alias("calls"),
            F.sum("estimated_cost").alias("estimated_cost"),
        ),
        "unmapped": _groups(
            usage.where(F.col("status") == "unmapped").withColumn(
                "name", F.coalesce("unmapped_usage_type", "model")
            ),
            ["name"],
            F.count("*").alias("buckets"),
        ),
        "marketplace": _groups(
            usage.where(F.col("marketplace")),
            ["model"],
            F.count("*").alias("buckets"),
            F.sum((F.col("status") == "matched").cast("int")).alias("matched_buckets"),
        ),
        "not_usage": _groups(
            rec.where(F.col("charge_category") != "Usage"),
            ["charge_category"],
            F.array_sort(F.flatten(F.collect_set("line_item_types"))).alias("line_item_types"),
        ),
    }


def _groups(frame: DataFrame, by: list[str], *extra: Column) -> list[dict]:
    rows = (
        frame.groupBy(*by)
        .agg(
            F.sum("cur_unblended_cost").alias("cur_cost"),
            F.countDistinct("usage_date").alias("days"),
            *extra,
        )
        .orderBy(F.desc_nulls_last(F.abs(F.col("cur_cost"))))
        .take(MAX_FINDINGS)
    )
    return [r.asDict() for r in rows]


def _share(usage: DataFrame) -> Decimal | None:
    shares = _shares(usage, None)
    return shares.get("", None)


def _shares(usage: DataFrame, by: str | None) -> dict[str, Decimal | None]:
    """Matched billed usage dollars / billed usage dollars, per value of `by` (or overall)."""
    key = F.col(by) if by else F.lit("")
    rows = (
        usage.groupBy(key.alias("k"))
        .agg(
            F.sum(F.when(F.col("status") == "matched", F.col("cur_unblended_cost"))).alias("m"),
            F.sum("cur_unblended_cost").alias("b"),
        )
        .orderBy("k")
        .take(1000)
    )
    return {r["k"]: (r["m"] or Decimal(0)) / r["b"] if r["b"] else None for r in rows}


def unit_findings(lines: DataFrame, summary: ReconcileSummary) -> None:
    """Usage types billed in more than one pricing unit, or in a unit we had to assume."""
    per_unit = (
        lines.where(F.col("token_kind").isNotNull() & (F.col("charge_category") == "Usage"))
        .groupBy("usage_type", "pricing_unit", "unit_basis")
        .agg(F.min("usage_date").alias("first"), F.max("usage_date").alias("last"))
    )
    grouped = (
        per_unit.groupBy("usage_type")
        .agg(
            F.array_sort(
                F.collect_list(F.struct("first", "last", "pricing_unit", "unit_basis"))
            ).alias("units")
        )
        .where((F.size("units") > 1) | F.exists("units", lambda u: u["unit_basis"] != "stated"))
        .orderBy("usage_type")
        .take(MAX_FINDINGS)
    )
    basis = {"assumed": " (no unit stated: read as millions of tokens)", "described": ""}
    found = []
    for r in grouped:
        parts = [
            f"{u['pricing_unit']!r} {u['first']}..{u['last']}" + basis.get(u["unit_basis"], "")
            for u in r["units"]
        ]
        note = ("changes unit: " if len(r["units"]) > 1 else "") + "; ".join(parts)
        found.append({"usage_type": r["usage_type"], "note": note, "units": len(r["units"])})
    summary.findings["pricing_units"] = found
