"""The invocations and quarantine rows built from parsed records (invocations.tables), on
inline log lines: transforms only, no files written (chispa-style: a few rows in, rows out)."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from bedrock_costs.contract.schemas import PROFILE_TAG_PREFIX
from bedrock_costs.invocations import counts
from bedrock_costs.invocations.tables import build_quarantine
from bedrock_costs.reference.aws_sample_price_file import COLUMNS as AWS_SAMPLE_COLUMNS
from bedrock_costs.reference.price_file import load_prices
from helpers import (
    ACCOUNT,
    HAIKU,
    NOVA,
    cost,
    key,
    price,
    price_rows,
    priced_calls,
    record,
    write_csv,
)
from helpers import parsed_lines as records

PROFILE = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/k3v9x2m1q8zt"
PRICES = [price(), price(NOVA, "0.035", "0.14", "0.00875", "0")]


def calls(spark, files, prices=None, **options):
    return priced_calls(
        spark, files, prices if prices is not None else price_rows(PRICES), **options
    )


DAY = key("us-east-1", "2026-07-14")


@pytest.fixture(scope="module")
def found(spark):
    """One build of the invocations rows for lines of every kind (one Spark plan for all)."""
    return calls(
        spark,
        {
            DAY: [
                record("a", inp=1234, out=987, cr=56789, cw=4321, meta={"tenant": "acme"}),
                record("b", model=PROFILE, inp=1000, out=10),
                record(
                    "c",
                    model=f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/abcdefghij12",
                    inp=5,
                ),
                record("d", model="mistral.mistral-large-2407-v1:0", inp=5),
                record("e", model=f"us.{NOVA}", errorCode="ThrottlingException"),
                record("plain", inp=1),
                "{broken",
            ],
            key("us-east-1", "2026-07-14", name="b"): [record("dup", inp=2)],
            key("us-east-1", "2026-07-14", name="a"): [record("dup", inp=1), record("dup", inp=1)],
        },
        profiles={PROFILE: (f"global.{HAIKU}", {"Team": "search", "cost-center": "CC-1"})},
    )


def test_calls_are_priced_resolved_and_tagged(found):
    assert sorted(found) == ["a", "b", "c", "d", "dup", "e", "plain"]  # broken: not a call
    assert found["a"].total_cost == cost(1234, "1.00") + cost(987, "5.00") + cost(
        56789, "0.10"
    ) + cost(4321, "1.25")
    assert (found["b"].model, found["b"].routing, found["b"].inference_profile_arn) == (
        HAIKU,
        "global",
        PROFILE,
    )
    assert found["b"].total_cost == cost(1000, "1.00") + cost(10, "5.00")
    assert (found["c"].pricing_status, found["c"].total_cost) == ("unresolved_model", None)
    assert (found["d"].pricing_status, found["d"].total_cost) == ("no_price", None)
    assert (found["e"].status, found["e"].pricing_status, found["e"].total_cost) == (
        "error",
        "priced",
        Decimal(0),
    )
    assert found["a"].tag_tenant == "acme" and found["a"].usage_date == date(2026, 7, 14)
    assert not any("SECRET" in str(v) for r in found.values() for v in r.asDict().values())


def test_one_row_per_request_id_the_first_by_file_then_line(spark, found):
    assert found["dup"].input_tokens == 1 and found["dup"].source_file.endswith("/a.json.gz")
    lines = counts.line_counts(
        records(
            spark,
            {
                key("us-east-1", "2026-07-14", name="b"): [record("dup", inp=2)],
                key("us-east-1", "2026-07-14", name="a"): [record("dup", inp=1)] * 2,
            },
        )
    )
    assert (lines.lines_read, lines.distinct_calls, lines.duplicates) == (3, 1, 2)


def test_application_profile_tags_become_profile_tag_columns(found):
    assert (found["b"].profile_tag_team, found["b"].profile_tag_cost_center) == ("search", "CC-1")
    assert (found["plain"].profile_tag_team, found["plain"].pricing_status) == (None, "priced")
    assert [c for c in found["b"].asDict() if c.startswith(PROFILE_TAG_PREFIX)] == [
        "profile_tag_cost_center",
        "profile_tag_team",
    ]


def test_a_window_keeps_its_days_and_dates_records_by_timestamp(spark):
    late = key("us-east-1", "2026-07-15", hour="00")
    parsed = records(
        spark,
        {
            late: [
                record("late", ts="2026-07-14T23:59:59Z", inp=1),
                record("next", ts="2026-07-15T00:00:30Z", inp=1),
            ],
            "flat/undated.jsonl": ["not json"],
        },
        window=(date(2026, 7, 14), date(2026, 7, 14)),
    )
    rows = {r.request_id or r.raw_record: (r.usage_date, r.in_window) for r in parsed.collect()}
    assert rows == {
        "late": (date(2026, 7, 14), True),
        "next": (date(2026, 7, 15), False),
        "not json": (None, True),  # undated lines are always in the window
    }


def test_the_default_tier_applies_only_where_the_log_records_none(spark):
    prices = price_rows(
        [price(inp="1.00"), price(inp="0.50", tier="batch"), price(inp="0.25", tier="flex")]
    )
    found = calls(
        spark,
        {DAY: [record("plain", inp=1000), record("flex", inp=1000, serviceTier={"type": "flex"})]},
        prices=prices,
        default_tier="batch",
    )
    assert (found["plain"].service_tier, found["plain"].input_cost) == ("batch", Decimal("0.0005"))
    assert (found["flex"].service_tier, found["flex"].input_cost) == ("flex", Decimal("0.00025"))


def test_an_aws_sample_price_file_prices_only_the_routing_its_ids_name(spark, tmp_path):
    header = list(AWS_SAMPLE_COLUMNS)
    row = [f"us.{NOVA}", "0.035", "0.14", "0", "0.00875", "01-01-2000", "12-31-2100"]
    path = write_csv(tmp_path / "pricing.csv", [dict(zip(header, row, strict=True))], header)
    found = calls(
        spark,
        {
            DAY: [
                record("geo", model=f"us.{NOVA}", inp=1_000_000),
                record("plain", model=NOVA, inp=1),
            ]
        },
        prices=load_prices(path, fmt="aws-sample"),
    )
    assert (found["geo"].pricing_status, found["geo"].total_cost) == ("priced", Decimal("0.035"))
    assert (
        found["plain"].pricing_status == "no_price"
    )  # the sample's us. row never priced plain ids


def test_a_line_quarantined_before_keeps_its_first_detection_time(spark):
    parsed = records(spark, {DAY: ["{broken", record("ok", inp=1)]})
    first = datetime(2026, 7, 1, 8, 0)
    previous = spark.createDataFrame(
        [(f"s3://logs/{DAY}", "{broken", "malformed_json", first, date(2026, 7, 14))],
        "source_file string, raw_record string, reason string, detected_at timestamp, "
        "usage_date date",
    )
    now = datetime(2026, 7, 20, 9, 0)
    (again,) = build_quarantine(parsed, previous, detected_at=now).collect()
    assert (again.reason, again.raw_record, again.detected_at) == (
        "malformed_json",
        "{broken",
        first,
    )
    (new,) = build_quarantine(parsed, None, detected_at=now).collect()
    assert new.detected_at == now
