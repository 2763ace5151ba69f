"""A Glue job's arguments from the settings table: what the deployer sets on a job and the
Glue adapter prints (`python -m bedrock_costs.entry.glue defaults JOB`)."""

from __future__ import annotations

from bedrock_costs.config.settings import GLUE, Setting, default_text


def glue_default_arguments(settings: tuple[Setting, ...]) -> dict[str, str]:
    """A Glue job's default arguments for every optional setting (getResolvedOptions needs
    each argument a job asks for; the deployment's own values override them)."""
    return {f"--{s.glue_name}": default_text(s) for s in settings if not s.is_required(GLUE)}
