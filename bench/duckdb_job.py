"""Reference: the invocation-cost job written in DuckDB, for the benchmark's ratios.

The same work in kind as `bedrock-costs run`: an explicit read schema over the gzip JSON lines
(no inference), one row per request id, model and routing from the model id, the price row in
effect chosen per call, four DECIMAL costs and their total, the common tags as columns (the map
kept), and date-partitioned Parquet. Less than the job (no quarantine table, application
profiles, tiers, per-unit models or catalog) — so the ratio is, if anything, generous to DuckDB.

usage: python bench/duckdb_job.py LOGS OUTPUT PRICES_CSV [THREADS]
"""

from __future__ import annotations

import sys

import duckdb

TAGS = ("tenant", "app", "env", "cost_center", "teamname")
COLUMNS = {
    "requestId": "VARCHAR",
    "timestamp": "VARCHAR",
    "accountId": "VARCHAR",
    "region": "VARCHAR",
    "operation": "VARCHAR",
    "modelId": "VARCHAR",
    "identity": "STRUCT(arn VARCHAR)",
    "input": "STRUCT(inputTokenCount BIGINT, cacheReadInputTokenCount BIGINT, "
    "cacheWriteInputTokenCount BIGINT)",
    "output": "STRUCT(outputTokenCount BIGINT)",
    "requestMetadata": "MAP(VARCHAR, VARCHAR)",
}
MODEL = r"(?:^|/)(?:(us|eu|apac|jp|au|ca|us-gov|global)\.)?([a-z0-9-]+\.[a-zA-Z0-9._:-]+)$"


def run(logs: str, output: str, prices: str, threads: int = 2) -> None:
    con = duckdb.connect()
    con.execute(f"SET threads TO {threads}")
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()) + "}"
    pattern = f"{logs.rstrip('/')}/AWSLogs/*/BedrockModelInvocationLogs/*/*/*/*/*/*.json.gz"
    con.execute(
        f"""
        CREATE TEMP TABLE calls AS
        SELECT * EXCLUDE (rn) FROM (
          SELECT requestId AS request_id,
                 CAST(timestamp AS TIMESTAMP) AS event_time,
                 accountId AS account_id, region, operation, modelId AS model_id,
                 identity.arn AS identity_arn,
                 coalesce(input.inputTokenCount, 0) AS input_tokens,
                 coalesce(output.outputTokenCount, 0) AS output_tokens,
                 coalesce(input.cacheReadInputTokenCount, 0) AS cache_read_tokens,
                 coalesce(input.cacheWriteInputTokenCount, 0) AS cache_write_tokens,
                 requestMetadata AS request_metadata,
                 regexp_extract(modelId, '{MODEL}', 2) AS model,
                 CASE regexp_extract(modelId, '{MODEL}', 1)
                   WHEN '' THEN 'in_region' WHEN 'global' THEN 'global' ELSE 'geo' END AS routing,
                 row_number() OVER (PARTITION BY requestId ORDER BY filename) AS rn
          FROM read_json('{pattern}', format = 'newline_delimited', columns = {columns},
                         filename = true, ignore_errors = true)
          WHERE requestId IS NOT NULL
        ) WHERE rn = 1
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE prices AS
        SELECT model, region, routing,
               CAST(input_per_mtok AS DECIMAL(18, 9)) AS input_rate,
               CAST(output_per_mtok AS DECIMAL(18, 9)) AS output_rate,
               CAST(cache_read_per_mtok AS DECIMAL(18, 9)) AS cache_read_rate,
               CAST(cache_write_per_mtok AS DECIMAL(18, 9)) AS cache_write_rate,
               CAST(effective_from AS DATE) AS effective_from,
               coalesce(CAST(effective_to AS DATE), DATE '9999-12-31') AS effective_to
        FROM read_csv('{prices}', header = true, all_varchar = true)
        WHERE tier = 'standard' AND min_input_tokens = '0'
        """
    )
    tag_columns = ", ".join(f"c.request_metadata['{t}'] AS tag_{t}" for t in TAGS)
    con.execute(
        f"""
        COPY (
          SELECT c.*, {tag_columns},
                 CAST(c.input_tokens * p.input_rate / 1000000 AS DECIMAL(38, 18)) AS input_cost,
                 CAST(c.output_tokens * p.output_rate / 1000000 AS DECIMAL(38, 18)) AS output_cost,
                 CAST(c.cache_read_tokens * p.cache_read_rate / 1000000 AS DECIMAL(38, 18))
                   AS cache_read_cost,
                 CAST(c.cache_write_tokens * p.cache_write_rate / 1000000 AS DECIMAL(38, 18))
                   AS cache_write_cost,
                 CAST(input_cost + output_cost + cache_read_cost + cache_write_cost
                      AS DECIMAL(38, 18)) AS total_cost,
                 CASE WHEN p.model IS NULL THEN 'no_price' ELSE 'priced' END AS pricing_status,
                 CAST(c.event_time AS DATE) AS usage_date
          FROM calls c
          LEFT JOIN (
            SELECT c2.request_id, p2.*,
                   row_number() OVER (PARTITION BY c2.request_id
                                      ORDER BY (p2.region <> '*') DESC, (p2.routing <> '*') DESC)
                     AS pick
            FROM calls c2 JOIN prices p2
              ON p2.model = c2.model
             AND p2.region IN (c2.region, '*') AND p2.routing IN (c2.routing, '*')
             AND CAST(c2.event_time AS DATE) >= p2.effective_from
             AND CAST(c2.event_time AS DATE) < p2.effective_to
          ) p ON p.request_id = c.request_id AND p.pick = 1
        ) TO '{output}' (FORMAT parquet, PARTITION_BY (usage_date), OVERWRITE_OR_IGNORE)
        """
    )


if __name__ == "__main__":
    run(*sys.argv[1:4], *(int(a) for a in sys.argv[4:5]))
