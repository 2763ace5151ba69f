import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bedrock_costs.entry.cli import main
from bedrock_costs.reference.aws_sample_price_file import COLUMNS as AWS_SAMPLE_COLUMNS
from helpers import (
    PRICE_HEADER,
    catalog_rows,
    copy_tables,
    key,
    price,
    record,
    register_output,
    rows,
    write_csv,
    write_logs,
)


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["run"],
        ["sample"],
        ["demo"],
        ["query"],
        ["reconcile"],
        ["focus"],
        ["report"],
        ["pricing"],
        ["pricing", "validate"],
        ["pricing", "convert"],
        ["pricing", "refresh"],
        ["pricing", "coverage"],
        ["profiles", "export"],
    ],
)
def test_every_command_prints_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    assert "usage: bedrock-costs" in capsys.readouterr().out


def usage_error(tmp_path, capsys, *args: str) -> str:
    out = tmp_path / "out"
    code = main(["run", "--output", str(out), *args])
    err = capsys.readouterr().err.strip()
    assert code == 2 and not out.exists()
    assert len(err.splitlines()) == 1 and err.startswith("bedrock-costs: error: ")
    return err


@pytest.fixture()
def logs(tmp_path):
    return str(
        write_logs(tmp_path / "logs", {key("us-east-1", "2026-07-14"): [record("a", inp=1)]})
    )


def test_run_rejects_a_missing_logs_path(tmp_path, capsys):
    assert "nowhere: the logs path does not exist" in usage_error(
        tmp_path, capsys, "--logs", str(tmp_path / "nowhere")
    )


def test_run_rejects_an_invalid_price_file_naming_row_and_column(tmp_path, capsys, logs):
    pricing = write_csv(tmp_path / "p.csv", [price(), price(inp="-2", region="us-east-1")])
    err = usage_error(tmp_path, capsys, "--logs", logs, "--pricing", pricing)
    assert "p.csv, row 3, column input_per_mtok: a price cannot be negative" in err


def test_run_rejects_an_unreadable_or_malformed_profiles_file(tmp_path, capsys, logs):
    assert "cannot read the file" in usage_error(
        tmp_path, capsys, "--logs", logs, "--profiles", str(tmp_path / "none.csv")
    )
    bad = write_csv(
        tmp_path / "profiles.csv", [{"profile_arn": "arn:aws:bedrock:x", "model_id": "m.x"}]
    )
    assert "row 2, column profile_arn" in usage_error(
        tmp_path, capsys, "--logs", logs, "--profiles", bad
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--start-date", "2026-07-14"], "go together"),
        (["--start-date", "2026-07-15", "--end-date", "2026-07-14"], "before --start-date"),
        (["--start-date", "14/07/2026", "--end-date", "2026-07-14"], "expects a date YYYY-MM-DD"),
        (["--database", "Bad-Name"], "--database"),
    ],
)
def test_run_rejects_bad_options(tmp_path, capsys, logs, args, words):
    assert words in usage_error(tmp_path, capsys, "--logs", logs, *args)


def test_run_rejects_a_price_file_with_an_unknown_column(tmp_path, capsys, logs):
    rows = [{**price(), "note": "x"}]
    pricing = write_csv(tmp_path / "p.csv", rows, [*PRICE_HEADER, "note"])
    assert "row 1, column note: unknown column 'note'" in usage_error(
        tmp_path, capsys, "--logs", logs, "--pricing", pricing
    )


def read_sample(root: Path) -> dict[str, list[str]]:
    return {
        str(p.relative_to(root)): gzip.open(p, "rt").read().splitlines()
        for p in sorted(root.rglob("*.json.gz"))
    }


