"""AWS Glue 5 entry point for CUR reconciliation: `bedrock-costs reconcile` then `focus`.

Arguments: --output_path (where the invocation-cost job writes) --cur_path (the CUR 2.0
export) [--billing_period YYYY-MM] [--pricing_path] [--database]. Each reconciled billing
period's reconciliation, allocations and focus partitions are replaced.
"""

import sys

from bedrock_costs.focus import run_focus
from bedrock_costs.glue_args import glue_reconcile_config, run_job
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
    run_job(argv, glue_reconcile_config, reconcile_and_export)


if __name__ == "__main__":
    main(sys.argv)
