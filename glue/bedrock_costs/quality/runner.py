"""Running checks over a frame: with great_expectations (what every job uses), or any other
Validator a caller passes (tests that are not about the gates pass one that runs nothing)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from bedrock_costs.quality.checks import Check
from bedrock_costs.quality.results import CheckResult, QualityReport

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

EXAMPLES = 5  # unexpected values kept per failed check
RESULT_FORMAT = "BASIC"  # counts and a few unexpected values; SUMMARY adds a group-by per check


class Validator(Protocol):
    @property
    def version(self) -> str:  # what the results say decided them
        ...

    def __call__(self, table: str, frame: DataFrame, checks: list[Check]) -> list[CheckResult]: ...


class GreatExpectations:
    """The checks as one great_expectations suite over the frame (cached while it runs), in an
    ephemeral context: no project folder, no network, no progress bars."""

    @property
    def version(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("great_expectations")
        except PackageNotFoundError:
            return ""

    def __call__(self, table: str, frame: DataFrame, checks: list[Check]) -> list[CheckResult]:
        from pyspark import StorageLevel

        suite, batch_definition = _suite(table, checks)
        cached = frame.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            batch = batch_definition.get_batch(batch_parameters={"dataframe": cached})
            outcome = batch.validate(
                suite,
                result_format={
                    "result_format": RESULT_FORMAT,
                    "partial_unexpected_count": EXAMPLES,
                },
            )
        finally:
            cached.unpersist()
        by_name = {check.name: check for check in checks}
        return [_result(table, by_name, item) for item in outcome.results]


def _suite(table: str, checks: list[Check]) -> tuple[Any, Any]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    try:
        import great_expectations as gx
    except ImportError as exc:
        raise RuntimeError(
            "the data-quality gates need great_expectations, a dependency of this package: "
            "install the package with its dependencies (the Glue job does, from the wheel)"
        ) from exc
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_spark("bedrock_costs")
        .add_dataframe_asset(table)
        .add_batch_definition_whole_dataframe("run")
    )
    expectations = []
    for check in checks:
        expectation = check.expectation.build()
        expectation.meta = {"check": check.name}
        expectations.append(expectation)
    suite = context.suites.add(gx.ExpectationSuite(name=table, expectations=expectations))
    return suite, batch_definition


def _result(table: str, by_name: dict[str, Check], item: Any) -> CheckResult:
    config = item.expectation_config
    check = by_name[config.meta["check"]]
    found = item.result or {}
    error = item.exception_info.get("exception_message") if item.exception_info else None
    return CheckResult(
        table=table,
        name=check.name,
        description=check.description,
        policy=check.policy,
        success=bool(item.success),
        expectation=config.type,
        element_count=found.get("element_count"),
        unexpected_count=found.get("unexpected_count"),
        unexpected_percent=found.get("unexpected_percent"),
        observed_value=_plain(found.get("observed_value")),
        examples=[_plain(v) for v in found.get("partial_unexpected_list") or []][:EXAMPLES],
        error=error,
    )


def _plain(value: Any) -> Any:
    """JSON-friendly: decimals, dates and tuples as text or lists."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


# What `evaluate` uses when a job is given no validator: great_expectations. The one seam for
# tests whose subject is not the gates (tests/conftest.py swaps it for one that runs nothing).
DEFAULT: Callable[[], Validator] = GreatExpectations


def evaluate(
    run_id: str,
    job: str,
    suites: list[tuple[str, DataFrame, list[Check]]],
    validator: Validator | None = None,
) -> QualityReport:
    """Every suite's results in one report (saved and gated by results.gate)."""
    validator = validator or DEFAULT()
    report = QualityReport(run_id, job, great_expectations_version=validator.version)
    for table, frame, checks in suites:
        report.results += validator(table, frame, checks)
    return report
