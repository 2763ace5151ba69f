"""Every setting of the jobs in one place: the frozen configs, their defaults, and one table of
settings from which the command line and the Glue adapter both build them.

A default is the config dataclass's field default, nothing else: the command line's help, the
Glue job's default arguments (`python -m bedrock_costs.entry.glue defaults`) and a config built
in code all read it from there.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.vocabulary import (
    OUR_FORMAT,
    PRICING_FORMATS,
    QUALITY_POLICIES,
    SERVICE_TIERS,
    STANDARD_TIER,
)
from bedrock_costs.reference.price_file import default_pricing_path

CLI, GLUE = "cli", "glue"  # how a setting is spelled: --start-date or --start_date
UNSET = "none"  # a Glue argument with this value (or empty) is not set


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
    pricing_path: str = field(default_factory=default_pricing_path)
    database: str = RunConfig.database
    quality: QualityConfig = field(default_factory=QualityConfig)

    def __post_init__(self) -> None:
        check_database(self.database)
        if self.billing_period is not None:
            check_period(self.billing_period)


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


def _text(text: str, option: str) -> str:
    return text


def _whole(text: str, option: str) -> int:
    if not text.strip().isdigit():
        raise UsageError(f"{option} expects a whole number, got {text!r}")
    return int(text)


def _days(text: str, option: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"{option} expects a whole number of days, got {text!r}")
    return int(text)


def _share(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise UsageError(f"{option} expects a number between 0 and 1, got {text!r}") from None


def _period(text: str, option: str) -> str:
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


@dataclass(frozen=True)
class Setting:
    """One option: its config field, its command-line flag and help; the Glue argument is
    `--<glue>` (`--<field>` unless named). Its default is the field's default in `target`."""

    field: str
    flag: str
    help: str
    target: type = RunConfig
    parse: Callable[[str, str], Any] = _text
    required: bool = False
    glue_required: bool = False  # required by the Glue job although optional on the CLI
    metavar: str = "PATH"
    choices: tuple[str, ...] = ()
    repeatable: bool = False
    default_help: str = ""  # how help names the default when its value says little
    glue: str = ""

    @property
    def glue_name(self) -> str:
        return self.glue or self.field

    def key(self, spelling: str) -> str:
        """Its name among parsed arguments: argparse's dest, or the Glue argument."""
        return self.field if spelling == CLI else self.glue_name

    def option(self, spelling: str) -> str:
        return self.flag if spelling == CLI else f"--{self.glue_name}"

    def is_required(self, spelling: str) -> bool:
        return self.required or (spelling == GLUE and self.glue_required)

    @property
    def default(self) -> Any:
        """The target dataclass's default for this field (None when it has none)."""
        if self.field not in {f.name for f in dataclasses.fields(self.target)}:
            return None
        found = {f.name: f for f in dataclasses.fields(self.target)}[self.field]
        if found.default is not dataclasses.MISSING:
            return found.default
        if found.default_factory is not dataclasses.MISSING:
            return found.default_factory()
        return None


def _settings(*settings: Setting, target: type) -> tuple[Setting, ...]:
    return tuple(
        dataclasses.replace(s, target=target) if s.target is RunConfig else s for s in settings
    )


def _output(help_: str) -> Setting:
    return Setting("output_path", "--output", help_, required=True)


