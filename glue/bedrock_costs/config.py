"""One frozen configuration object for a run, built from CLI or Glue arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bedrock_costs.errors import UsageError
from bedrock_costs.price_table import PRICING_FORMATS, TIERS
from bedrock_costs.quality import QualityConfig

DEFAULT_DATABASE = "bedrock_costs"
DEFAULT_MAX_TAG_COLUMNS = 50


@dataclass(frozen=True)
class RunConfig:
    logs_path: str
    output_path: str
    pricing_path: str
    profiles_path: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    database: str = DEFAULT_DATABASE
    max_tag_columns: int = DEFAULT_MAX_TAG_COLUMNS
    pricing_format: str = "bedrock-costs"
    default_tier: str = "standard"
    unit_pricing_path: str | None = None  # None: the per-unit table shipped in pricing/
    quality: QualityConfig = field(default_factory=QualityConfig)

    def __post_init__(self) -> None:
        if (self.start_date is None) != (self.end_date is None):
            raise UsageError("--start-date and --end-date go together")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise UsageError(f"--end-date {self.end_date} is before --start-date {self.start_date}")
        if not self.database.replace("_", "").isalnum() or not self.database.islower():
            raise UsageError(
                f"--database must be lower-case letters, digits and _, got {self.database!r}"
            )
        if self.pricing_format not in PRICING_FORMATS:
            raise UsageError(f"--pricing-format must be one of {', '.join(PRICING_FORMATS)}")
        if self.default_tier not in TIERS:
            raise UsageError(f"--default-tier must be one of {', '.join(TIERS)}")
        if self.max_tag_columns < 0:
            raise UsageError("--max-tag-columns must be 0 or more")

    @property
    def window(self) -> tuple[date, date] | None:
        if self.start_date is None or self.end_date is None:
            return None
        return self.start_date, self.end_date


def parse_date(text: str, option: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} expects a date YYYY-MM-DD, got {text!r}") from None
