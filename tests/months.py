"""The hand-made month several modules read (test_reconcile, test_views, test_glue, test_cli):
a few calls whose costs are easy to check by hand, and a CUR 2.0 export billing them with
every kind of gap: a matched bucket, one off by exactly 1 %, an under-billed global one, an
unpriced model matched on usage, a Region without logs, a Marketplace line, an unmapped usage
type, a credit, another service's line, a day the CUR does not bill and an over-estimate."""

from __future__ import annotations

from pathlib import Path

from bedrock_costs.config import ReconcileConfig, RunConfig
from bedrock_costs.io import snapshots
from bedrock_costs.pipelines.invocation_costs import run_invocation_costs
from bedrock_costs.pipelines.reconcile import run_reconcile
from helpers import (
    HAIKU,
    NOVA,
    NoChecks,
    cur_line,
    key,
    price,
    record,
    unique_database,
    write_csv,
    write_cur,
    write_logs,
)

BEDROCK = {"product_code": "AmazonBedrock", "product_name": "Amazon Bedrock"}
HAIKU_IN = "USE1-Claude4.5Haiku-input-tokens"
MARKETPLACE = {
    "product_code": "prodx",
    "product_name": "Claude 3 Haiku (Amazon Bedrock Edition)",
    "entity": "AWS Marketplace",
    "unit": "Units",
}
CAROL = "arn:aws:iam::111122223333:user/carol"
DROPPED = ("line_item_iam_principal", "line_item_net_unblended_cost")  # an export without them
TABLES = ("invocations", "quarantine", "reconciliation", "allocations")


def logs() -> dict[str, list]:
    return {
        key("us-east-1", "2026-07-14"): [
            record("a", inp=1000, out=200, cr=3000, meta={"tenant": "acme"}),
            record("b", inp=3000, out=600, meta={"tenant": "globex"}),
            record("c", model=f"global.{HAIKU}", inp=500),
            record("d", model=f"us.{NOVA}", inp=100),
        ],
        key("us-east-1", "2026-07-15"): [record("h", ts="2026-07-15T09:00:00Z", inp=10)],
        key("us-east-1", "2026-07-16"): [
            record(r, ts="2026-07-16T09:00:00Z", inp=1) for r in ("g", "e", "f")
        ],
        key("us-east-1", "2026-07-17"): [
            record("carol", ts="2026-07-17T09:00:00Z", inp=7, arn=CAROL, meta={"app": "bot"})
        ],
    }


def cur_lines(global_input_cost: str = "0.0006") -> list[dict]:
    return [
        cur_line(HAIKU_IN, "4", "0.004"),
        cur_line("USE1-Claude4.5Haiku-output-tokens", "0.8", "0.00404"),  # 1 % off: matched
        cur_line("USE1-Claude4.5Haiku-cache-read-input-token-count", "3", "0.0003"),
        cur_line(f"{HAIKU_IN}-cross-region-global", "0.5", global_input_cost),
        cur_line("USE1-NovaMicro-input-tokens", "0.1", "0.0000035", **BEDROCK),
        cur_line("USW2-NovaLite-input-tokens", "2", "0.00012", region="us-west-2", **BEDROCK),
        cur_line("USE1-Mystery-input-tokens", "1", "0.5", **BEDROCK),
        cur_line(HAIKU_IN, "0", "-0.001", line_type="Credit", unit=None),
        cur_line("USE1-TimedStorage-ByteHrs", "1", "1", product_code="AmazonS3", unit="GB-Mo"),
        cur_line("USE1-MP:USE1_OutputTokenCount-Units", "0.000002", "0.0000025", **MARKETPLACE),
        cur_line(HAIKU_IN, "0.003", "0.000000001", day="2026-07-16"),
    ]


def build(spark, folder: Path) -> dict:
    """Logs, the cost run, the CUR export and the reconciliation, under `folder`."""
    write_logs(folder / "logs", logs())
    pricing = write_csv(folder / "prices.csv", [price()])
    database, out = unique_database(), str(folder / "out")
    run = RunConfig(str(folder / "logs"), out, pricing, database=database)
    summary = run_invocation_costs(spark, run, validator=NoChecks())
    write_cur(spark, folder / "cur", cur_lines(), drop=DROPPED)
    config = ReconcileConfig(out, str(folder / "cur"), pricing_path=pricing, database=database)
    run_reconcile(spark, config, validator=NoChecks())
    tags = [*summary.tag_columns_promoted, *summary.profile_tag_columns]
    return {
        "metadata": {t: snapshots.metadata_file(spark, database, t) for t in TABLES},
        "database": database,
        "out": out,
        "cur": str(folder / "cur"),
        "pricing": pricing,
        "tag_columns": tags,
    }


def attach(spark, month: dict) -> None:
    """The month's tables in this process's catalog (another worker may have built them):
    registered from their metadata files. Nobody writes to them (copy_tables for that)."""
    for table in TABLES:
        if not spark.catalog.tableExists(f"{month['database']}.{table}"):
            snapshots.register(spark, month["database"], table, month["metadata"][table])