def test_sample_is_deterministic_and_realistic(tmp_path):
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        assert (
            main(
                [
                    "sample",
                    "--output",
                    str(tmp_path / name),
                    "--records",
                    "3000",
                    "--days",
                    "2",
                    "--seed",
                    seed,
                ]
            )
            == 0
        )
    a, b, c = (read_sample(tmp_path / n) for n in "abc")
    assert a == b and a != c
    logs = [line for path, lines in a.items() if "/data/" not in path for line in lines]
    records = [json.loads(line) for line in logs if line.endswith("}")]
    assert any("cacheDetails" in json.dumps(r) for r in records)  # 1-hour/5-minute splits logged
    assert any(
        "imageGenerationConfig" in json.dumps(r["input"]) for r in records
    )  # per-image models
    assert len(logs) - len(records) >= 1  # planted malformed lines
    ids = [r["requestId"] for r in records]
    assert len(ids) - len(set(ids)) >= 1  # planted duplicate deliveries
    assert {r["operation"] for r in records} == {
        "Converse",
        "ConverseStream",
        "InvokeModel",
        "InvokeModelWithResponseStream",
    }
    models = {r["modelId"] for r in records}
    assert any(m.startswith("global.") for m in models) and any(m.startswith("us.") for m in models)
    assert any(m.startswith("eu.") for m in models) and any(
        ":foundation-model/" in m for m in models
    )
    assert any(":application-inference-profile/" in m for m in models)
    assert any(r["input"]["cacheReadInputTokenCount"] for r in records)
    assert any(r["input"]["cacheWriteInputTokenCount"] for r in records)
    assert any("errorCode" in r for r in records)
    keys = {k for r in records for k in r.get("requestMetadata", {})}
    assert {"tenant", "Cost Center", "cost-center", "feature flag"} <= keys
    assert any("/data/" in p for p in a) and (tmp_path / "a" / "profiles.csv").exists()
    assert list((tmp_path / "a").rglob("amazon-bedrock-logs-permission-check"))
    next_day_folders = [line for path, lines in a.items() if "/00/" in path for line in lines]
    late = [
        r for r in next_day_folders if r.endswith("}") and json.loads(r)["timestamp"][11:13] == "23"
    ]
    assert len(late) >= 2  # the planted calls at 23:59, delivered in the next day's 00 folder


def cli_error(capsys, *args: str) -> str:
    code = main(list(args))
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and err.startswith("bedrock-costs: error: ")
    return err


def test_reconcile_and_focus_refuse_bad_inputs_before_writing(tmp_path, capsys):
    out = tmp_path / "out"
    err = cli_error(capsys, "reconcile", "--output", str(out), "--cur", str(tmp_path / "no"))
    assert err.endswith("no: the CUR path does not exist")
    (tmp_path / "cur" / "data" / "BILLING_PERIOD=2026-07").mkdir(parents=True)
    err = cli_error(capsys, "reconcile", "--output", str(out), "--cur", str(tmp_path / "cur"))
    assert "no Parquet files for this billing period" in err
    err = cli_error(
        capsys,
        "reconcile",
        "--output",
        str(out),
        "--cur",
        str(tmp_path / "cur"),
        "--billing-period",
        "July",
    )
    assert "--billing-period expects YYYY-MM, got 'July'" in err
    assert "no invocations table here" in cli_error(capsys, "focus", "--output", str(out))
    assert not out.exists()


def test_sample_with_cur_writes_logs_and_their_cur_export(spark, tmp_path, capsys):
    logs = tmp_path / "logs"  # (the CUR is written with the active session: the tests')
    assert (
        main(["sample", "--output", str(logs), "--records", "60", "--days", "2", "--with-cur"]) == 0
    )
    printed = capsys.readouterr().out
    assert f"CUR 2.0 export: {logs}-cur (" in printed and printed.startswith("wrote 6")
    assert (tmp_path / "logs-cur" / "metadata" / "BILLING_PERIOD=2026-10").is_dir()
    assert list((tmp_path / "logs-cur" / "data" / "BILLING_PERIOD=2026-10").glob("*.parquet"))


