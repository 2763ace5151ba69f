"""The frames the checks validate: a staged table's columns plus the values checks compare."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from bedrock_costs.contract.vocabulary import PRICED
from bedrock_costs.quality.checks import COST_COLUMNS, COST_PARTS, TOKEN_COLUMNS


def invocations_frame(invocations: DataFrame) -> DataFrame:
    """The columns the invocation checks read, plus event_date and sum_of_parts."""
    # each part fits DECIMAL(33,12); adding five stays within 38 digits, so no scale is lost
    # (two DECIMAL(38,12) would add to a rounded DECIMAL(38,11))
    part = [
        F.coalesce(F.col(c), F.lit(0)).cast("decimal(33,12)") for c in (*COST_PARTS, "unit_cost")
    ]
    parts = part[0] + part[1] + part[2] + part[3] + part[4]
    priced = F.col("pricing_status") == PRICED
    return invocations.select(
        "request_id",
        "account_id",
        "identity_arn",
        *TOKEN_COLUMNS,
        *COST_COLUMNS,
        "pricing_status",
        "status",
        "currency",
        "usage_date",
        F.to_date("event_time").alias("event_date"),
        F.when(priced, parts).cast("decimal(38,12)").alias("sum_of_parts"),
    )
