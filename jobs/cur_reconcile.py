"""AWS Glue 5 entry point for CUR reconciliation: `bedrock-costs reconcile`, then `focus`.

Arguments: --output_path (where the invocation-cost job writes) --cur_path (the CUR 2.0
export), and the optional ones of the settings table ([--billing_period YYYY-MM]
[--pricing_path] [--database] …). Each reconciled billing period's reconciliation,
allocations and focus partitions are replaced.
"""

import sys

from bedrock_costs.entry.glue import CUR_RECONCILE, run_job


def main(argv: list[str]) -> None:
    run_job(argv, CUR_RECONCILE)


if __name__ == "__main__":
    main(sys.argv)
