"""Dashboard views over the tables, as SQL for Athena (Trino) and, for testing, Spark.

The tables keep exact DECIMAL money. QuickSight reads DECIMAL as fixed-point with 4 places,
which rounds per-call and per-day costs of cheap models to zero, so each view exposes money
twice: `*_usd` as DOUBLE (for display and charts; 15 significant digits) and `*_nano_usd` as
BIGINT (exact sums to a billionth of a dollar, for anything that must add up). Both dialects
share the text except how a map is unnested into key/value rows.
"""

from __future__ import annotations

from bedrock_costs.deploy import access

DIALECTS = ("athena", "spark")


def _money(expression: str, name: str) -> str:
    return (
        f"CAST({expression} AS DOUBLE) AS {name}_usd, "
        f"CAST(round({expression} * 1000000000) AS BIGINT) AS {name}_nano_usd"
    )


def _unnest(dialect: str, table: str, alias: str, column: str = "request_metadata") -> str:
    """FROM clause pairing each row with each (tag_key, tag_value) of a map column."""
    if dialect == "athena":
        return f"{table} {alias} CROSS JOIN UNNEST({alias}.{column}) AS t (tag_key, tag_value)"
    return f"{table} {alias} LATERAL VIEW explode({alias}.{column}) t AS tag_key, tag_value"


# where a bill tag comes from, by its canonical key (billing/bill_tags.py)
_BILL_TAG_SOURCE = (
    "CASE WHEN t.tag_key LIKE 'iamPrincipal/%' THEN 'iam_principal' "
    "WHEN t.tag_key LIKE 'aws:%' THEN 'aws_generated' ELSE 'cost_allocation' END AS tag_source"
)


def _tenant(key: str, alias: str = "") -> str:
    """The call's tenant: the value of the tag whose sanitized key is `key` (smallest raw key
    on a collision), exactly as the job fills tag_<key>; NULL when the call has no such tag."""
    source = f"{alias}request_metadata"
    sanitized = "regexp_replace(regexp_replace(lower(k), '[^a-z0-9]+', '_'), '^_+|_+$', '')"
    keys = f"map_keys(map_filter({source}, (k, v) -> {sanitized} = '{access.sanitized(key)}'))"
    return f"element_at({source}, element_at(array_sort({keys}), 1)) AS tenant"


def view_sql(
    name: str, database: str, dialect: str, tenant_tag: str = access.DEFAULT_TENANT_TAG
) -> str:
    """The SELECT of one view (without CREATE VIEW), in the given dialect."""
    if dialect not in DIALECTS:
        raise ValueError(f"dialect must be one of {DIALECTS}")
    db = f"{database}."
    if name == "daily_cost_by_model":
        return (
            f"SELECT usage_date, account_id, {_tenant(tenant_tag)}, region, model, routing, "
            "service_tier, pricing_status, count(*) AS calls, sum(input_tokens) AS input_tokens, "
            "sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens, "
            "sum(cache_write_tokens) AS cache_write_tokens, "
            f"{_money('sum(total_cost)', 'cost')} "
            f"FROM {db}invocations GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
        )
    if name == "daily_cost_by_principal":
        return (
            f"SELECT usage_date, account_id, {_tenant(tenant_tag)}, principal_type, "
            f"principal_name, identity_arn, count(*) AS calls, {_money('sum(total_cost)', 'cost')} "
            f"FROM {db}invocations GROUP BY 1, 2, 3, 4, 5, 6"
        )
    if name == "daily_cost_by_tag":
        return (
            f"SELECT i.usage_date, i.account_id, {_tenant(tenant_tag, 'i.')}, t.tag_key, "
            f"t.tag_value, count(*) AS calls, {_money('sum(i.total_cost)', 'cost')} "
            f"FROM {_unnest(dialect, db + 'invocations', 'i')} GROUP BY 1, 2, 3, 4, 5"
        )
    if name == "reconciliation_status":
        return (
            "SELECT billing_period, usage_date, account_id, region, model, token_kind, routing, "
            "tier, charge_category, status, count(*) AS buckets, sum(calls) AS calls, "
            f"{_money('sum(cur_unblended_cost)', 'billed')}, "
            f"{_money('sum(estimated_cost)', 'estimated')} "
            f"FROM {db}reconciliation GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
        )
    if name == "allocated_cost_by_tag":
        return (
            f"SELECT a.billing_period, a.usage_date, a.account_id, {_tenant(tenant_tag, 'a.')}, "
            "a.charge_category, t.tag_key, t.tag_value, "
            f"{_money('sum(a.allocated_cost)', 'allocated')} "
            f"FROM {_unnest(dialect, db + 'allocations', 'a')} GROUP BY 1, 2, 3, 4, 5, 6, 7"
        )
    if name == "allocated_cost_by_bill_tag":
        return (
            f"SELECT a.billing_period, a.usage_date, a.account_id, {_tenant(tenant_tag, 'a.')}, "
            f"a.charge_category, {_BILL_TAG_SOURCE}, t.tag_key, t.tag_value, "
            f"{_money('sum(a.allocated_cost)', 'allocated')} "
            f"FROM {_unnest(dialect, db + 'allocations', 'a', 'bill_tags')} "
            "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
        )
    if name == "allocated_cost_by_principal":
        return (
            f"SELECT billing_period, usage_date, account_id, {_tenant(tenant_tag)}, allocation, "
            "charge_category, identity_arn, model, "
            f"{_money('sum(allocated_cost)', 'allocated')} "
            f"FROM {db}allocations GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
        )
    raise KeyError(name)


