"""AWS Glue 5 entry point for the invocation-cost job: the same tables as `bedrock-costs run`."""

import sys

from bedrock_costs.glue_args import glue_run_config, run_job
from bedrock_costs.job import run_invocation_costs


def main(argv: list[str]) -> None:
    run_job(argv, glue_run_config, run_invocation_costs)


if __name__ == "__main__":
    main(sys.argv)
