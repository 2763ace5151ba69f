import json
import os
from decimal import Decimal

import pytest
from pyspark.sql import functions as F

from bedrock_costs.billing import cur_files as cur
from bedrock_costs.billing.cur_lines import bedrock_lines, usage_type_table
from bedrock_costs.contract.errors import UsageError
from helpers import cur_line, write_cur


def lines_of(spark, root, period="2026-07"):
    (found,) = cur.find_periods(str(root), period)
    cur.check_files(spark, found)
    return {
        r.usage_type: r
        for r in bedrock_lines(
            spark, cur.read_line_items(spark, found), period=found.period
        ).collect()
    }


def test_only_bedrock_lines_are_kept_marketplace_by_entity_and_product_name(spark, tmp_path):
    root = write_cur(
        spark,
        tmp_path / "cur",
        [
            cur_line("USE1-Claude4.5Haiku-input-tokens", "1", "0.0011"),
            cur_line("USE1-NovaLite-input-tokens", "1", "0.00006", product_code="AmazonBedrock"),
            cur_line(
                "USE1-MP:USE1_InputTokenCount-Units",
                "0.5",
                "0.125",
                product_code="abc123opaque",
                product_name="Claude 3 Haiku (Amazon Bedrock Edition)",
                entity="AWS Marketplace",
                unit="Units",
            ),
            cur_line("USE1-TimedStorage-ByteHrs", "1", "0.023", product_code="AmazonS3"),
            cur_line(
                "USE1-SomeOther-Units",
                "1",
                "9",
                product_code="xyz",
                product_name="Some SaaS",
                entity="AWS Marketplace",
            ),
        ],
    )
    lines = lines_of(spark, root)
    assert set(lines) == {
        "USE1-Claude4.5Haiku-input-tokens",
        "USE1-NovaLite-input-tokens",
        "USE1-MP:USE1_InputTokenCount-Units",
    }
    mp = lines["USE1-MP:USE1_InputTokenCount-Units"]
    assert (mp.model, mp.token_kind, mp.marketplace) == (
        "anthropic.claude-3-haiku-20240307-v1:0",
        "input",
        True,
    )
    assert (mp.usage, mp.unit_basis) == (Decimal("500000"), "assumed")  # Units: millions


def test_amounts_become_exact_decimals_and_units_tokens(spark, tmp_path):
    root = write_cur(
        spark,
        tmp_path / "cur",
        [
            cur_line("USE1-Claude4.5Haiku-input-tokens", "0.1", "0.00011", rate="0.0011"),
            cur_line("USE1-Claude4.5Haiku-output-tokens", "0.000123", "0.1", unit="1M tokens"),
            cur_line(
                "USE1-Claude4.5Haiku-cache-read-input-token-count", "7", "0.0000007", unit="tokens"
            ),
            cur_line(
                "USE1-Claude4.5Haiku-cache-write-input-token-count",
                "2",
                "0.0000123456789",
                unit="Units",
                description="USD 1.25 per million cache write tokens",
            ),
        ],
    )
    lines = lines_of(spark, root)
    read = lines["USE1-Claude4.5Haiku-input-tokens"]
    # 0.1 and 0.00011 are not exact doubles; read through their shortest text, they are exact
    assert (read.amount, read.usage, read.unblended_cost) == (
        Decimal("0.1"),
        Decimal("100"),
        Decimal("0.00011"),
    )
    assert read.unblended_rate == Decimal("0.0011")
    assert lines["USE1-Claude4.5Haiku-output-tokens"].usage == Decimal("123")
    assert lines["USE1-Claude4.5Haiku-cache-read-input-token-count"].usage == Decimal("7")
    written = lines["USE1-Claude4.5Haiku-cache-write-input-token-count"]
    assert (written.usage, written.unit_basis) == (Decimal("2000000"), "described")
    assert written.unblended_cost == Decimal("0.0000123457")  # ten decimals, half up


def test_line_types_become_charge_categories(spark, tmp_path):
    usage_type = "USE1-Claude4.5Haiku-input-tokens"
    root = write_cur(
        spark,
        tmp_path / "cur",
        [
            cur_line(usage_type, "1", "1", line_type=kind, day=f"2026-07-{10 + i}")
            for i, kind in enumerate(("Usage", "Credit", "Refund", "Tax", "Fee", "Oddity"))
        ],
    )
    (period,) = cur.find_periods(str(root))
    got = {
        r.line_item_type: r.charge_category
        for r in bedrock_lines(
            spark, cur.read_line_items(spark, period), period=period.period
        ).collect()
    }
    assert got == {
        "Usage": "Usage",
        "Credit": "Credit",
        "Refund": "Credit",
        "Tax": "Tax",
        "Fee": "Purchase",
        "Oddity": "Adjustment",
    }


