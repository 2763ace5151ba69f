"""The Glue adapter: a job script's arguments to the same configs the command line builds.

Inside Glue every argument of a job is resolved with `getResolvedOptions`, which requires each
name it is asked for: the optional ones come from the job's default arguments, which deploy.sh
writes from the settings table (`python -m bedrock_costs.entry.glue defaults JOB` prints them;
`none` means not set). Without the Glue runtime (a laptop, CI) the same scripts run on a local
SparkSession and optional arguments may simply be left out.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import shlex
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bedrock_costs import config
from bedrock_costs.config import GLUE, Setting

Resolver = Callable[[Sequence[str], list[str]], dict[str, str]]


@dataclass(frozen=True)
class GlueJob:
    """A job script: its settings, how they become a config, and the work done with it."""

    name: str
    settings: tuple[Setting, ...]
    configure: Callable[[dict[str, str]], Any]
    work: Callable[[Any, Any], object]  # (SparkSession, config)

    @property
    def names(self) -> list[str]:
        return ["JOB_NAME", *(s.glue_name for s in self.settings)]

    def default_arguments(self) -> dict[str, str]:
        """The job's default arguments for every optional setting (deploy.sh merges its own)."""
        return config.glue_default_arguments(self.settings)


def _run_costs(spark: Any, run_config: config.RunConfig) -> object:
    from bedrock_costs.pipelines.invocation_costs import run_invocation_costs

    return run_invocation_costs(spark, run_config, progress=print)


def _reconcile_and_export(spark: Any, reconcile: config.ReconcileConfig) -> None:
    """Reconcile each billing period, then export its FOCUS rows (allocated)."""
    from bedrock_costs.pipelines.focus import run_focus
    from bedrock_costs.pipelines.reconcile import run_reconcile

    for summary in run_reconcile(spark, reconcile, progress=print):
        print(summary.human())
        focus = config.FocusConfig(
            reconcile.output_path, summary.billing_period, reconcile.database
        )
        run_focus(spark, focus)


INVOCATION_COSTS = GlueJob(
    "invocation-costs",
    config.RUN_SETTINGS,
    lambda args: config.run_config(args, GLUE),
    _run_costs,
)
CUR_RECONCILE = GlueJob(
    "cur-reconcile",
    config.RECONCILE_SETTINGS,
    lambda args: config.reconcile_config(args, GLUE),
    _reconcile_and_export,
)


def _maintain(spark: Any, maintain: config.MaintainConfig) -> None:
    from bedrock_costs.pipelines.maintain import run_maintain

    for done in run_maintain(spark, maintain, progress=print):
        print(done.human())


MAINTAIN = GlueJob(
    "maintain",
    config.MAINTAIN_SETTINGS,
    lambda args: config.maintain_config(args, GLUE),
    _maintain,
)
JOBS = {job.name: job for job in (INVOCATION_COSTS, CUR_RECONCILE, MAINTAIN)}


def local_resolved_options(
    argv: Sequence[str], names: list[str], required: Sequence[str] = ()
) -> dict[str, str]:
    """getResolvedOptions without the Glue runtime: JOB_NAME and optional names may be absent."""
    parser = argparse.ArgumentParser(prog=argv[0].rsplit("/", 1)[-1], allow_abbrev=False)
    for name in names:
        default = "bedrock-costs-local" if name == "JOB_NAME" else None
        parser.add_argument(f"--{name}", required=name in required, default=default)
    known, _ = parser.parse_known_args(list(argv[1:]))
    return vars(known)


WRITERS = ("invocation-costs", "cur-reconcile")  # deploy.sh's jobs beside <prefix>-maintain