DATABASE = Setting("database", "--database", "catalog database", metavar="NAME")
POLICIES = Setting(
    "policies",
    "--quality-policy",
    "make a data-quality check fail (exit 3, nothing published) or warn; repeatable "
    "(e.g. priced_share=fail); the checks are listed in docs/quality.md",
    target=QualityConfig,
    parse=parse_policies,
    metavar="CHECK=POLICY",
    repeatable=True,
    default_help="each check's own",
    glue="quality_policy",
)
RUN_SETTINGS = (
    Setting("logs_path", "--logs", "folder (or s3:// URI) of invocation logs", required=True),
    _output("folder (or s3:// URI) for the tables"),
    Setting(
        "pricing_path",
        "--pricing",
        "price table",
        metavar="CSV",
        glue_required=True,
        default_help="the one shipped in pricing/",
    ),
    Setting(
        "profiles_path",
        "--profiles",
        "application inference profiles: profile_arn,model_id[,tags]",
        metavar="CSV",
    ),
    Setting(
        "unit_pricing_path",
        "--unit-pricing",
        "per-unit prices for image, video and rerank models",
        metavar="CSV",
        default_help="the table shipped in pricing/",
    ),
    Setting(
        "start_date", "--start-date", "first UTC day to process", parse=parse_date, metavar="D"
    ),
    Setting(
        "end_date",
        "--end-date",
        "last UTC day to process (inclusive)",
        parse=parse_date,
        metavar="D",
    ),
    Setting(
        "trailing_days",
        "--trailing-days",
        "the window of the last N UTC days, today included (in place of the two dates)",
        parse=_days,
        metavar="N",
    ),
    DATABASE,
    Setting(
        "max_tag_columns",
        "--max-tag-columns",
        "most tag_<key> columns to promote",
        parse=_whole,
        metavar="N",
    ),
    Setting(
        "pricing_format",
        "--pricing-format",
        "format of --pricing: ours, or the AWS sample solution's pricing.csv",
        metavar="FORMAT",
        choices=PRICING_FORMATS,
    ),
    Setting(
        "default_tier",
        "--default-tier",
        "service tier of calls whose log records none (e.g. batch for a batch-only job)",
        metavar="TIER",
        choices=SERVICE_TIERS,
    ),
    Setting(
        "min_priced_share",
        "--min-priced-share",
        "the priced_share quality check's threshold, 0..1",
        target=QualityConfig,
        parse=_share,
        metavar="F",
    ),
    POLICIES,
)
RECONCILE_SETTINGS = _settings(
    _output("the run's --output (tables go there)"),
    Setting(
        "cur_path",
        "--cur",
        "CUR 2.0 export: its root (data/, metadata/), its data/ folder or one "
        "BILLING_PERIOD=YYYY-MM folder; local or s3://",
        required=True,
    ),
    Setting(
        "billing_period",
        "--billing-period",
        "only this period",
        parse=_period,
        metavar="YYYY-MM",
        default_help="every one found",
    ),
    Setting(
        "pricing_path",
        "--pricing",
        "price table to check drift against",
        metavar="CSV",
        default_help="the one shipped in pricing/",
    ),
    DATABASE,
    Setting(
        "min_matched_share",
        "--min-matched-share",
        "the usage_matched_share quality check's threshold, 0..1",
        target=QualityConfig,
        parse=_share,
        metavar="F",
    ),
    POLICIES,
    target=ReconcileConfig,
)
FOCUS_SETTINGS = _settings(
    _output("the run's --output"),
    Setting(
        "billing_period",
        "--billing-period",
        "only this period",
        parse=_period,
        metavar="YYYY-MM",
        default_help="every month with invocations",
    ),
    DATABASE,
    target=FocusConfig,
)


WINDOW = ("trailing_days", "start_date", "end_date")


def named(settings: tuple[Setting, ...], name: str) -> Setting:
    return next(s for s in settings if s.field == name)


def parsed(
    settings: tuple[Setting, ...], values: Mapping[str, Any], spelling: str
) -> dict[str, Any]:
    """Each setting given a value, parsed; settings left unset are left out (defaults apply)."""
    out: dict[str, Any] = {}
    for setting in settings:
        raw = values.get(setting.key(spelling))
        if isinstance(raw, list):
            raw = ",".join(raw)
        if raw is None or str(raw).strip().lower() in ("", UNSET):
            if setting.is_required(spelling):
                raise UsageError(f"{setting.option(spelling)} is required")
            continue
        out[setting.field] = setting.parse(str(raw), setting.option(spelling))
    return out


def _split(settings: tuple[Setting, ...], given: dict[str, Any]) -> tuple[dict, dict]:
    """The parsed values for the job's own config and for its QualityConfig."""
    quality = {s.field for s in settings if s.target is QualityConfig}
    own = {k: v for k, v in given.items() if k not in quality}
    return own, {k: v for k, v in given.items() if k in quality}


def run_config(values: Mapping[str, Any], spelling: str, today: date | None = None) -> RunConfig:
    """The cost job's config; `trailing_days` (what the daily trigger passes) becomes the window
    of the last N UTC days ending `today`, so late deliveries are picked up by the next runs."""
    own, quality = _split(RUN_SETTINGS, parsed(RUN_SETTINGS, values, spelling))
    days = own.pop("trailing_days", None)
    if days is not None:
        if "start_date" in own or "end_date" in own:
            names = [named(RUN_SETTINGS, n).option(spelling) for n in WINDOW]
            raise UsageError(
                f"{names[0]} replaces {names[1]} and {names[2]}: pass one or the other"
            )
        end = today or datetime.now(UTC).date()
        own["start_date"], own["end_date"] = end - timedelta(days=days - 1), end
    return RunConfig(**own, quality=QualityConfig(**quality))


def reconcile_config(values: Mapping[str, Any], spelling: str) -> ReconcileConfig:
    own, quality = _split(RECONCILE_SETTINGS, parsed(RECONCILE_SETTINGS, values, spelling))
    return ReconcileConfig(**own, quality=QualityConfig(**quality))


def focus_config(values: Mapping[str, Any], spelling: str) -> FocusConfig:
    return FocusConfig(**parsed(FOCUS_SETTINGS, values, spelling))


def default_text(setting: Setting) -> str:
    """A setting's default as a Glue argument value (`none`: not set, or the shipped file)."""
    value = setting.default
    if value is None or value == {} or setting.default_help:
        return UNSET
    return str(value)
