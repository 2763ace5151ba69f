"""The frozen configs of the jobs and the checks of their values: a default is the field's
default here, nothing else (the settings table and the Glue default arguments read it)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.numbers import whole_number
from bedrock_costs.contract.vocabulary import (
    OUR_FORMAT,
    PRICING_FORMATS,
    QUALITY_POLICIES,
    SERVICE_TIERS,
    STANDARD_TIER,
)
from bedrock_costs.reference.price_file import default_pricing_path

# whole-number options (columns, periods, minutes, a port): a bound Python's int does not have
OPTION_LIMIT = 1_000_000_000
# a window of days: below a century (date arithmetic past year 1 fails)
DAYS_LIMIT = 36_500


@dataclass(frozen=True)
class QualityConfig:
    """Thresholds and per-check policy overrides (`--quality-policy NAME=fail|warn`).

    Check names are validated by the quality package when a job's inputs are checked.
    """

    min_priced_share: float = 0.95
    min_matched_share: float = 0.90
    policies: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, share in (
            ("--min-priced-share", self.min_priced_share),
            ("--min-matched-share", self.min_matched_share),
        ):
            if not 0 <= share <= 1:
                raise UsageError(f"{name} must be between 0 and 1, not {share}")
        for name, policy in self.policies.items():
            if policy not in QUALITY_POLICIES:
                raise UsageError(f"quality policy for {name} must be fail or warn, not {policy!r}")

    def policy(self, check: str, default: str) -> str:
        return self.policies.get(check, default)


@dataclass(frozen=True)
class RunConfig:
    """The invocation-cost job (`bedrock-costs run`, jobs/invocation_costs.py)."""

    logs_path: str
    output_path: str
    pricing_path: str = field(default_factory=default_pricing_path)
    profiles_path: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    database: str = "bedrock_costs"
    max_tag_columns: int = 50
    pricing_format: str = OUR_FORMAT
    default_tier: str = STANDARD_TIER
    unit_pricing_path: str | None = None  # None: the per-unit table shipped in pricing/
    quality: QualityConfig = field(default_factory=QualityConfig)

    def __post_init__(self) -> None:
        if (self.start_date is None) != (self.end_date is None):
            raise UsageError("--start-date and --end-date go together")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise UsageError(f"--end-date {self.end_date} is before --start-date {self.start_date}")
        check_database(self.database)
        if self.pricing_format not in PRICING_FORMATS:
            raise UsageError(f"--pricing-format must be one of {', '.join(PRICING_FORMATS)}")
        if self.default_tier not in SERVICE_TIERS:
            raise UsageError(f"--default-tier must be one of {', '.join(SERVICE_TIERS)}")
        if self.max_tag_columns < 0:
            raise UsageError("--max-tag-columns must be 0 or more")

    @property
    def window(self) -> tuple[date, date] | None:
        if self.start_date is None or self.end_date is None:
            return None
        return self.start_date, self.end_date


@dataclass(frozen=True)
class ReconcileConfig:
    """CUR reconciliation (`bedrock-costs reconcile`, jobs/cur_reconcile.py)."""

    output_path: str
    cur_path: str
    billing_period: str | None = None  # None: every period the export holds
    # only the N latest periods of the export (a given billing_period wins); None: all of them
    recent_periods: int | None = None
    pricing_path: str = field(default_factory=default_pricing_path)
    database: str = RunConfig.database
    max_tag_columns: int = RunConfig.max_tag_columns  # of each kind of bill tag
    quality: QualityConfig = field(default_factory=QualityConfig)

    def __post_init__(self) -> None:
        check_database(self.database)
        if self.max_tag_columns < 0:
            raise UsageError("--max-tag-columns must be 0 or more")
        if self.billing_period is not None:
            check_period(self.billing_period)


@dataclass(frozen=True)
class MaintainConfig:
    """Table maintenance (`bedrock-costs maintain`, jobs/maintain.py, weekly in Glue)."""

    output_path: str
    database: str = RunConfig.database
    keep_days: int = 35  # snapshots younger than this stay readable "as of"; tagged ones always
    stale_branch_hours: int = 24  # a run's branch older than this: the run was killed
    orphan_days: int = 3  # files no snapshot names, older than this (none is being written)

    def __post_init__(self) -> None:
        check_database(self.database)


@dataclass(frozen=True)
class FocusConfig:
    """The FOCUS export (`bedrock-costs focus`; the Glue reconcile job runs it per period)."""

    output_path: str
    billing_period: str | None = None  # None: every month with invocations
    database: str = RunConfig.database

    def __post_init__(self) -> None:
        check_database(self.database)
        if self.billing_period is not None:
            check_period(self.billing_period)


def check_database(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.islower():
        raise UsageError(f"--database must be lower-case letters, digits and _, got {name!r}")
    return name


def check_period(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise UsageError(f"--billing-period expects YYYY-MM, got {text!r}")
    return text


def parse_date(text: str, option: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} expects a date YYYY-MM-DD, got {text!r}") from None


# Parsers of given text, each (text, the option as the user spelled it) -> value.


def as_text(text: str, option: str) -> str:
    return text


def as_whole(text: str, option: str) -> int:
    value = whole_number(text.strip(), below=OPTION_LIMIT)
    if value is None:
        raise UsageError(f"{option} expects a whole number below {OPTION_LIMIT:,}, got {text!r}")
    return value


def as_count(text: str, option: str) -> int:
    value = whole_number(text, below=OPTION_LIMIT)
    if not value:
        raise UsageError(
            f"{option} expects a whole number of at least 1 (below {OPTION_LIMIT:,}), got {text!r}"
        )
    return value


def as_days(text: str, option: str) -> int:
    value = whole_number(text, below=DAYS_LIMIT)
    if not value:
        raise UsageError(
            f"{option} expects a whole number of days (1 to {DAYS_LIMIT - 1:,}), got {text!r}"
        )
    return value


def as_share(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{option} expects a number between 0 and 1, got {text!r}") from None


def as_period(text: str, option: str) -> str:
    return check_period(text)


def parse_policies(text: str, option: str = "--quality-policy") -> dict[str, str]:
    """`NAME=fail|warn` pairs, comma-separated (the command line's repeats are joined)."""
    policies = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, sep, policy = item.partition("=")
        if not sep:
            raise UsageError(f"{option} takes NAME=fail or NAME=warn, not {item!r}")
        policies[name.strip()] = policy.strip()
    return policies
