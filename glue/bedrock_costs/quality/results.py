"""Check results and a run's quality report: saved as JSON and HTML, summarised for the run."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from bedrock_costs.contract.errors import QualityGateError
from bedrock_costs.contract.vocabulary import FAIL, WARN
from bedrock_costs.io import storage
from bedrock_costs.quality.page import render_html


@dataclass
class CheckResult:
    table: str
    name: str
    description: str
    policy: str
    success: bool
    expectation: str
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed_value: Any = None
    examples: list[Any] = field(default_factory=list)
    error: str | None = None


@dataclass
class QualityReport:
    run_id: str
    job: str
    results: list[CheckResult] = field(default_factory=list)
    great_expectations_version: str = ""
    saved_to: str = ""  # the HTML page, once saved

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.policy == FAIL]

    @property
    def warned(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.policy == WARN]

    @property
    def status(self) -> str:
        return "failed" if self.failed else "warned" if self.warned else "passed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "job": self.job,
            "status": self.status,
            "checks": len(self.results),
            "failed": [r.name for r in self.failed],
            "warned": [r.name for r in self.warned],
            "great_expectations_version": self.great_expectations_version,
            "results": [asdict(r) for r in self.results],
        }

    def summary(self, output_path: str) -> dict[str, Any]:
        """What the run summary carries: status, the names that failed or warned, the files."""
        return {
            "status": self.status,
            "checks": len(self.results),
            "failed": [r.name for r in self.failed],
            "warned": [r.name for r in self.warned],
            "results": self.path(output_path, "json"),
        }

    def path(self, output_path: str, suffix: str) -> str:
        return storage.join(output_path, "_quality", f"{self.run_id}.{suffix}")

    def save(self, output_path: str) -> None:
        data = self.to_dict()
        storage.write_text(
            self.path(output_path, "json"), json.dumps(data, indent=2, default=str) + "\n"
        )
        self.saved_to = self.path(output_path, "html")
        storage.write_text(self.saved_to, render_html(data))

    def lines(self) -> list[str]:
        """One line per check that did not hold, for the terminal."""
        return [
            f"  quality {r.policy:<4} {r.table}.{r.name}: {_observed(r)}"
            for r in (*self.failed, *self.warned)
        ]


def gate(report: QualityReport, output_path: str) -> QualityReport:
    """Save the results; raise QualityGateError if a `fail` check did not hold."""
    report.save(output_path)
    if report.failed:
        raise QualityGateError(
            report.run_id, [r.name for r in report.failed], report.lines(), report.saved_to
        )
    return report


def human_line(summary: Mapping[str, Any]) -> str:
    """The summary's one line about data quality (run and reconciliation summaries)."""
    named = "".join(
        f"; {kind}: {', '.join(summary[kind])}" for kind in ("failed", "warned") if summary[kind]
    )
    page = str(summary["results"]).removesuffix(".json") + ".html"
    return f"  data quality         {summary['status']} ({summary['checks']} checks{named})  {page}"


def _observed(result: CheckResult) -> str:
    if result.error:
        return result.error
    if result.unexpected_count is not None:
        shown = f"; e.g. {result.examples}" if result.examples else ""
        return (
            f"{result.unexpected_count:,} of {result.element_count or 0:,} rows "
            f"({result.unexpected_percent or 0:.2f} %) unexpected{shown}"
        )
    return f"observed {result.observed_value}"