# Output columns of each view and their types (tests/test_views.py checks them against Spark)
COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "daily_cost_by_model": (
        ("usage_date", "date"),
        ("account_id", "string"),
        ("tenant", "string"),
        ("region", "string"),
        ("model", "string"),
        ("routing", "string"),
        ("service_tier", "string"),
        ("pricing_status", "string"),
        ("calls", "bigint"),
        ("input_tokens", "bigint"),
        ("output_tokens", "bigint"),
        ("cache_read_tokens", "bigint"),
        ("cache_write_tokens", "bigint"),
        ("cost_usd", "double"),
        ("cost_nano_usd", "bigint"),
    ),
    "daily_cost_by_principal": (
        ("usage_date", "date"),
        ("account_id", "string"),
        ("tenant", "string"),
        ("principal_type", "string"),
        ("principal_name", "string"),
        ("identity_arn", "string"),
        ("calls", "bigint"),
        ("cost_usd", "double"),
        ("cost_nano_usd", "bigint"),
    ),
    "daily_cost_by_tag": (
        ("usage_date", "date"),
        ("account_id", "string"),
        ("tenant", "string"),
        ("tag_key", "string"),
        ("tag_value", "string"),
        ("calls", "bigint"),
        ("cost_usd", "double"),
        ("cost_nano_usd", "bigint"),
    ),
    "reconciliation_status": (
        ("billing_period", "string"),
        ("usage_date", "date"),
        ("account_id", "string"),
        ("region", "string"),
        ("model", "string"),
        ("token_kind", "string"),
        ("routing", "string"),
        ("tier", "string"),
        ("charge_category", "string"),
        ("status", "string"),
        ("buckets", "bigint"),
        ("calls", "bigint"),
        ("billed_usd", "double"),
        ("billed_nano_usd", "bigint"),
        ("estimated_usd", "double"),
        ("estimated_nano_usd", "bigint"),
    ),
    "allocated_cost_by_tag": (
        ("billing_period", "string"),
        ("usage_date", "date"),
        ("account_id", "string"),
        ("tenant", "string"),
        ("charge_category", "string"),
        ("tag_key", "string"),
        ("tag_value", "string"),
        ("allocated_usd", "double"),
        ("allocated_nano_usd", "bigint"),
    ),
    "allocated_cost_by_bill_tag": (
        ("billing_period", "string"),
        ("usage_date", "date"),
        ("account_id", "string"),
        ("tenant", "string"),
        ("charge_category", "string"),
        ("tag_source", "string"),
        ("tag_key", "string"),
        ("tag_value", "string"),
        ("allocated_usd", "double"),
        ("allocated_nano_usd", "bigint"),
    ),
    "allocated_cost_by_principal": (
        ("billing_period", "string"),
        ("usage_date", "date"),
        ("account_id", "string"),
        ("tenant", "string"),
        ("allocation", "string"),
        ("charge_category", "string"),
        ("identity_arn", "string"),
        ("model", "string"),
        ("allocated_usd", "double"),
        ("allocated_nano_usd", "bigint"),
    ),
}

VIEWS = (
    "daily_cost_by_model",
    "daily_cost_by_principal",
    "daily_cost_by_tag",
    "reconciliation_status",
    "allocated_cost_by_tag",
    "allocated_cost_by_bill_tag",
    "allocated_cost_by_principal",
)


def create_statements(
    database: str,
    dialect: str = "athena",
    tenant_tag: str = access.DEFAULT_TENANT_TAG,
    *,
    views_in: str | None = None,
) -> list[tuple[str, str]]:
    """(view name, CREATE OR REPLACE VIEW statement) for every view, created in `views_in`
    (default: the tables' database)."""
    return [
        (
            name,
            f"CREATE OR REPLACE VIEW {views_in or database}.{name} AS "
            + view_sql(name, database, dialect, tenant_tag),
        )
        for name in VIEWS
    ]


def main(argv: list[str] | None = None) -> int:
    """Print `view<TAB>statement` lines for Athena: what deploy.sh submits."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bedrock_costs.deploy.views")
    parser.add_argument("--database", required=True)
    parser.add_argument("--tenant-tag", default=access.DEFAULT_TENANT_TAG)
    args = parser.parse_args(argv)
    for name, sql in create_statements(args.database, tenant_tag=args.tenant_tag):
        print(f"{name}\t{sql}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
