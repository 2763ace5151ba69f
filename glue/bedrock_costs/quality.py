"""Data-quality gates: great_expectations suites run on a run's staged tables before publishing.

Each check is one great_expectations expectation with a policy: `fail` stops the run before
anything is published or catalogued (exit 3), `warn` is recorded in the run summary and the
quality results. Checks run on the staged Parquet of the run (exactly the rows about to be
published), in an ephemeral great_expectations context: no project folder, no network.
Results go to `<output>/_quality/<run_id>.json` and `.html`.
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from bedrock_costs import storage
from bedrock_costs.errors import UsageError

if TYPE_CHECKING:  # the CLI imports this module for its options before Spark is needed
    from pyspark.sql import DataFrame

POLICIES = ("fail", "warn")
PRICING_STATUSES = ("priced", "unresolved_model", "unresolved_profile", "no_price")
CALL_STATUSES = ("success", "error")
RECONCILIATION_STATUSES = (
    "matched",
    "over",
    "under",
    "logs_missing",
    "cur_missing",
    "unmapped",
    "not_usage",
)
ALLOCATION_KINDS = ("call", "unattributed")
TOKEN_COLUMNS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
COST_PARTS = ("input_cost", "output_cost", "cache_read_cost", "cache_write_cost")
COST_COLUMNS = (*COST_PARTS, "total_cost")
DEFAULT_MIN_PRICED_SHARE = 0.95
DEFAULT_MIN_MATCHED_SHARE = 0.90
EXAMPLES = 5  # unexpected values kept per failed check
RESULT_FORMAT = "BASIC"  # counts and a few unexpected values; SUMMARY adds a group-by per check


class QualityGateError(RuntimeError):
    """A `fail` check did not hold: nothing was published (exit 3)."""

    def __init__(self, report: QualityReport) -> None:
        self.report = report
        names = ", ".join(r.name for r in report.failed)
        super().__init__(f"quality gate failed ({names}); nothing was published")


@dataclass(frozen=True)
class QualityConfig:
    """Thresholds and per-check policy overrides (`--quality-policy NAME=fail|warn`)."""

    min_priced_share: float = DEFAULT_MIN_PRICED_SHARE
    min_matched_share: float = DEFAULT_MIN_MATCHED_SHARE
    policies: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, share in (
            ("--min-priced-share", self.min_priced_share),
            ("--min-matched-share", self.min_matched_share),
        ):
            if not 0 <= share <= 1:
                raise UsageError(f"{name} must be between 0 and 1, not {share}")
        known = {check.name for check in all_checks(self)}
        for name, policy in self.policies.items():
            if name not in known:
                raise UsageError(
                    f"unknown quality check {name!r}; the checks are: {', '.join(sorted(known))}"
                )
            if policy not in POLICIES:
                raise UsageError(f"quality policy for {name} must be fail or warn, not {policy!r}")

    def policy(self, check: str, default: str) -> str:
        return self.policies.get(check, default)


def parse_policies(pairs: list[str] | None) -> dict[str, str]:
    """`NAME=fail|warn` pairs from the command line or a Glue argument (comma-separated)."""
    policies = {}
    for pair in pairs or []:
        for item in filter(None, (p.strip() for p in pair.split(","))):
            name, sep, policy = item.partition("=")
            if not sep:
                raise UsageError(f"--quality-policy takes NAME=fail or NAME=warn, not {item!r}")
            policies[name.strip()] = policy.strip()
    return policies


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    policy: str  # the default, until a QualityConfig overrides it
    expectation: Callable[[], Any]  # built only when validating: great_expectations loads slowly


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
        return [r for r in self.results if not r.success and r.policy == "fail"]

    @property
    def warned(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.policy == "warn"]

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


# --- the suites -------------------------------------------------------------------------------


def _gxe() -> Any:
    import great_expectations.expectations as gxe

    return gxe


def _column(name: str) -> Any:
    from great_expectations.expectations.row_conditions import Column

    return Column(name)


def invocation_checks(config: QualityConfig) -> list[Check]:
    def not_null(column: str) -> Callable[[], Any]:
        return lambda: _gxe().ExpectColumnValuesToNotBeNull(column=column)

    def at_least_zero(column: str) -> Callable[[], Any]:
        return lambda: _gxe().ExpectColumnValuesToBeBetween(column=column, min_value=0)

    def in_set(column: str, values: tuple[str, ...], **extra: Any) -> Callable[[], Any]:
        return lambda: _gxe().ExpectColumnValuesToBeInSet(
            column=column, value_set=list(values), **extra
        )

    checks = [
        Check("request_id_not_null", "every call has a request id", "fail", not_null("request_id")),
        Check(
            "request_id_unique",
            "each request id is written once",
            "fail",
            lambda: _gxe().ExpectColumnValuesToBeUnique(column="request_id"),
        ),
        *[
            Check(f"{c}_not_negative", f"{c} ≥ 0", "fail", at_least_zero(c))
            for c in (*TOKEN_COLUMNS, *COST_COLUMNS)
        ],
        Check(
            "total_is_sum_of_parts",
            "total_cost = input + output + cache read + cache write (+ per-unit) cost",
            "fail",
            lambda: _gxe().ExpectColumnPairValuesToBeEqual(
                column_A="total_cost",
                column_B="sum_of_parts",
                row_condition=_column("pricing_status") == "priced",
            ),
        ),
        Check(
            "unpriced_calls_have_no_cost",
            "a call that is not priced has a null total_cost, never 0",
            "fail",
            lambda: _gxe().ExpectColumnValuesToBeNull(
                column="total_cost", row_condition=_column("pricing_status") != "priced"
            ),
        ),
        Check(
            "pricing_status_in_vocabulary",
            "pricing_status is one of " + ", ".join(PRICING_STATUSES),
            "fail",
            in_set("pricing_status", PRICING_STATUSES),
        ),
        Check(
            "status_in_vocabulary",
            "status is success or error",
            "fail",
            in_set("status", CALL_STATUSES),
        ),
        Check("currency_is_usd", "currency is USD", "fail", in_set("currency", ("USD",))),
        Check(
            "usage_date_is_event_date",
            "usage_date is the UTC date of event_time",
            "fail",
            lambda: _gxe().ExpectColumnPairValuesToBeEqual(
                column_A="usage_date",
                column_B="event_date",
                ignore_row_if="either_value_is_missing",
            ),
        ),
        Check(
            "priced_share",
            f"at least {config.min_priced_share:.0%} of calls are priced",
            "warn",
            in_set("pricing_status", ("priced",), mostly=config.min_priced_share),
        ),
    ]
    return [_with_policy(c, config) for c in checks]


def reconciliation_checks(config: QualityConfig) -> list[Check]:
    checks = [
        Check(
            "reconciliation_status_in_vocabulary",
            "reconciliation status is one of " + ", ".join(RECONCILIATION_STATUSES),
            "fail",
            lambda: _gxe().ExpectColumnValuesToBeInSet(
                column="status", value_set=list(RECONCILIATION_STATUSES)
            ),
        ),
        Check(
            "usage_matched_share",
            f"at least {config.min_matched_share:.0%} of usage buckets match the bill",
            "warn",
            lambda: _gxe().ExpectColumnValuesToBeInSet(
                column="status",
                value_set=["matched"],
                mostly=config.min_matched_share,
                row_condition=_column("charge_category") == "Usage",
            ),
        ),
    ]
    return [_with_policy(c, config) for c in checks]


def allocation_checks(config: QualityConfig) -> list[Check]:
    checks = [
        Check(
            "allocation_in_vocabulary",
            "allocation is call or unattributed",
            "fail",
            lambda: _gxe().ExpectColumnValuesToBeInSet(
                column="allocation", value_set=list(ALLOCATION_KINDS)
            ),
        ),
        Check(
            "allocated_calls_have_request_id",
            "every allocation to a call names the call",
            "fail",
            lambda: _gxe().ExpectColumnValuesToNotBeNull(
                column="request_id", row_condition=_column("allocation") == "call"
            ),
        ),
        Check(
            "allocated_cost_not_null",
            "every allocation row carries an amount",
            "fail",
            lambda: _gxe().ExpectColumnValuesToNotBeNull(column="allocated_cost"),
        ),
    ]
    return [_with_policy(c, config) for c in checks]


def bucket_sum_checks(config: QualityConfig) -> list[Check]:
    checks = [
        Check(
            "allocations_sum_to_bill",
            "each bucket's allocations sum exactly to its CUR cost",
            "fail",
            lambda: _gxe().ExpectColumnPairValuesToBeEqual(column_A="allocated", column_B="billed"),
        )
    ]
    return [_with_policy(c, config) for c in checks]


def all_checks(config: QualityConfig) -> list[Check]:
    return [
        *invocation_checks(config),
        *reconciliation_checks(config),
        *allocation_checks(config),
        *bucket_sum_checks(config),
    ]


def _with_policy(check: Check, config: QualityConfig) -> Check:
    return dataclasses.replace(check, policy=config.policy(check.name, check.policy))


# --- frames the suites validate ----------------------------------------------------------------


def invocations_frame(invocations: DataFrame) -> DataFrame:
    """The columns the invocation checks read, plus the two values they compare with."""
    from pyspark.sql import functions as F

    # each part fits DECIMAL(33,12); adding five stays within 38 digits, so no scale is lost
    # (two DECIMAL(38,12) would add to a rounded DECIMAL(38,11))
    part = [
        F.coalesce(F.col(c), F.lit(0)).cast("decimal(33,12)") for c in (*COST_PARTS, "unit_cost")
    ]
    parts = part[0] + part[1] + part[2] + part[3] + part[4]
    priced = F.col("pricing_status") == "priced"
    return invocations.select(
        "request_id",
        *TOKEN_COLUMNS,
        *COST_COLUMNS,
        "pricing_status",
        "status",
        "currency",
        "usage_date",
        F.to_date("event_time").alias("event_date"),
        F.when(priced, parts).cast("decimal(38,12)").alias("sum_of_parts"),
    )


def bucket_sums_frame(reconciliation: DataFrame, allocations: DataFrame) -> DataFrame:
    """Per bucket with a bill or an allocation: allocated total against CUR unblended cost."""
    from pyspark.sql import functions as F

    from bedrock_costs.reconcile import KEY, null_safe_join

    keys = (*KEY, "charge_category")
    billed = reconciliation.where(F.col("cur_unblended_cost").isNotNull()).select(
        *keys, F.col("cur_unblended_cost").alias("billed")
    )
    allocated = allocations.groupBy(*keys).agg(F.sum("allocated_cost").alias("allocated"))
    money = "decimal(38,10)"
    both = null_safe_join(billed, allocated, keys, "full")
    return both.select(
        *keys,
        F.coalesce(F.col("allocated"), F.lit(0)).cast(money).alias("allocated"),
        F.coalesce(F.col("billed"), F.lit(0)).cast(money).alias("billed"),
    )


# --- running a suite -----------------------------------------------------------------------------


def validate(table: str, frame: DataFrame, checks: list[Check]) -> list[CheckResult]:
    """Run the checks as one great_expectations suite over `frame` (cached while it runs)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    try:
        import great_expectations as gx
    except ImportError as exc:
        raise RuntimeError(
            "the data-quality gates need great_expectations, a dependency of this package: "
            "install the package with its dependencies (the Glue job does, from the wheel)"
        ) from exc
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from pyspark import StorageLevel

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_spark("bedrock_costs")
        .add_dataframe_asset(table)
        .add_batch_definition_whole_dataframe("run")
    )
    expectations = []
    for check in checks:
        expectation = check.expectation()
        expectation.meta = {"check": check.name}
        expectations.append(expectation)
    suite = context.suites.add(gx.ExpectationSuite(name=table, expectations=expectations))
    cached = frame.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        batch = batch_definition.get_batch(batch_parameters={"dataframe": cached})
        outcome = batch.validate(
            suite,
            result_format={"result_format": RESULT_FORMAT, "partial_unexpected_count": EXAMPLES},
        )
    finally:
        cached.unpersist()
    by_name = {check.name: check for check in checks}
    results = []
    for item in outcome.results:
        config = item.expectation_config
        assert config is not None and config.meta is not None
        check = by_name[config.meta["check"]]
        found = item.result or {}
        error = item.exception_info.get("exception_message") if item.exception_info else None
        results.append(
            CheckResult(
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
        )
    return results


def _plain(value: Any) -> Any:
    """JSON-friendly: decimals, dates and tuples as text or lists."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def gx_version() -> str:
    from importlib.metadata import version

    return version("great_expectations")


def gate(report: QualityReport, output_path: str) -> QualityReport:
    """Save the results; raise QualityGateError if a `fail` check did not hold."""
    report.great_expectations_version = gx_version()
    report.save(output_path)
    if report.failed:
        raise QualityGateError(report)
    return report


# --- the readable page ---------------------------------------------------------------------


def render_html(data: Mapping[str, Any]) -> str:
    """A small self-contained page of one run's quality results."""
    rows = "\n".join(result_row(r) for r in data["results"])
    title = f"bedrock-costs quality — {data['job']} — run {data['run_id']}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{QUALITY_CSS}</style></head>
<body><h1>{html.escape(title)}</h1>
<p class="status {data["status"]}">{html.escape(data["status"].upper())}: {data["checks"]} checks,
{len(data["failed"])} failed, {len(data["warned"])} warned
(great_expectations {html.escape(data["great_expectations_version"])})</p>
{quality_table(rows)}
</body></html>
"""


QUALITY_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1d2733}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #dde3ea;padding:4px 8px;
text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
.passed{color:#1a7f37}.warned{color:#9a6700}.failed{color:#cf222e}.status{font-weight:600}
"""


def quality_table(rows: str) -> str:
    return (
        '<table class="quality"><thead><tr><th>table</th><th>check</th><th>policy</th>'
        "<th>result</th><th>rows</th><th>unexpected</th><th>examples</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def result_row(result: Mapping[str, Any]) -> str:
    outcome = (
        "passed" if result["success"] else ("failed" if result["policy"] == "fail" else "warned")
    )
    examples = result.get("error") or ", ".join(str(v) for v in result.get("examples") or [])
    count = result.get("element_count")
    unexpected = result.get("unexpected_count")
    return (
        f"<tr><td>{html.escape(result['table'])}</td>"
        f'<td title="{html.escape(result["expectation"])}">{html.escape(result["name"])}'
        f"<br><small>{html.escape(result['description'])}</small></td>"
        f'<td>{result["policy"]}</td><td class="{outcome}">{outcome}</td>'
        f'<td class="n">{"" if count is None else f"{count:,}"}</td>'
        f'<td class="n">{"" if unexpected is None else f"{unexpected:,}"}</td>'
        f"<td>{html.escape(examples)}</td></tr>"
    )
