"""Image, video and rerank models billed per unit."""

import json
from datetime import date
from decimal import Decimal

import pytest

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.invocations.costs import apply_unit_prices, unit_prices_frame
from bedrock_costs.invocations.records import parse_records
from bedrock_costs.reference.unit_price_file import (
    OPTIONAL,
    REQUIRED,
    default_unit_pricing_path,
    load_unit_prices,
)
from helpers import key, priced_calls, record, write_csv

TITAN = "amazon.titan-image-generator-v2:0"
HEADER = [*REQUIRED[:3], "tier", "unit", "max_size", "quality", *REQUIRED[4:], *OPTIONAL[3:]]


def unit_price(
    model=TITAN, unit="image", price="0.010", max_size="", quality="*", region="*", **extra
):
    row = dict.fromkeys(HEADER, "")
    row.update(
        model=model,
        region=region,
        routing="*",
        tier="standard",
        unit=unit,
        max_size=max_size,
        quality=quality,
        price_per_unit=price,
        effective_from="2026-01-01",
        currency="USD",
    )
    row.update(extra)
    return row


def image_record(request_id, width=1024, height=1024, images=2, quality="premium"):
    rec = record(request_id, model=TITAN, operation="InvokeModel")
    rec["input"] = {
        "inputContentType": "application/json",
        "inputBodyJson": {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": {"text": 'a "quality": "standard" cat'},
            "imageGenerationConfig": {
                "numberOfImages": images,
                "width": width,
                "height": height,
                "quality": quality,
            },
        },
    }
    rec["output"] = {"outputContentType": "application/json"}
    return rec


def test_shipped_unit_prices_load_with_sources():
    rows = load_unit_prices(default_unit_pricing_path())
    assert len(rows) >= 20 and all(r.source for r in rows)
    titan = {
        (r.max_size, r.quality): r.price_per_unit
        for r in rows
        if r.model == TITAN and r.region == "us-east-1"
    }
    assert titan == {
        (512, "standard"): Decimal("0.008"),
        (512, "premium"): Decimal("0.010"),
        (None, "standard"): Decimal("0.010"),
        (None, "premium"): Decimal("0.012"),
    }


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (unit_price(unit="pixel"), "unit"),
        (unit_price(max_size="big"), "max_size"),
        (unit_price(quality="ultra"), "quality"),
        (unit_price(price="-1"), "price_per_unit"),
    ],
)
def test_load_unit_prices_names_row_and_column(tmp_path, row, column):
    with pytest.raises(UsageError, match=f"row 2, column {column}"):
        load_unit_prices(write_csv(tmp_path / "u.csv", [row], HEADER))


def test_load_unit_prices_rejects_overlaps(tmp_path):
    with pytest.raises(UsageError, match="overlapping rows: rows 2 and 3"):
        load_unit_prices(
            write_csv(tmp_path / "u.csv", [unit_price(), unit_price(price="0.02")], HEADER)
        )


def test_parse_records_reads_image_requests_and_video_seconds(spark):
    video = record("video", model="amazon.nova-reel-v1:1")
    video["output"] = {"outputVideoDurationSeconds": 6.0}
    # a requestMetadata "quality" key, before the config in the line, changed the price
    metadata = {"requestMetadata": {"quality": "premium", "width": "2048"}}
    tagged = {**metadata, **image_record("tagged", quality="standard")}
    lines = [
        (json.dumps(r), "f")
        for r in (image_record("img", width=512, height=768), video, record("text"), tagged)
    ]
    rows = {
        r.request_id: r
        for r in spark.createDataFrame(lines, "value string, source_file string")
        .transform(parse_records)
        .take(10)
    }
    assert (rows["img"].image_count, rows["img"].image_size, rows["img"].image_quality) == (
        2,
        768,
        "premium",
    )
    assert (rows["tagged"].image_size, rows["tagged"].image_quality) == (1024, "standard")
    assert rows["video"].video_seconds == Decimal("6.000000")
    assert (rows["text"].image_count, rows["text"].image_size, rows["text"].video_seconds) == (
        None,
        None,
        None,
    )


def test_apply_unit_prices_picks_size_and_quality(spark, tmp_path):
    rows = load_unit_prices(
        write_csv(
            tmp_path / "u.csv",
            [
                unit_price(price="0.008", max_size="512", quality="standard"),
                unit_price(price="0.010", max_size="512", quality="premium"),
                unit_price(price="0.012", quality="premium"),
                unit_price(price="0.010", quality="standard"),
                unit_price(model="amazon.nova-reel-v1:1", unit="video_second", price="0.08"),
                unit_price(model="cohere.rerank-v3-5:0", unit="query", price="0.002"),
            ],
            HEADER,
        )
    )
    calls = spark.createDataFrame(
        [
            ("small", TITAN, 3, 512, "premium", None),
            ("large", TITAN, None, 1024, None, None),
            ("video", "amazon.nova-reel-v1:1", None, None, None, Decimal("6.5")),
            ("rerank", "cohere.rerank-v3-5:0", None, None, None, None),
            ("text", "other.model", None, None, None, None),
            ("failed", TITAN, 2, 512, "standard", None),
        ],
        "request_id string, model string, image_count int, image_size int, image_quality string, "
        "video_seconds decimal(18,6)",
    ).selectExpr(
        "*",
        "CASE WHEN request_id = 'failed' THEN 'ValidationException' END AS error_code",
        "'us-east-1' AS region",
        "'in_region' AS routing",
        "'standard' AS service_tier",
        "DATE'2026-07-14' AS usage_date",
    )
    got = {
        r.request_id: (r.unit_kind, r.units, r.unit_cost)
        for r in calls.transform(apply_unit_prices, unit_prices_frame(spark, rows)).take(10)
    }
    assert got == {
        "small": ("image", Decimal(3), Decimal("0.030")),
        "large": ("image", Decimal(1), Decimal("0.010")),
        "video": ("video_second", Decimal("6.5"), Decimal("0.520")),
        "rerank": ("query", Decimal(1), Decimal("0.002")),
        "text": (None, None, None),
        "failed": ("image", Decimal(0), Decimal(0)),  # an error generates no image: not billed
    }


def test_image_calls_are_priced_per_image(spark, tmp_path):
    files = {
        key("us-east-1", "2026-07-14"): [
            image_record("img", images=2, quality="premium"),
            image_record("huge", width=4096),
        ]
    }
    units = write_csv(
        tmp_path / "u.csv", [unit_price(price="0.012", max_size="2048", quality="premium")], HEADER
    )
    calls = priced_calls(spark, files, [], unit_prices=load_unit_prices(units))
    img = calls["img"]
    assert (img.pricing_status, img.unit_kind, img.units, img.unit_cost, img.total_cost) == (
        "priced",
        "image",
        Decimal(2),
        Decimal("0.024"),
        Decimal("0.024"),
    )
    assert (img.input_cost, img.price_effective_from) == (Decimal(0), date(2026, 1, 1))
    assert (calls["huge"].pricing_status, calls["huge"].total_cost) == ("no_price", None)
