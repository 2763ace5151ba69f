"""The checks each job runs on its staged tables, as data: a name, a description, a default
policy and the great_expectations expectation that decides it.

Allowed values come from the table schemas' vocabularies, so a check tests exactly what the
schema declares.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bedrock_costs.config import QualityConfig
from bedrock_costs.contract import schemas
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.vocabulary import CALL, FAIL, MATCHED, PRICED, USAGE, WARN

# A run that quarantined more than this share of its lines (1,754 of 1,754 once "succeeded,
# quality passed") fails by default: the input is not what the job reads
MAX_QUARANTINED_SHARE = 0.5
ACCOUNT_ID = r"^[0-9]{12}$"
IDENTITY_ARN = r"^arn:aws[a-z-]*:[a-z0-9-]+::[0-9]{12}:"
TOKEN_COLUMNS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
COST_PARTS = ("input_cost", "output_cost", "cache_read_cost", "cache_write_cost")
COST_COLUMNS = (*COST_PARTS, "total_cost")


@dataclass(frozen=True)
class Expectation:
    """A great_expectations expectation by class name and arguments, with an optional row
    condition (column, "==" or "!=", value); built only when validating, because
    great_expectations takes seconds to import."""

    kind: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    where: tuple[str, str, str] | None = None

    def build(self) -> Any:
        import great_expectations.expectations as gxe
        from great_expectations.expectations.row_conditions import Column

        extra: dict[str, Any] = {}
        if self.where is not None:
            column, operator, value = self.where
            condition = Column(column) == value if operator == "==" else Column(column) != value
            extra["row_condition"] = condition
        return getattr(gxe, self.kind)(**self.arguments, **extra)


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    policy: str  # the default, until a QualityConfig overrides it
    expectation: Expectation


def _not_null(column: str, where: tuple[str, str, str] | None = None) -> Expectation:
    return Expectation("ExpectColumnValuesToNotBeNull", {"column": column}, where)


def _in_set(column: str, values: tuple[str, ...], **extra: Any) -> Expectation:
    where = extra.pop("where", None)
    return Expectation(
        "ExpectColumnValuesToBeInSet", {"column": column, "value_set": list(values), **extra}, where
    )


def _vocabulary_check(table: str, column: str, name: str | None = None) -> Check:
    """The column holds only the values of the vocabulary its schema names."""
    values = schemas.load(table).column(column).allowed
    return Check(
        name or f"{column}_in_vocabulary",
        f"{column} is one of " + ", ".join(values),
        FAIL,
        _in_set(column, values),
    )


def _matches(column: str, regex: str) -> Expectation:
    return Expectation("ExpectColumnValuesToMatchRegex", {"column": column, "regex": regex})


def _pair_equal(a: str, b: str, **extra: Any) -> Expectation:
    where = extra.pop("where", None)
    return Expectation(
        "ExpectColumnPairValuesToBeEqual", {"column_A": a, "column_B": b, **extra}, where
    )


def invocation_checks(config: QualityConfig) -> list[Check]:
    at_least_zero = [
        Check(
            f"{c}_not_negative",
            f"{c} ≥ 0",
            FAIL,
            Expectation("ExpectColumnValuesToBeBetween", {"column": c, "min_value": 0}),
        )
        for c in (*TOKEN_COLUMNS, *COST_COLUMNS)
    ]
    checks = [
        Check("request_id_not_null", "every call has a request id", FAIL, _not_null("request_id")),
        Check(
            "request_id_unique",
            "each request id is written once",
            FAIL,
            Expectation("ExpectColumnValuesToBeUnique", {"column": "request_id"}),
        ),
        *at_least_zero,
        Check(
            "total_is_sum_of_parts",
            "total_cost = input + output + cache read + cache write (+ per-unit) cost",
            FAIL,
            _pair_equal("total_cost", "sum_of_parts", where=("pricing_status", "==", PRICED)),
        ),
        Check(
            "unpriced_calls_have_no_cost",
            "a call that is not priced has a null total_cost, never 0",
            FAIL,
            Expectation(
                "ExpectColumnValuesToBeNull",
                {"column": "total_cost"},
                ("pricing_status", "!=", PRICED),
            ),
        ),
        _vocabulary_check("invocations", "pricing_status"),
        _vocabulary_check("invocations", "status"),
        _vocabulary_check("invocations", "currency", "currency_is_usd"),
        Check(
            "usage_date_is_event_date",
            "usage_date is the UTC date of event_time",
            FAIL,
            _pair_equal("usage_date", "event_date", ignore_row_if="either_value_is_missing"),
        ),
        *_coverage_checks(config),
    ]
    return _with_policies(checks, config)


def _coverage_checks(config: QualityConfig) -> list[Check]:
    """Whether the calls can be attributed (accounts) and priced."""
    return [
        # a redacted export (arn:aws:iam::XXXXXXXXXXXX:…) or a made-up account: still priced,
        # but not attributable to an account (issue 17)
        Check(
            "account_id_is_12_digits",
            "every call's accountId is 12 digits",
            WARN,
            _matches("account_id", ACCOUNT_ID),
        ),
        Check(
            "identity_arn_names_an_account",
            "every caller's identity ARN names a 12-digit account",
            WARN,
            _matches("identity_arn", IDENTITY_ARN),
        ),
        Check(
            "priced_share",
            f"at least {config.min_priced_share:.0%} of calls are priced",
            WARN,
            _in_set("pricing_status", (PRICED,), mostly=config.min_priced_share),
        ),
    ]


def line_checks(config: QualityConfig) -> list[Check]:
    """On one row: the run's quarantined_share (quarantined / lines read)."""
    checks = [
        Check(
            "quarantined_share",
            f"at most {MAX_QUARANTINED_SHARE:.0%} of the lines read are quarantined",
            FAIL,
            Expectation(
                "ExpectColumnValuesToBeBetween",
                {"column": "quarantined_share", "max_value": MAX_QUARANTINED_SHARE},
            ),
        )
    ]
    return _with_policies(checks, config)


