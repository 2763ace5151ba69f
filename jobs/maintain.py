"""AWS Glue 5 entry point for table maintenance: `bedrock-costs maintain` (weekly trigger).

Arguments: --output_path (where the jobs write), and the optional ones of the settings table
([--database] [--keep_days] [--stale_branch_hours] [--orphan_days]).
"""

import sys

from bedrock_costs.entry.glue import MAINTAIN, run_job


def main(argv: list[str]) -> None:
    run_job(argv, MAINTAIN)


if __name__ == "__main__":
    main(sys.argv)
