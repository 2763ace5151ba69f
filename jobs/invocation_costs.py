"""AWS Glue 5 entry point for the invocation-cost job: the same tables as `bedrock-costs run`."""

import sys

from bedrock_costs.glue_args import glue_run_config, local_resolved_options
from bedrock_costs.job import run_invocation_costs


def main(argv: list[str]) -> None:
    try:
        from awsglue.context import GlueContext
        from awsglue.job import Job
        from awsglue.utils import getResolvedOptions
    except ImportError:  # no Glue runtime (a laptop, CI): the same job on plain Spark
        from bedrock_costs.session import local_session

        _, config = glue_run_config(argv, local_resolved_options)
        run_invocation_costs(local_session(config.output_path), config)
        return
    from pyspark.context import SparkContext

    args, config = glue_run_config(argv, getResolvedOptions)
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    run_invocation_costs(glue_context.spark_session, config)
    job.commit()


if __name__ == "__main__":
    main(sys.argv)
