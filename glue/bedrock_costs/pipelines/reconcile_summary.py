"""The reconciliation summary of one billing period: printed for people, and as JSON under
`<output>/_reconcile/<period>.json` (its figures come from billing.findings)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from typing import Any

from bedrock_costs.contract.vocabulary import CURRENCY, RUNNING
from bedrock_costs.io import storage
from bedrock_costs.pipelines.run_summary import json_value
from bedrock_costs.quality.results import human_line


@dataclass
class ReconcileSummary:
    billing_period: str
    run_id: str
    cur_files: list[str]
    by_principal: bool = False
    currency: str = CURRENCY
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
    # the bill's own tags: columns written, keys left in bill_tags, key spellings the CUR used
    bill_tags: dict[str, list[str]] = field(default_factory=dict)
    # the Iceberg snapshots read (invocations) and published (reconciliation, allocations):
    # `query --as-of SNAPSHOT` reproduces exactly what this reconciliation saw and wrote
    snapshots: dict[str, int | None] = field(default_factory=dict)
    status: str = RUNNING  # "succeeded" once published (a failed gate saves no summary)
    quality: dict[str, Any] = field(default_factory=dict)

    def add(self, figures: dict[str, Any]) -> None:
        """Figures computed elsewhere (billing.findings), each one of this summary's fields."""
        known = {f.name for f in fields(self)}
        for name, value in figures.items():
            if name not in known:
                raise KeyError(f"{name} is not a reconciliation summary field")
            setattr(self, name, value)

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
        if self.bill_tags.get("columns") or self.bill_tags.get("not_promoted"):
            lines.append(_bill_tag_line(self.bill_tags))
        if self.proposed_prices:
            lines.append(f"  proposed price rows  {self.proposed_prices}")
        if self.quality:
            lines.append(human_line(self.quality))
        return "\n".join(lines)


def _bill_tag_line(tags: dict[str, list[str]]) -> str:
    columns, left = tags.get("columns", []), tags.get("not_promoted", [])
    line = f"  bill tags            {len(columns)} column(s): {', '.join(columns) or '-'}"
    if left:
        line += f"; {len(left)} key(s) kept in bill_tags only: {', '.join(left[:10])}"
    spellings = [s for s in tags.get("key_spellings", []) if s != "other"]
    return line + (f" (CUR key spellings: {', '.join(spellings)})" if spellings else "")


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
