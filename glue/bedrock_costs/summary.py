"""The run summary: printed for people, written as JSON to <output>/_runs/<run_id>.json."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bedrock_costs import storage
from bedrock_costs.quality import human_line


@dataclass
class RunSummary:
    run_id: str
    started_at: datetime
    finished_at: datetime | None = None
    window: dict[str, str] | None = None
    files_read: int = 0
    lines_read: int = 0
    invocations_written: int = 0
    quarantined: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    out_of_window: int = 0
    unpriced: dict[str, dict[str, int]] = field(default_factory=dict)
    total_cost: Decimal = Decimal(0)
    currency: str = "USD"
    partitions_written: list[str] = field(default_factory=list)
    quarantine_partitions_written: list[str] = field(default_factory=list)
    tag_columns_promoted: list[str] = field(default_factory=list)
    tag_keys_not_promoted: list[str] = field(default_factory=list)
    profile_tag_columns: list[str] = field(default_factory=list)
    accounting_identity: str = ""
    catalog: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    status: str = "running"  # succeeded, or quality_failed (nothing published)
    quality: dict[str, Any] = field(default_factory=dict)

    @property
    def quarantined_total(self) -> int:
        return sum(self.quarantined.values())

    @property
    def unpriced_total(self) -> int:
        return sum(sum(by_model.values()) for by_model in self.unpriced.values())

    def to_dict(self) -> dict:
        data = asdict(self)
        data["quarantined_total"] = self.quarantined_total
        data["unpriced_total"] = self.unpriced_total
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, default=json_value) + "\n"

    def save(self, output_path: str) -> str:
        path = storage.join(output_path, "_runs", f"{self.run_id}.json")
        storage.write_text(path, self.to_json())
        return path

    def human(self) -> str:
        window = (
            f"{self.window['start']}..{self.window['end']}" if self.window else "all dates found"
        )
        lines = [
            f"run {self.run_id}  window: {window}",
            f"  lines read           {self.lines_read:>10,}  ({self.files_read:,} files)",
            f"  invocations written  {self.invocations_written:>10,}",
            f"  quarantined          {self.quarantined_total:>10,}  {_pairs(self.quarantined)}",
            f"  duplicates           {self.duplicates:>10,}",
            f"  out of window        {self.out_of_window:>10,}",
            f"  unpriced calls       {self.unpriced_total:>10,}  "
            f"{_pairs({s: sum(m.values()) for s, m in self.unpriced.items()})}",
            f"  total cost           {self.currency} {self.total_cost:,.6f}",
            f"  partitions written   {len(self.partitions_written):>10,}",
            f"  tag columns          {len(self.tag_columns_promoted):>10,}"
            + (
                f"  ({len(self.tag_keys_not_promoted)} keys left in request_metadata)"
                if self.tag_keys_not_promoted
                else ""
            ),
            f"  accounting identity  {self.accounting_identity}",
        ]
        if self.quality:
            lines.append(human_line(self.quality))
        return "\n".join(lines + [f"  warning: {w}" for w in self.warnings])


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{k}: {v:,}" for k, v in sorted(counts.items())) if counts else ""


def json_value(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)  # exact: a JSON number would become a float for most readers
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")
