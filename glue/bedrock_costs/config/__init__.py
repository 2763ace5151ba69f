"""Every setting of the jobs in one place: the frozen configs and their defaults (jobs), and
the one settings table from which the command line and the Glue adapter both build them
(settings)."""

from bedrock_costs.config.glue_arguments import glue_default_arguments
from bedrock_costs.config.jobs import (
    FocusConfig,
    MaintainConfig,
    QualityConfig,
    ReconcileConfig,
    RunConfig,
    check_database,
    check_period,
    parse_date,
    parse_policies,
)
from bedrock_costs.config.settings import (
    CLI,
    FOCUS_SETTINGS,
    GLUE,
    MAINTAIN_SETTINGS,
    RECONCILE_SETTINGS,
    RUN_SETTINGS,
    UNSET,
    Setting,
    default_text,
    focus_config,
    maintain_config,
    reconcile_config,
    run_config,
)

__all__ = [
    "CLI",
    "FOCUS_SETTINGS",
    "GLUE",
    "MAINTAIN_SETTINGS",
    "RECONCILE_SETTINGS",
    "RUN_SETTINGS",
    "UNSET",
    "FocusConfig",
    "MaintainConfig",
    "QualityConfig",
    "ReconcileConfig",
    "RunConfig",
    "Setting",
    "check_database",
    "check_period",
    "default_text",
    "focus_config",
    "glue_default_arguments",
    "maintain_config",
    "parse_date",
    "parse_policies",
    "reconcile_config",
    "run_config",
]
