"""deploy.sh's Athena step (deploy.athena): the results folder outside the output, and views
awaited until Athena says SUCCEEDED. moto only ever succeeds a query (test_deploy awaits it
through QUEUED and RUNNING); a query Athena FAILED or that never ends is played here by
botocore's Stubber, whose every request and response botocore checks against Athena's service
model."""

import pytest

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.deploy import athena, views
from bedrock_costs.deploy.plan import DeployError, Plan, changes
from helpers import stubbed


@pytest.fixture
def client(monkeypatch):
    with stubbed("athena", monkeypatch) as found:
        yield found


def execution(query: str, state: str, reason: str = "") -> dict:
    status = {"State": state, **({"StateChangeReason": reason} if reason else {})}
    return {"QueryExecution": {"QueryExecutionId": query, "Status": status}}


def submit_all(stubber) -> list[str]:
    ids = []
    for n, (_, sql) in enumerate(views.create_statements("db")):
        ids.append(f"q{n}")
        stubber.add_response(
            "start_query_execution",
            {"QueryExecutionId": ids[-1]},
            {"QueryString": sql, "WorkGroup": "wg", "QueryExecutionContext": {"Database": "db"}},
        )
    return ids


def test_a_view_athena_fails_stops_the_deploy_with_its_reason(client, capsys):
    found, stubber = client
    ids = submit_all(stubber)
    stubber.add_response(
        "get_query_execution", execution(ids[0], "RUNNING"), {"QueryExecutionId": ids[0]}
    )
    stubber.add_response(
        "get_query_execution", execution(ids[0], "SUCCEEDED"), {"QueryExecutionId": ids[0]}
    )
    reason = "TABLE_NOT_FOUND: line 1:80: Table 'awsdatacatalog.db.invocations' does not exist"
    stubber.add_response(
        "get_query_execution", execution(ids[1], "FAILED", reason), {"QueryExecutionId": ids[1]}
    )
    with pytest.raises(DeployError) as raised:
        athena.replace_views(found, "db", "wg", "tenant", Plan())
    first, second = (name for name, _ in views.create_statements("db")[:2])
    assert str(raised.value) == f"athena view db.{second} (query q1): FAILED: {reason}"
    # the view that succeeded is reported, the failed one and those after it are not
    assert capsys.readouterr().out.split() == ["replace", "athena", "view", f"db.{first}"]


def test_a_view_that_never_ends_is_an_error_not_a_hang(client, monkeypatch):
    found, stubber = client
    ids = submit_all(stubber)
    stubber.add_response(
        "get_query_execution", execution(ids[0], "QUEUED"), {"QueryExecutionId": ids[0]}
    )
    monkeypatch.setattr(athena, "await_state", _no_time(athena.await_state))
    with pytest.raises(DeployError, match=r"still QUEUED after 0 s"):
        athena.replace_views(found, "db", "wg", "tenant", Plan())


def _no_time(wait):
    def waiting(*args, **kwargs):
        return wait(*args, **{**kwargs, "timeout": 0})

    return waiting


def test_the_workgroup_moves_its_results_out_of_the_output(client, capsys):
    """An earlier version wrote query results under <output>/_athena/: the workgroup is updated."""
    found, stubber = client
    stubber.add_response("list_work_groups", {"WorkGroups": [{"Name": "wg"}]})
    config = {
        "ResultConfiguration": {"OutputLocation": "s3://out/costs/_athena/"},
        "EnforceWorkGroupConfiguration": True,
        "EngineVersion": {"SelectedEngineVersion": athena.ENGINE},
    }
    stubber.add_response(
        "get_work_group",
        {"WorkGroup": {"Name": "wg", "Configuration": config}},
        {"WorkGroup": "wg"},
    )
    results = athena.default_results("s3://out/costs/", "bc")
    assert results == "s3://out/_athena-results/bc/"
    stubber.add_response(
        "update_work_group",
        {},
        {
            "WorkGroup": "wg",
            "ConfigurationUpdates": {
                "ResultConfigurationUpdates": {"OutputLocation": results},
                "EnforceWorkGroupConfiguration": True,
                "PublishCloudWatchMetricsEnabled": True,
                "EngineVersion": {"SelectedEngineVersion": athena.ENGINE},
            },
        },
    )
    athena.ensure_workgroup(found, "wg", "bc", results, Plan())
    # the plan says what changes, value by value
    assert capsys.readouterr().out.splitlines() == [
        "  update     athena workgroup wg (results under s3://out/_athena-results/bc/)",
        "               OutputLocation: s3://out/costs/_athena/ → s3://out/_athena-results/bc/",
    ]


def test_an_update_is_shown_value_by_value_into_dicts_and_lists():
    have = {"Timeout": 240, "Args": {"--a": "1", "--b": "2"}, "Actions": [{"x": 1}], "Same": 1}
    want = {"Timeout": 60, "Args": {"--a": "1", "--c": "3"}, "Actions": [{"x": 2}], "Same": 1}
    assert changes(have, want, ("Timeout", "Args", "Actions", "Same", "Gone")) == [
        "Timeout: 240 → 60",
        "Args.--b: 2 → (none)",
        "Args.--c: (none) → 3",
        "Actions[0].x: 1 → 2",
    ]
    long = {"Policy": "x" * 200}
    (shown,) = changes({}, long, ("Policy",))
    assert shown == "Policy: (none) → " + "x" * 79 + "…"


@pytest.mark.parametrize(
    "results",
    ["s3://out/costs/", "s3://out/costs/_athena/", "s3://out/", "s3://out/costs"],
)
def test_results_under_the_output_are_refused(results):
    with pytest.raises(UsageError, match="overlaps --output s3://out/costs/"):
        athena.check_results(results, "s3://out/costs/")
    athena.check_results("s3://out/costs-results/", "s3://out/costs/")  # a sibling is fine
    athena.check_results("s3://other/costs/", "s3://out/costs/")