@pytest.fixture()
def month_copy(spark, hand_month, tmp_path):
    out = tmp_path / "out"
    database = copy_tables(
        spark, hand_month["database"], ["invocations"], out, hand_month["tag_columns"]
    )
    return {**hand_month, "out": str(out), "database": database}


@pytest.mark.usefixtures("no_gx")
def test_reconcile_and_focus_through_the_command_line(spark, month_copy, capsys):
    common = ["--output", month_copy["out"], "--database", month_copy["database"]]
    assert (
        main(
            [
                "reconcile",
                "--cur",
                month_copy["cur"],
                "--pricing",
                month_copy["pricing"],
                *common,
                "--json",
            ]
        )
        == 0
    )
    (summary,) = json.loads(capsys.readouterr().out)  # --json: the summaries and nothing else
    assert summary["billing_period"] == "2026-07" and summary["status"] == "succeeded"
    assert summary["findings"]["logs_missing"][0]["region"] == "us-west-2"
    assert main(["focus", *common, "--billing-period", "2026-07"]) == 0
    printed = capsys.readouterr().out
    assert "focus 2026-07: " in printed and "(allocated)" in printed
    assert f"({month_copy['database']}.focus)" in printed
    exported = rows(spark, month_copy["database"], "focus")
    assert exported and {r.BillingPeriodStart.strftime("%Y-%m") for r in exported} == {"2026-07"}
    assert (Path(month_copy["out"]) / "focus" / "metadata").is_dir()  # at --output/focus


def test_pricing_validate_reports_valid_and_invalid_files(tmp_path, capsys):
    good = write_csv(tmp_path / "good.csv", [price()])
    assert main(["pricing", "validate", good]) == 0
    assert "valid, 1 price rows for 1 models" in capsys.readouterr().out
    bad = write_csv(tmp_path / "bad.csv", [price(), price()])
    assert main(["pricing", "validate", bad]) == 2
    assert "bad.csv, row 3, column effective_from: duplicate rows" in capsys.readouterr().err


def test_pricing_convert_writes_a_file_the_job_accepts(tmp_path, capsys):
    header = list(AWS_SAMPLE_COLUMNS)
    source = write_csv(
        tmp_path / "pricing.csv",
        [
            dict(
                zip(
                    header,
                    [
                        "us.amazon.nova-micro-v1:0",
                        "0.035",
                        "0.14",
                        "0",
                        "0.00875",
                        "01-01-2000",
                        "12-31-2100",
                    ],
                    strict=True,
                )
            )
        ],
        header,
    )
    target = tmp_path / "ours.csv"
    assert main(["pricing", "convert", source, "--to", str(target)]) == 0
    assert "inclusive" in capsys.readouterr().err
    assert (
        target.read_text()
        .splitlines()[1]
        .startswith(
            "amazon.nova-micro-v1:0,*,geo,standard,0,0.035,0.14,0.00875,0,,2000-01-01,2101-01-01,USD,"
        )
    )
    assert main(["pricing", "validate", str(target)]) == 0


def test_pricing_coverage_lists_the_unpriced_calls_of_a_run(spark, sample_month, tmp_path, capsys):
    tables = sample_month["tables"]
    database = register_output(spark, tables)  # the demo's tables, in this process's catalog
    csv_file = tmp_path / "cov.csv"
    command = ["pricing", "coverage", "--output", str(tables), "--database", database]
    assert main([*command, "--csv", str(csv_file)]) == 0
    printed = capsys.readouterr().out
    unpriced = [c for c in catalog_rows(tables, "invocations") if c["pricing_status"] != "priced"]
    assert unpriced  # the sample's provisioned-throughput calls
    groups = csv_file.read_text().splitlines()[1:]
    assert sum(int(g.split(",")[6]) for g in groups) == len(unpriced)
    for call in unpriced:
        assert (call["model"] or call["model_id"])[:60] in printed