def test_periods_from_the_root_the_data_folder_or_one_period(spark, tmp_path):
    root = tmp_path / "export"
    write_cur(spark, root, [cur_line("USE1-NovaLite-input-tokens", "1", "1")], "2026-07")
    write_cur(spark, root, [cur_line("USE1-NovaLite-input-tokens", "1", "1")], "2026-08")
    assert [p.period for p in cur.find_periods(str(root))] == ["2026-07", "2026-08"]
    assert [p.period for p in cur.find_periods(str(root / "data"))] == ["2026-07", "2026-08"]
    one = cur.find_periods(str(root / "data" / "BILLING_PERIOD=2026-08"))
    assert [p.period for p in one] == ["2026-08"]
    assert [p.period for p in cur.find_periods(str(root), "2026-07")] == ["2026-07"]
    with pytest.raises(UsageError, match="no billing period 2026-09"):
        cur.find_periods(str(root), "2026-09")
    with pytest.raises(UsageError, match="expects YYYY-MM"):
        cur.find_periods(str(root), "2026-7")


def test_the_manifest_names_the_files_and_create_new_mode_reads_the_newest(spark, tmp_path):
    root = tmp_path / "export"
    write_cur(spark, root, [cur_line("USE1-NovaLite-input-tokens", "1", "1")])
    folder = root / "data" / "BILLING_PERIOD=2026-07"
    (name,) = [p.name for p in folder.iterdir()]
    stale = folder / "stale.parquet"
    stale.write_bytes((folder / name).read_bytes())
    metadata = root / "metadata" / "BILLING_PERIOD=2026-07"
    metadata.mkdir(parents=True)
    manifest = {"dataFiles": [f"s3://bucket/cur/export/data/BILLING_PERIOD=2026-07/{name}"]}
    (metadata / "export-Manifest.json").write_text(json.dumps(manifest))
    (period,) = cur.find_periods(str(root))
    assert period.files == (str(folder / name),)  # the manifest's file, not the stale one

    (metadata / "export-Manifest.json").write_text(
        json.dumps({"dataFiles": ["s3://b/gone.parquet"]})
    )
    with pytest.raises(UsageError, match=r"gone\.parquet, which is not in the export"):
        cur.find_periods(str(root))

    # "create new" delivery: one manifest per execution (each in its execution's folder),
    # named by execution id, so the one written last is not the last by name
    (metadata / "export-Manifest.json").unlink()
    for execution, written in (("e-zzz", 1_000), ("e-aaa", 2_000)):
        (metadata / execution).mkdir()
        data = {"dataFiles": [f"s3://b/x/data/BILLING_PERIOD=2026-07/{execution}/{name}"]}
        (metadata / execution / "export-Manifest.json").write_text(json.dumps(data))
        (folder / execution).mkdir()
        (folder / execution / name).write_bytes((folder / name).read_bytes())
        os.utime(metadata / execution / "export-Manifest.json", (written, written))
    (period,) = cur.find_periods(str(root))
    assert period.files == (str(folder / "e-aaa" / name),)

    newest = tmp_path / "create-new" / "data" / "BILLING_PERIOD=2026-07"
    for run, written in (("e-bbb", 2_000), ("e-ccc", 1_000)):  # without the metadata folder
        (newest / run).mkdir(parents=True)
        (newest / run / f"{run}.parquet").write_bytes((folder / name).read_bytes())
        os.utime(newest / run / f"{run}.parquet", (written, written))
    (period,) = cur.find_periods(str(tmp_path / "create-new"))
    assert period.files == (str(newest / "e-bbb" / "e-bbb.parquet"),)


