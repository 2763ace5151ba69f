"""deploy.sh's Glue jobs and triggers, through the SDK: each job and trigger read
(`BatchGetJobs`, `BatchGetTriggers`), compared with what this deployment wants, and created,
updated in place (`UpdateJob`, `UpdateTrigger`: names never change) or left alone.

Jobs: `<prefix>-invocation-costs`, with a CUR `<prefix>-cur-reconcile`, and `<prefix>-maintain`;
every optional job argument set to its default from the settings table (getResolvedOptions needs
each argument a job asks for), the Iceberg arguments of the Glue catalog, one concurrent run with
Glue's run queuing, and a timeout. Triggers: the daily cost run over a trailing window, the
reconciliation after each successful cost run, the weekly maintenance.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import Any

from bedrock_costs import config
from bedrock_costs.deploy.plan import Plan
from bedrock_costs.io.catalog_settings import glue_job_arguments

COMPARED = (  # what GetJob returns of what is sent; JobRunQueuingEnabled moto drops: not compared
    "Role",
    "Command",
    "DefaultArguments",
    "GlueVersion",
    "WorkerType",
    "NumberOfWorkers",
    "ExecutionProperty",
    "Timeout",
    "Description",
)
TRIGGER_FIELDS = ("Type", "Schedule", "Actions", "Predicate")


@dataclass(frozen=True)
class Jobs:
    prefix: str
    region: str
    role_arn: str
    database: str
    artifacts: str  # s3://…/ (trailing slash)
    modules: str  # the zip of wheels' file name, under <artifacts>wheels/ (deploy/glue_wheels.py)
    logs: str
    output: str
    cur: str  # "" without a CUR: no reconcile job or trigger
    glue_version: str = "5.0"
    worker_type: str = "G.1X"
    workers: int = 2
    timeout_minutes: int = 240
    schedule: str = "cron(30 2 * * ? *)"
    maintain_schedule: str = "cron(0 4 ? * SUN *)"
    trailing_days: int = 3

    def name(self, job: str) -> str:
        return f"{self.prefix}-{job}"


# deploy.sh's options for the settings above that have a default, and those defaults
SETTINGS = {f.name.replace("_", "-"): f.default for f in fields(Jobs) if f.default is not MISSING}


def definition(j: Jobs, job: str, script: str, settings: tuple, own: dict[str, str]) -> dict:
    """One job's definition, as CreateJob takes it (less Name and Tags)."""
    arguments = {
        **config.glue_default_arguments(settings),
        **glue_job_arguments(j.output.rstrip("/"), j.region),
        "--job-language": "python",
        "--enable-glue-datacatalog": "true",
        # the package and its pinned dependencies in one zip of wheels: installed with no
        # package index, so a job start needs no internet and installs the same every time
        "--additional-python-modules": f"{j.artifacts}wheels/{j.modules}",
        "--python-modules-installer-option": "--no-index",
        "--database": j.database,
        **own,
    }
    return {
        "Role": j.role_arn,
        "Command": {
            "Name": "glueetl",
            "ScriptLocation": f"{j.artifacts}jobs/{script}",
            "PythonVersion": "3",
        },
        "DefaultArguments": arguments,
        "GlueVersion": j.glue_version,
        "WorkerType": j.worker_type,
        "NumberOfWorkers": j.workers,
        "ExecutionProperty": {"MaxConcurrentRuns": 1},
        "JobRunQueuingEnabled": True,
        "Timeout": j.timeout_minutes,
        "Description": f"bedrock-costs {job} ({j.prefix})",
    }


