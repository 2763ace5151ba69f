"""The run summary: printed for people, written as JSON to <output>/_runs/<run_id>.json."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from bedrock_costs.contract.vocabulary import CURRENCY, RUNNING
from bedrock_costs.invocations.counts import LineCounts, StagedCounts
from bedrock_costs.invocations.tags import TagPlan
from bedrock_costs.io import storage
from bedrock_costs.quality.results import human_line

# the quarantined share of the lines read above which the summary warns
_NOTED_QUARANTINE = 0.05


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
    currency: str = CURRENCY
    partitions_written: list[str | None] = field(default_factory=list)  # None: undated rows
    quarantine_partitions_written: list[str | None] = field(default_factory=list)
    tag_columns_promoted: list[str] = field(default_factory=list)
    tag_keys_not_promoted: list[str] = field(default_factory=list)
    profile_tag_columns: list[str] = field(default_factory=list)
    accounting_identity: str = ""
    catalog: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    status: str = RUNNING  # succeeded, or quality_failed (nothing published)
    quality: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, window: tuple[date, date] | None) -> RunSummary:
        started = datetime.now(UTC).replace(microsecond=0)
        summary = cls(run_id=f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}", started_at=started)
        if window:
            summary.window = {"start": window[0].isoformat(), "end": window[1].isoformat()}
        return summary

    def finish(self, output_path: str, status: str) -> None:
        """Saved with its final status (also when a quality gate stopped the run)."""
        self.status = status
        self.finished_at = datetime.now(UTC).replace(microsecond=0)
        self.save(output_path)

    def count(self, lines: LineCounts, written: StagedCounts, plan: TagPlan, database: str) -> None:
        """The run's numbers and warnings; raises AccountingError if the identity fails."""
        self.lines_read = lines.lines_read
        self.invocations_written = written.invocations
        self.quarantined = dict(sorted(written.quarantined.items()))
        self.duplicates = lines.duplicates
        self.out_of_window = lines.out_of_window
        self.unpriced = {s: dict(sorted(m.items())) for s, m in sorted(written.unpriced.items())}
        self.total_cost = written.total_cost
        self.tag_columns_promoted = list(plan.columns)
        self.profile_tag_columns = list(plan.profile_columns)
        self.tag_keys_not_promoted = sorted(k for tag in plan.not_promoted for k in tag.raw_keys)
        self.accounting_identity = lines.check(written)
        self.catalog = {"database": database, "tables": "invocations, quarantine"}
        self.warnings += _warnings(self.files_read, written)
        if self.lines_read and self.quarantined_total / self.lines_read > _NOTED_QUARANTINE:
            self.warnings.append(
                f"{self.quarantined_total / self.lines_read:.1%} of the lines read were "
                f"quarantined ({self.quarantined_total:,} of {self.lines_read:,}): see the "
                "quarantine table's reasons"
            )
        if plan.keys_cut_at:
            self.warnings.append(
                f"more than {plan.keys_cut_at:,} distinct requestMetadata keys: the tag plan read "
                f"the {plan.keys_cut_at:,} most used, so tag_keys_not_promoted lists only those"
            )

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


def _warnings(files_read: int, written: StagedCounts) -> list[str]:
    warnings = []
    if files_read == 0:
        warnings.append("no log files found under the logs path for this window")
    if written.one_hour_at_5m_rate:
        warnings.append(
            f"{written.one_hour_at_5m_rate} calls made 1-hour cache writes the price table has no "
            "1-hour price for: priced at the 5-minute rate (cache_write_ttl_basis 1h_at_5m_rate)"
        )
    if len(written.unpriced) and written.invocations:
        share = sum(sum(m.values()) for m in written.unpriced.values()) / written.invocations
        warnings.append(f"{share:.1%} of calls are unpriced; see unpriced by status and model_id")
    return warnings


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