def test_bad_exports_are_one_line_errors_naming_file_and_column(spark, tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        cur.find_periods(str(tmp_path / "nowhere"))
    empty = tmp_path / "empty" / "data" / "BILLING_PERIOD=2026-07"
    empty.mkdir(parents=True)
    (empty / "x.csv.gz").write_bytes(b"")
    with pytest.raises(UsageError, match=r"export CUR 2\.0 as Parquet"):
        cur.find_periods(str(tmp_path / "empty"))

    root = write_cur(spark, tmp_path / "cur", [cur_line("USE1-NovaLite-input-tokens", "1", "1")])
    (good,) = cur.find_periods(str(root))
    bad = tmp_path / "bad" / "data" / "BILLING_PERIOD=2026-07"
    spark.read.parquet(good.files[0]).withColumn("line_item_unblended_cost", F.lit("1.0")).coalesce(
        1
    ).write.parquet(str(bad))
    (period,) = cur.find_periods(str(tmp_path / "bad"))
    with pytest.raises(UsageError) as caught:
        cur.check_files(spark, period)
    assert caught.value.column == "line_item_unblended_cost"
    assert caught.value.file == period.files[0]
    assert "is string, CUR 2.0 writes double" in str(caught.value)

    missing = tmp_path / "missing" / "data" / "BILLING_PERIOD=2026-07"
    spark.read.parquet(good.files[0]).drop("line_item_usage_type").coalesce(1).write.parquet(
        str(missing)
    )
    (period,) = cur.find_periods(str(tmp_path / "missing"))
    with pytest.raises(
        UsageError, match=r"column line_item_usage_type: a CUR 2\.0 column is missing"
    ):
        cur.check_files(spark, period)


def test_billing_and_product_names_are_mapped_to_models(spark):
    cases = [
        ("USE1-Claude4.6Sonnet-input-tokens", None, "anthropic.claude-sonnet-4-6"),
        ("USE1-NovaLite-input-tokens", None, "amazon.nova-lite-v1:0"),
        ("USE1-Nova2.0Lite-input-tokens-flex", None, "amazon.nova-2-lite-v1:0"),
        (
            "USE1-MP:USE1_InputTokenCount-Units",
            "Claude 3 Haiku (Amazon Bedrock Edition)",
            "anthropic.claude-3-haiku-20240307-v1:0",
        ),
        ("USE1-SomeNewModel-input-tokens", None, None),
        ("USE1-MP:USE1_OutputTokenCount-Units", None, None),
    ]
    lines = spark.createDataFrame(
        [(u, p, "1K tokens", "") for u, p, _ in cases],
        "usage_type string, product_name string, pricing_unit string, description string",
    )
    found = {r.usage_type: r.model for r in usage_type_table(spark, lines).collect()}
    assert found == {u: m for u, _, m in cases}


def test_timestamps_written_without_a_time_zone_are_read_as_utc(spark, tmp_path):
    """A CUR whose timestamps are TIMESTAMP_NTZ (Parquet isAdjustedToUTC=false): accepted, and
    the wall-clock time is UTC — the last hour of a day stays on that day."""
    root = write_cur(
        spark, tmp_path / "aware", [cur_line("USE1-NovaLite-input-tokens", "1", "0.5")]
    )
    (aware,) = [p for p in (root / "data" / "BILLING_PERIOD=2026-07").glob("*.parquet")]
    stamps = [
        "bill_billing_period_start_date",
        "bill_billing_period_end_date",
        "line_item_usage_start_date",
        "line_item_usage_end_date",
    ]
    late = {"line_item_usage_start_date": "2026-07-14 23:30:00"}
    frame = spark.read.parquet(str(aware))
    for name in stamps:
        value = F.lit(late[name]) if name in late else F.date_format(name, "yyyy-MM-dd HH:mm:ss")
        frame = frame.withColumn(name, F.to_timestamp_ntz(value))
    folder = tmp_path / "naive" / "data" / "BILLING_PERIOD=2026-07"
    frame.coalesce(1).write.parquet(str(folder))
    assert dict(spark.read.parquet(str(folder)).dtypes)["line_item_usage_start_date"] == (
        "timestamp_ntz"
    )
    (line,) = lines_of(spark, tmp_path / "naive").values()
    assert (line.usage_date.isoformat(), line.unblended_cost) == ("2026-07-14", Decimal("0.5"))


def test_recent_periods_keeps_the_latest_of_the_export_and_a_given_period_wins(tmp_path):
    from bedrock_costs.config import settings
    from bedrock_costs.config.jobs import ReconcileConfig
    from bedrock_costs.pipelines import reconcile

    root = tmp_path / "export"
    for period in ("2026-07", "2026-05", "2026-06"):
        folder = root / "data" / f"BILLING_PERIOD={period}"
        folder.mkdir(parents=True)
        (folder / "part-0.parquet").write_bytes(b"")  # listed here, read by the run
    (tmp_path / "out" / "invocations").mkdir(parents=True)

    def periods(**given) -> list[str]:
        config = ReconcileConfig(str(tmp_path / "out"), str(root), **given)
        return [p.period for p in reconcile.validate(config)[1]]

    assert periods() == ["2026-05", "2026-06", "2026-07"]
    assert periods(recent_periods=2) == ["2026-06", "2026-07"]
    assert periods(recent_periods=9) == ["2026-05", "2026-06", "2026-07"]
    assert periods(recent_periods=2, billing_period="2026-05") == ["2026-05"]
    (setting,) = [s for s in settings.RECONCILE_SETTINGS if s.field == "recent_periods"]
    with pytest.raises(UsageError, match="--recent-periods expects a whole number of at least 1"):
        setting.parse("0", "--recent-periods")