def definitions(j: Jobs) -> dict[str, dict]:
    pricing = f"{j.artifacts}pricing/"
    found = {
        j.name("invocation-costs"): definition(
            j,
            "invocation-costs",
            "invocation_costs.py",
            config.RUN_SETTINGS,
            {
                "--logs_path": j.logs,
                "--output_path": j.output,
                "--pricing_path": f"{pricing}bedrock_prices.csv",
                "--unit_pricing_path": f"{pricing}bedrock_unit_prices.csv",
            },
        )
    }
    if j.cur:
        found[j.name("cur-reconcile")] = definition(
            j,
            "cur-reconcile",
            "cur_reconcile.py",
            config.RECONCILE_SETTINGS,
            {
                "--output_path": j.output,
                "--cur_path": j.cur,
                # a daily run re-reconciles the open month and the last one (AWS may restate
                # a closed month for two weeks), not every month the export holds
                "--recent_periods": "2",
                "--pricing_path": f"{pricing}bedrock_prices.csv",
            },
        )
    found[j.name("maintain")] = definition(
        j, "maintain", "maintain.py", config.MAINTAIN_SETTINGS, {"--output_path": j.output}
    )
    return found


def triggers(j: Jobs) -> dict[str, dict]:
    costs = j.name("invocation-costs")
    found = {
        j.name("daily-costs"): {
            "Type": "SCHEDULED",
            "Schedule": j.schedule,
            "Actions": [{"JobName": costs, "Arguments": {"--trailing_days": str(j.trailing_days)}}],
            "StartOnCreation": True,
        }
    }
    if j.cur:
        succeeded = {"LogicalOperator": "EQUALS", "JobName": costs, "State": "SUCCEEDED"}
        found[j.name("reconcile-after-costs")] = {
            "Type": "CONDITIONAL",
            "Predicate": {"Logical": "ANY", "Conditions": [succeeded]},
            "Actions": [{"JobName": j.name("cur-reconcile")}],
            "StartOnCreation": True,
        }
    found[j.name("weekly-maintain")] = {
        "Type": "SCHEDULED",
        "Schedule": j.maintain_schedule,
        "Actions": [{"JobName": j.name("maintain")}],
        "StartOnCreation": True,
    }
    return found


def ensure_jobs(glue: Any, wanted: dict[str, dict], plan: Plan) -> None:
    have = {
        found["Name"]: found for found in glue.batch_get_jobs(JobNames=list(wanted)).get("Jobs", [])
    }
    for name, want in wanted.items():
        if name not in have:
            plan.say("create", f"glue job {name}")
            if not plan.dry_run:
                glue.create_job(Name=name, Tags={"app": "bedrock-costs"}, **want)
        elif {k: have[name].get(k) for k in COMPARED} == {k: want.get(k) for k in COMPARED}:
            plan.say("unchanged", f"glue job {name}")
        else:
            plan.update(f"glue job {name}", have[name], want, COMPARED)
            plan.record("glue", "UpdateJob", {"JobName": name, "JobUpdate": want})
            if not plan.dry_run:
                glue.update_job(JobName=name, JobUpdate=want)


def ensure_triggers(glue: Any, wanted: dict[str, dict], plan: Plan) -> None:
    found = glue.batch_get_triggers(TriggerNames=list(wanted)).get("Triggers", [])
    have = {t["Name"]: t for t in found}
    for name, want in wanted.items():
        if name not in have:
            plan.say("create", f"glue trigger {name}")
            if not plan.dry_run:
                glue.create_trigger(Name=name, **want)
        elif {k: have[name].get(k) for k in TRIGGER_FIELDS} == {
            k: want.get(k) for k in TRIGGER_FIELDS
        }:
            plan.say("unchanged", f"glue trigger {name}")
        else:
            plan.update(f"glue trigger {name}", have[name], want, TRIGGER_FIELDS)
            update = {
                "Name": name,
                **{k: v for k, v in want.items() if k not in ("Type", "StartOnCreation")},
            }
            plan.record("glue", "UpdateTrigger", {"Name": name, "TriggerUpdate": update})
            if not plan.dry_run:
                glue.update_trigger(Name=name, TriggerUpdate=update)


def ensure(glue: Any, jobs: Jobs, plan: Plan) -> None:
    ensure_jobs(glue, definitions(jobs), plan)
    ensure_triggers(glue, triggers(jobs), plan)
