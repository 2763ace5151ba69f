import botocore.session
import pytest
from botocore.validate import validate_parameters

from bedrock_costs.quicksight import (
    data_set,
    data_set_update,
    data_source,
    data_source_update,
)
from bedrock_costs.views import COLUMNS, VIEWS

MODEL = botocore.session.get_session().get_service_model("quicksight")
PRINCIPAL = "arn:aws:quicksight:eu-west-1:123456789012:group/default/finops"


def valid(operation: str, params: dict) -> dict:
    validate_parameters(params, MODEL.operation_model(operation).input_shape)  # raises if not
    return params


def test_the_data_source_requests_are_valid_for_the_api():
    create = valid("CreateDataSource", data_source("123456789012", "bc", "bc-wg", PRINCIPAL))
    update = valid("UpdateDataSource", data_source_update(create))
    assert (create["DataSourceId"], update["DataSourceId"]) == ("bc-athena", "bc-athena")
    assert create["DataSourceParameters"] == {"AthenaParameters": {"WorkGroup": "bc-wg"}}


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_becomes_a_valid_dataset_with_a_fixed_id(view):
    create = valid(
        "CreateDataSet", data_set("123456789012", "eu-west-1", "bc", "bc_db", view, PRINCIPAL)
    )
    update = valid("UpdateDataSet", data_set_update(create))
    assert create["DataSetId"] == update["DataSetId"] == f"bc-{view.replace('_', '-')}"
    (table,) = create["PhysicalTableMap"].values()
    relational = table["RelationalTable"]
    assert (relational["Schema"], relational["Name"]) == ("bc_db", view)
    assert (
        relational["DataSourceArn"]
        == "arn:aws:quicksight:eu-west-1:123456789012:datasource/bc-athena"
    )
    assert [c["Name"] for c in relational["InputColumns"]] == [n for n, _ in COLUMNS[view]]
    assert "Permissions" not in update