def wait_for_writers(job_name: str, poll: float = 60.0, patience: float = 7200.0) -> None:
    """In Glue, `<prefix>-maintain` waits while `<prefix>-invocation-costs` or
    `<prefix>-cur-reconcile` has a run in progress (a long backfill on a Sunday morning), so its
    compaction does not race their commits; after `patience` seconds it goes ahead (Iceberg's
    optimistic commit then fails the later one cleanly). Any other job name: no wait."""
    from bedrock_costs.io import aws

    if not job_name.endswith("-maintain"):
        return
    prefix = job_name.removesuffix("-maintain")
    deadline = time.monotonic() + patience
    while busy := [f"{prefix}-{w}" for w in WRITERS if aws.active_job_runs(f"{prefix}-{w}")]:
        if time.monotonic() > deadline:
            print(f"still running after {patience:.0f} s: {', '.join(busy)}; maintaining now")
            return
        print(f"waiting for {', '.join(busy)} to finish", flush=True)
        time.sleep(poll)


def _reads_s3(settings: Any) -> bool:
    return any(
        isinstance(v, str) and v.startswith(("s3://", "s3a://")) for v in vars(settings).values()
    )


def run_job(argv: Sequence[str], job: GlueJob) -> None:
    """A job script's body: inside Glue, GlueContext/Job init, the work, commit; without the
    Glue runtime, the same work on a plain local SparkSession.

    The Glue runtime is imported here lazily and only by name, so the library never depends on
    awsglue: this function is called from jobs/ only.
    """
    try:
        context = importlib.import_module("awsglue.context")
        job_module = importlib.import_module("awsglue.job")
        utils = importlib.import_module("awsglue.utils")
    except ImportError:
        from bedrock_costs.io.session import local_session, writer_lock

        required = [s.glue_name for s in job.settings if s.is_required(GLUE)]
        settings = job.configure(local_resolved_options(argv, job.names, required))
        with writer_lock(settings.output_path):
            job.work(local_session(settings.output_path, s3=_reads_s3(settings)), settings)
        return
    from pyspark.context import SparkContext

    from bedrock_costs.io.catalog_settings import CATALOG, glue_catalog
    from bedrock_costs.io.session import use_catalog

    args = utils.getResolvedOptions(argv, job.names)
    settings = job.configure(args)
    glue_context = context.GlueContext(SparkContext.getOrCreate())
    glue_job = job_module.Job(glue_context)
    glue_job.init(args["JOB_NAME"], args)
    if job is MAINTAIN:
        wait_for_writers(args["JOB_NAME"])
    spark = glue_context.spark_session
    # The tables are Iceberg tables in the Glue Data Catalog: deploy.sh runs the job with
    # --datalake-formats iceberg and --conf for the Iceberg SQL extensions and this catalog;
    # a job defined without them gets the catalog here (the extensions cannot be added late).
    if not spark.conf.get(f"spark.sql.catalog.{CATALOG}", None):
        use_catalog(spark, glue_catalog(settings.output_path, os.environ))
    job.work(spark, settings)
    glue_job.commit()


def main(argv: Sequence[str] | None = None) -> int:
    """`defaults JOB`: the default arguments of a Glue job, as JSON (deploy.sh sets them on the
    job) or as command-line arguments (--as-arguments, for spark-submit in the Glue image);
    with --warehouse (the tables' s3:// root) and --region also the arguments that make the job
    an Iceberg job on the Glue Data Catalog (`--datalake-formats`, `--conf`)."""
    parser = argparse.ArgumentParser(prog="python -m bedrock_costs.entry.glue")
    parser.add_argument("what", choices=("defaults",))
    parser.add_argument("job", choices=sorted(JOBS))
    parser.add_argument("--as-arguments", action="store_true")
    parser.add_argument("--warehouse")
    parser.add_argument("--region")
    args = parser.parse_args(argv)
    defaults = JOBS[args.job].default_arguments()
    if args.warehouse:
        from bedrock_costs.io.catalog_settings import glue_job_arguments

        defaults |= glue_job_arguments(args.warehouse, args.region or "")
    if args.as_arguments:
        print(" ".join(shlex.quote(part) for pair in sorted(defaults.items()) for part in pair))
    else:
        print(json.dumps(defaults, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
