"""AWS Glue 5 entry point for CUR reconciliation: `bedrock-costs reconcile` then `focus`.

Arguments: --output_path (where the invocation-cost job writes) --cur_path (the CUR 2.0
export) [--billing_period YYYY-MM] [--pricing_path] [--database]. Each reconciled billing
period's reconciliation, allocations and focus partitions are replaced.
"""

import sys

from bedrock_costs.focus import run_focus
from bedrock_costs.glue_args import glue_reconcile_config, local_resolved_options
from bedrock_costs.reconcile_job import ReconcileConfig, run_reconcile


def reconcile_and_export(spark, config: ReconcileConfig) -> None:
    for summary in run_reconcile(spark, config, progress=print):
        print(summary.human())
        run_focus(
            spark,
            config.output_path,
            billing_period=summary.billing_period,
            database=config.database,
        )


def main(argv: list[str]) -> None:
    try:
        from awsglue.context import GlueContext
        from awsglue.job import Job
        from awsglue.utils import getResolvedOptions
    except ImportError:  # no Glue runtime (a laptop, CI): the same job on plain Spark
        from bedrock_costs.session import local_session

        _, config = glue_reconcile_config(argv, local_resolved_options)
        reconcile_and_export(local_session(config.output_path), config)
        return
    from pyspark.context import SparkContext

    args, config = glue_reconcile_config(argv, getResolvedOptions)
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    reconcile_and_export(glue_context.spark_session, config)
    job.commit()


if __name__ == "__main__":
    main(sys.argv)