def test_run_reports_an_unreachable_s3_logs_path_as_a_usage_error(tmp_path, capsys, monkeypatch):
    # a closed port on loopback: the S3 client fails fast and no traffic leaves the machine
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    err = usage_error(tmp_path, capsys, "--logs", "s3://logs-bucket/AWSLogs/")
    assert "s3://logs-bucket/AWSLogs/: cannot reach it (EndpointConnectionError" in err


def test_an_output_that_cannot_be_written_is_one_line_before_spark_starts(tmp_path, capsys):
    """An output path that is a file, under a file or read-only was a traceback (or, with the
    old metastore, 14 minutes of retries): the lock file is every writing command's first
    write, and it names the output (issue 17)."""
    logs = write_logs(tmp_path / "logs", {key("us-east-1", "2026-07-14"): [record("a")]})
    (tmp_path / "file").write_text("x")
    for output in (tmp_path / "file", tmp_path / "file" / "below"):
        err = cli_error(capsys, "run", "--logs", str(logs), "--output", str(output))
        assert err.endswith(
            f"{output}: cannot write the output here: the output path or a "
            "folder above it is a file"
        )
    read_only = tmp_path / "ro"
    read_only.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(read_only)], check=False)
    if mounted.returncode != 0:
        pytest.skip("a read-only file system needs mount (root with CAP_SYS_ADMIN)")
    try:
        (read_only / "out" / "_catalog").mkdir(parents=True)  # an output written before
        (read_only / "out" / "_catalog" / "writer.lock").touch()
        subprocess.run(["mount", "-o", "remount,ro", str(read_only)], check=True)
        err = cli_error(capsys, "run", "--logs", str(logs), "--output", str(read_only / "out"))
        assert err.endswith("out: cannot write the output here: Read-only file system")
    finally:
        subprocess.run(["umount", str(read_only)], check=True)


def test_a_spark_command_without_spark_installed_says_how_to_install_it(tmp_path):
    """`pip install bedrock-costs` without `[spark]`: ModuleNotFoundError (issue 17)."""
    logs = write_logs(tmp_path / "logs", {key("us-east-1", "2026-07-14"): [record("a")]})
    code = (
        "import sys; sys.modules['pyspark'] = None\n"  # as if it were not installed
        "from bedrock_costs.entry.cli import main\n"
        f"sys.exit(main(['run', '--logs', {str(logs)!r}, '--output', {str(tmp_path / 'o')!r}]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "bedrock-costs: error: run needs Spark, which is not installed here: pip install "
        "'bedrock-costs[spark]' (Spark 3.5.4, as Glue 5.0 runs; Java 17 too)\n"
    )


def test_a_copied_output_folder_is_refused_before_it_reads_or_changes_the_original(
    tmp_path, capsys
):
    """A copy's catalog still named the original folder's tables (issue 17): a run on the copy
    would have changed the original. The catalog here is pyiceberg's own SQLite catalog, the
    same tables Spark's JDBC catalog writes."""
    import pyarrow as pa
    from pyiceberg.catalog.sql import SqlCatalog

    original = tmp_path / "original"
    (original / "_catalog").mkdir(parents=True)
    catalog = SqlCatalog(
        "bedrock",
        uri=f"sqlite:///{original / '_catalog' / 'catalog.db'}",
        warehouse=f"file://{original}",
    )
    catalog.create_namespace("bedrock_costs")
    catalog.create_table(
        "bedrock_costs.invocations",
        pa.schema([("request_id", pa.string())]),
        location=f"file://{original}/invocations",
    )
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    for command in (["query", "SELECT 1"], ["report"], ["maintain"]):
        err = cli_error(capsys, command[0], "--output", str(copy), *command[1:])
        assert f"{copy}: this output's catalog holds bedrock_costs.invocations at file://" in err
        assert f"{original}/invocations/metadata/" in err
    from bedrock_costs.io.catalog_settings import tables_elsewhere

    assert tables_elsewhere(str(original)) == []
