from datetime import date
from decimal import Decimal

import pytest

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.reference.aws_sample_price_file import COLUMNS
from bedrock_costs.reference.price_file import load_prices, to_csv
from helpers import HAIKU, write_csv

HEADER = list(COLUMNS)
SEED_ROWS = [  # the shape of the AWS sample's own pricing.csv
    ["amazon.titan-embed-text-v2:0", "0.02", "0", "0", "0", "01-01-2000", "12-31-2100"],
    [
        "us.anthropic.claude-3-7-sonnet-20250219-v1:0",
        "3.00",
        "15.00",
        "3.75",
        "0.30",
        "01-01-2000",
        "12-31-2100",
    ],
    ["us.amazon.nova-micro-v1:0", "0.035", "0.14", "0", "0.00875", "01-01-2000", "12-31-2100"],
    [f"global.{HAIKU}", "1.00", "5.00", "1.25", "0.10", "07-01-2026", ""],
]


def sample_file(tmp_path, rows):
    return write_csv(
        tmp_path / "pricing.csv", [dict(zip(HEADER, r, strict=True)) for r in rows], HEADER
    )


def test_aws_sample_rows_convert_routing_and_inclusive_dates(tmp_path):
    rows = {r.model: r for r in load_prices(sample_file(tmp_path, SEED_ROWS), fmt="aws-sample")}
    titan = rows["amazon.titan-embed-text-v2:0"]
    assert (titan.routing, titan.region, titan.tier) == ("in_region", "*", "standard")
    assert (titan.effective_from, titan.effective_to) == (date(2000, 1, 1), date(2101, 1, 1))
    sonnet = rows["anthropic.claude-3-7-sonnet-20250219-v1:0"]
    assert sonnet.routing == "geo"
    assert (sonnet.cache_write_per_mtok, sonnet.cache_read_per_mtok) == (
        Decimal("3.75"),
        Decimal("0.30"),
    )
    assert (rows[HAIKU].routing, rows[HAIKU].effective_to) == ("global", None)


def test_aws_sample_change_day_in_two_rows_is_an_overlap(tmp_path):
    rows = [
        ["amazon.nova-micro-v1:0", "0.035", "0.14", "0", "0", "01-01-2026", "07-01-2026"],
        ["amazon.nova-micro-v1:0", "0.030", "0.12", "0", "0", "07-01-2026", ""],
    ]
    with pytest.raises(UsageError, match="overlapping rows: rows 2 and 3"):
        load_prices(sample_file(tmp_path, rows), fmt="aws-sample")


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["m.x", "1", "1", "0", "0", "2026-01-01", ""], "start_date"),
        (["m.x", "1", "1", "0", "0", "02-30-2026", ""], "start_date"),
        (["m.x", "-1", "1", "0", "0", "01-01-2026", ""], "input_cost"),
        (["m.x", "1", "1", "0", "0", "03-01-2026", "02-01-2026"], "end_date"),
    ],
)
def test_aws_sample_errors_name_row_and_column(tmp_path, row, column):
    with pytest.raises(UsageError, match=f"row 2, column {column}"):
        load_prices(sample_file(tmp_path, [row]), fmt="aws-sample")


def test_converted_table_is_a_valid_price_file_with_the_same_rows(tmp_path):
    converted = load_prices(sample_file(tmp_path, SEED_ROWS), fmt="aws-sample")
    (tmp_path / "ours.csv").write_text(to_csv(converted))
    again = load_prices(str(tmp_path / "ours.csv"))

    def fields(r):
        return (
            r.model,
            r.region,
            r.routing,
            r.tier,
            r.input_per_mtok,
            r.output_per_mtok,
            r.cache_read_per_mtok,
            r.cache_write_per_mtok,
            r.effective_from,
            r.effective_to,
        )

    assert [fields(r) for r in again] == [fields(r) for r in converted]
