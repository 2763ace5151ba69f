"""Every option of the jobs, as the CLI and Glue spell it, mapped to the configs both use."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bedrock_costs.config.jobs import (
    FocusConfig,
    MaintainConfig,
    QualityConfig,
    ReconcileConfig,
    RunConfig,
    as_count,
    as_days,
    as_period,
    as_share,
    as_text,
    as_whole,
    parse_date,
    parse_policies,
)
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.vocabulary import PRICING_FORMATS, SERVICE_TIERS

CLI, GLUE = "cli", "glue"  # how a setting is spelled: --start-date or --start_date
UNSET = "none"  # a Glue argument with this value (or empty) is not set


@dataclass(frozen=True)
class Setting:
    """One option: its config field, its command-line flag and help; the Glue argument is
    `--<glue>` (`--<field>` unless named). Its default is the field's default in `target`."""

    field: str
    flag: str
    help: str
    target: type = RunConfig
    parse: Callable[[str, str], Any] = as_text
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
        found = {f.name: f for f in dataclasses.fields(self.target)}.get(self.field)
        if found is None:
            return None
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


def _count(field: str, help_: str, parse: Callable[[str, str], int] = as_days) -> Setting:
    """A whole number, `--<field with dashes>`."""
    return Setting(field, f"--{field.replace('_', '-')}", help_, parse=parse, metavar="N")


def _billing_period(default_help: str) -> Setting:
    return Setting(
        "billing_period",
        "--billing-period",
        "only this period",
        parse=as_period,
        metavar="YYYY-MM",
        default_help=default_help,
    )


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
        parse=as_days,
        metavar="N",
    ),
    DATABASE,
    _count("max_tag_columns", "most tag_<key> columns to promote", as_whole),
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
        parse=as_share,
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
    _billing_period("every one found"),
    _count(
        "recent_periods",
        "only the N latest periods of the export (--billing-period wins)",
        as_count,
    ),
    Setting(
        "pricing_path",
        "--pricing",
        "price table to check drift against",
        metavar="CSV",
        default_help="the one shipped in pricing/",
    ),
    DATABASE,
    _count("max_tag_columns", "most bill_tag_<key> (and bill_principal_tag_) columns", as_whole),
    Setting(
        "min_matched_share",
        "--min-matched-share",
        "the usage_matched_share quality check's threshold, 0..1",
        target=QualityConfig,
        parse=as_share,
        metavar="F",
    ),
    POLICIES,
    target=ReconcileConfig,
)
FOCUS_SETTINGS = _settings(
    _output("the run's --output"),
    _billing_period("every month with invocations"),
    DATABASE,
    target=FocusConfig,
)
MAINTAIN_SETTINGS = _settings(
    _output("the run's --output"),
    DATABASE,
    _count("keep_days", "expire snapshots older than N days (tagged ones stay: month-end closes)"),
    _count("stale_branch_hours", "remove a killed run's branch older than N hours", as_whole),
    _count("orphan_days", "delete files no snapshot references once older than N days"),
    target=MaintainConfig,
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


def maintain_config(values: Mapping[str, Any], spelling: str) -> MaintainConfig:
    return MaintainConfig(**parsed(MAINTAIN_SETTINGS, values, spelling))


def default_text(setting: Setting) -> str:
    """A setting's default as a Glue argument value (`none`: not set, or the shipped file)."""
    value = setting.default
    if value is None or value == {} or setting.default_help:
        return UNSET
    return str(value)
