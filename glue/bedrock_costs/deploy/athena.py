"""deploy.sh's Athena step, through the SDK: the workgroup (engine version 3, results outside
the output) and the dashboard views, each CREATE OR REPLACE VIEW awaited until Athena says it
SUCCEEDED — a view that FAILED stops the deploy with Athena's reason (exit 1), before anything
is granted on it.

Query results go to `--results`, by default `s3://<output bucket>/_athena-results/<prefix>/`:
never under the output, which Lake Formation may govern (Athena refuses to write query results
to a location registered with Lake Formation).
"""

from __future__ import annotations

from typing import Any

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.deploy import views
from bedrock_costs.deploy.plan import Plan, await_state
from bedrock_costs.io import aws

ENGINE = "Athena engine version 3"  # Iceberg tables and Lake Formation cell filters need it


def default_results(output: str, prefix: str) -> str:
    bucket, _ = aws.split_s3(output)
    return f"s3://{bucket}/_athena-results/{prefix}/"


def check_results(results: str, output: str) -> None:
    """Query results may not lie under the output (nor the output under them)."""
    (rb, rk), (ob, ok) = aws.split_s3(results), aws.split_s3(output)
    rk, ok = rk.rstrip("/"), ok.rstrip("/")
    if rb == ob and (rk == ok or rk.startswith(f"{ok}/") or ok.startswith(f"{rk}/") or not rk):
        raise UsageError(
            f"--athena-results {results} overlaps --output {output}: Athena may not write query "
            "results where Lake Formation governs the tables (choose a folder outside it)"
        )


def configuration(results: str) -> dict:
    return {
        "ResultConfiguration": {"OutputLocation": results},
        "EnforceWorkGroupConfiguration": True,
        "PublishCloudWatchMetricsEnabled": True,
        "EngineVersion": {"SelectedEngineVersion": ENGINE},
    }


def workgroups(athena: Any) -> set[str]:
    """Every workgroup's name (ListWorkGroups pages by NextToken; botocore has no paginator)."""
    names: set[str] = set()
    token: dict = {}
    while True:
        page = athena.list_work_groups(**token)
        names |= {w["Name"] for w in page.get("WorkGroups", [])}
        if not page.get("NextToken"):
            return names
        token = {"NextToken": page["NextToken"]}


def ensure_workgroup(athena: Any, name: str, prefix: str, results: str, plan: Plan) -> None:
    names = workgroups(athena)
    what = f"athena workgroup {name} (results under {results})"
    want = configuration(results)
    if name not in names:
        plan.say("create", what)
        if not plan.dry_run:
            athena.create_work_group(
                Name=name, Description=f"bedrock-costs ({prefix})", Configuration=want
            )
        return
    have = athena.get_work_group(WorkGroup=name)["WorkGroup"]["Configuration"]
    found = {
        "OutputLocation": have.get("ResultConfiguration", {}).get("OutputLocation"),
        "EnforceWorkGroupConfiguration": have.get("EnforceWorkGroupConfiguration"),
        "EngineVersion": have.get("EngineVersion", {}).get("SelectedEngineVersion"),
    }
    wanted = {"OutputLocation": results, "EnforceWorkGroupConfiguration": True}
    wanted["EngineVersion"] = ENGINE
    if found == wanted:
        plan.say("unchanged", what)
        return
    plan.update(what, found, wanted, tuple(wanted))
    updates = {
        "ResultConfigurationUpdates": {"OutputLocation": results},
        "EnforceWorkGroupConfiguration": True,
        "PublishCloudWatchMetricsEnabled": True,
        "EngineVersion": {"SelectedEngineVersion": ENGINE},
    }
    plan.record("athena", "UpdateWorkGroup", {"WorkGroup": name, "ConfigurationUpdates": updates})
    if not plan.dry_run:
        athena.update_work_group(WorkGroup=name, ConfigurationUpdates=updates)


def replace_views(athena: Any, database: str, workgroup: str, tenant_tag: str, plan: Plan) -> None:
    """Submit every view's statement, then await each: all or an error naming the view."""
    statements = views.create_statements(database, tenant_tag=tenant_tag)
    if plan.dry_run:
        for view, _ in statements:
            plan.say("replace", f"athena view {database}.{view}")
        return
    submitted = [
        (
            view,
            athena.start_query_execution(
                QueryString=sql, WorkGroup=workgroup, QueryExecutionContext={"Database": database}
            )["QueryExecutionId"],
        )
        for view, sql in statements
    ]
    for view, query in submitted:

        def read(query: str = query) -> dict:
            return athena.get_query_execution(QueryExecutionId=query)["QueryExecution"]

        await_state(
            f"athena view {database}.{view} (query {query})",
            read,
            lambda q: q["Status"]["State"],
            done={"SUCCEEDED"},
            failed={"FAILED", "CANCELLED"},
            reason=lambda q: q["Status"].get("StateChangeReason", ""),
        )
        plan.say("replace", f"athena view {database}.{view}")


def ensure(
    athena: Any, database: str, prefix: str, results: str, tenant_tag: str, plan: Plan
) -> None:
    """The workgroup (named as the deployment's prefix), then the views."""
    ensure_workgroup(athena, prefix, prefix, results, plan)
    replace_views(athena, database, prefix, tenant_tag, plan)