def reconciliation_checks(config: QualityConfig) -> list[Check]:
    checks = [
        _vocabulary_check("reconciliation", "status", "reconciliation_status_in_vocabulary"),
        Check(
            "usage_matched_share",
            f"at least {config.min_matched_share:.0%} of usage buckets match the bill",
            WARN,
            _in_set(
                "status",
                (MATCHED,),
                mostly=config.min_matched_share,
                where=("charge_category", "==", USAGE),
            ),
        ),
    ]
    return _with_policies(checks, config)


def allocation_checks(config: QualityConfig) -> list[Check]:
    checks = [
        _vocabulary_check("allocations", "allocation"),
        Check(
            "allocated_calls_have_request_id",
            "every allocation to a call names the call",
            FAIL,
            _not_null("request_id", where=("allocation", "==", CALL)),
        ),
        Check(
            "allocated_cost_not_null",
            "every allocation row carries an amount",
            FAIL,
            _not_null("allocated_cost"),
        ),
    ]
    return _with_policies(checks, config)


def bucket_sum_checks(config: QualityConfig) -> list[Check]:
    checks = [
        Check(
            "allocations_sum_to_bill",
            "each bucket's allocations sum exactly to its CUR cost",
            FAIL,
            _pair_equal("allocated", "billed"),
        )
    ]
    return _with_policies(checks, config)


def all_checks(config: QualityConfig) -> list[Check]:
    return [
        *invocation_checks(config),
        *line_checks(config),
        *reconciliation_checks(config),
        *allocation_checks(config),
        *bucket_sum_checks(config),
    ]


def check_policies(config: QualityConfig) -> None:
    """Every --quality-policy names a check (before Spark starts: a usage error, exit 2)."""
    known = {check.name for check in all_checks(config)}
    for name in config.policies:
        if name not in known:
            raise UsageError(
                f"unknown quality check {name!r}; the checks are: {', '.join(sorted(known))}"
            )


def _with_policies(checks: list[Check], config: QualityConfig) -> list[Check]:
    return [dataclasses.replace(c, policy=config.policy(c.name, c.policy)) for c in checks]
