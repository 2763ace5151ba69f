"""AWS Glue 5 entry point for the invocation-cost job: the same tables as `bedrock-costs run`.

Arguments (CONTRACT §1): --logs_path --output_path --pricing_path, and the optional ones of
the settings table (docs/deploy.md), which deploy.sh sets as the job's default arguments.
"""

import sys

from bedrock_costs.entry.glue import INVOCATION_COSTS, run_job


def main(argv: list[str]) -> None:
    run_job(argv, INVOCATION_COSTS)


if __name__ == "__main__":
    main(sys.argv)
