"""The demo end to end through the command line, and its HTML report: every number equals the
tables (read independently with pyarrow), and the page works in a real headless Chromium."""

import json
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal, localcontext
from pathlib import Path

import pytest

from bedrock_costs.report.html import usd
from helpers import QUICK_JVM, catalog_rows

BIN = Path(sys.executable).parent
ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def bedrock_costs(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BIN / "bedrock-costs", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **QUICK_JVM},
    )


@pytest.fixture(scope="module")
def demo(sample_month):
    """The demo run once for the whole test run (conftest.sample_month), and its report."""
    tables = sample_month["tables"]
    page = (tables / "report.html").read_text()
    found = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page)
    assert found
    return {
        "stdout": sample_month["stdout"],
        "tables": tables,
        "page": page,
        "data": json.loads(found[1]),
    }


def query(tables: Path, sql: str) -> list[str]:
    """One SQL statement through `bedrock-costs query` in a new process: the result rows."""
    result = bedrock_costs("query", "--output", str(tables), sql)
    assert result.returncode == 0, result.stderr[-2000:]
    return [line.strip("| ") for line in result.stdout.splitlines()[3:] if line.startswith("|")]


@pytest.mark.slow
def test_demo_then_a_new_session_queries_the_tables_by_name(demo):
    stdout, tables = demo["stdout"], demo["tables"]
    assert "invocations written" in stdout and "cost by model" in stdout
    summary = json.loads(next((tables / "_runs").glob("*.json")).read_text())
    (row,) = query(
        tables,
        "SELECT count(*) AS calls, count(DISTINCT request_id) AS ids, "
        "sum(CASE WHEN pricing_status = 'priced' THEN 0 ELSE 1 END) AS unpriced, "
        "(SELECT CAST(sum(allocated_cost) AS STRING) FROM bedrock_costs.allocations) AS billed "
        "FROM bedrock_costs.invocations",
    )
    calls, ids, unpriced, allocated = (x.strip() for x in row.split("|"))
    assert int(calls) == int(ids) == summary["invocations_written"] > 590
    assert int(unpriced) == summary["unpriced_total"]
    assert "reconciliation 2026-10" in stdout and "logs missing:" in stdout
    assert "FOCUS 1.2 export: 2026-10" in stdout
    bill = json.loads((tables / "_reconcile" / "2026-10.json").read_text())["cur_total"]
    assert allocated == bill


@pytest.mark.slow
def test_the_demo_ends_by_writing_the_report_and_printing_its_path(demo):
    last = demo["stdout"].strip().splitlines()[-1]
    assert last == f"The cost report (open it in a browser): {demo['tables'] / 'report.html'}"
    page = demo["page"]
    assert "<link" not in page and "src=" not in page and "http" not in page.split("<main>")[0]
    assert not re.search(r"https?://", page.split('id="report-data">')[0])  # nothing fetched
    assert "SECRET" not in page and "inputBodyJson" not in page  # no prompt or response text
    quality = {q["job"]: q for q in demo["data"]["quality"]}
    assert set(quality) == {"invocation-costs", "cur-reconcile 2026-10"}
    assert all(q["status"] in ("passed", "warned") and not q["failed"] for q in quality.values())
    summary = json.loads(next((demo["tables"] / "_runs").glob("*.json")).read_text())
    assert summary["status"] == "succeeded" and summary["quality"]["checks"] == 21


def invocations(tables: Path) -> list[dict]:
    return catalog_rows(tables, "invocations")


@pytest.mark.slow
def test_report_numbers_equal_the_tables(demo):
    data, tables = demo["data"], demo["tables"]
    calls = invocations(tables)
    priced = [c for c in calls if c["pricing_status"] == "priced"]
    overview = data["overview"]
    assert overview["calls"] == len(calls) and overview["priced_calls"] == len(priced)
    assert Decimal(overview["total_cost"]) == sum(c["total_cost"] for c in priced)

    daily: dict[tuple, Decimal] = defaultdict(Decimal)
    for c in priced:
        daily[(str(c["usage_date"]), c["model"])] += c["total_cost"]
    assert {(r["usage_date"], r["model"]): Decimal(r["cost"]) for r in data["daily_by_model"]} == (
        daily
    )

    tag_columns = [k for k in calls[0] if k.startswith("tag_")]
    assert set(tag_columns) <= set(data["tag_columns"]) and tag_columns
    for column in tag_columns:
        rows = data["by_tag"][column]
        by_value: dict[str, Decimal] = defaultdict(Decimal)
        counts: dict[str, int] = defaultdict(int)
        for c in calls:
            value = c[column] if c[column] is not None else "(untagged)"
            by_value[value] += c["total_cost"] or Decimal(0)
            counts[value] += 1
        assert sum(r["calls"] for r in rows) == len(calls)
        assert sum(Decimal(r["cost"] or 0) for r in rows) == sum(by_value.values())
        for r in rows:
            if r["value"] != "(other)":
                assert (Decimal(r["cost"] or 0), r["calls"]) == (
                    by_value[r["value"]],
                    counts[r["value"]],
                )

    by_principal: dict[tuple, Decimal] = defaultdict(Decimal)
    for c in calls:
        by_principal[(c["principal_type"], c["principal_name"])] += c["total_cost"] or Decimal(0)
    top = sorted(by_principal.values(), reverse=True)[: len(data["principals"])]
    assert [Decimal(r["cost"]) for r in data["principals"]] == top

    unpriced: dict[tuple, int] = defaultdict(int)
    for c in calls:
        if c["pricing_status"] != "priced":
            unpriced[(c["pricing_status"], c["model_id"])] += 1
    assert {(r["pricing_status"], r["model_id"]): r["calls"] for r in data["unpriced"]} == unpriced
    reasons: dict[str, int] = defaultdict(int)
    for row in catalog_rows(tables, "quarantine"):
        reasons[row["reason"]] += 1
    assert {r["reason"]: r["lines"] for r in data["quarantine"]} == reasons

    allocations = catalog_rows(tables, "allocations")
    unattributed = sum(
        (a["allocated_cost"] for a in allocations if a["allocation"] == "unattributed"), Decimal(0)
    )
    (period,) = data["reconciliation"]
    assert Decimal(period["unattributed_cost"]) == unattributed > 0
    buckets: dict[str, int] = defaultdict(int)
    for r in catalog_rows(tables, "reconciliation"):
        buckets[r["status"]] += 1
    assert {s["status"]: s["buckets"] for s in period["statuses"]} == buckets
    assert period["drift"], "the sample plants a price change"

    # the table cells show the exact values rounded half-up to 6 decimals
    model_totals: dict[str, Decimal] = defaultdict(Decimal)
    for c in priced:
        model_totals[c["model"]] += c["total_cost"]
    for model, total in model_totals.items():
        assert f'<td>{model}</td><td class="n">' in demo["page"]
        assert f'<td class="n">{usd(total)}</td>' in demo["page"]


@pytest.mark.slow
def test_report_bill_tag_figures_are_the_allocated_dollars(demo):
    """The tag selector's bill columns (issue 17 §5): per value of a CUR tag, the allocated
    dollars of the allocations table; each column's values sum to the bill."""
    data, tables = demo["data"], demo["tables"]
    rows = catalog_rows(tables, "allocations")
    billed = sum(r["allocated_cost"] for r in rows)
    assert {"bill_tag_application", "bill_principal_tag_team"} <= set(data["bill_tag_columns"])
    for column in data["bill_tag_columns"]:
        by_value: dict[str, Decimal] = defaultdict(Decimal)
        for r in rows:
            by_value[r[column] if r[column] is not None else "(untagged)"] += r["allocated_cost"]
        shown = data["by_tag"][column]
        assert sum(Decimal(v["cost"]) for v in shown) == billed
        assert {v["value"]: Decimal(v["cost"]) for v in shown} == dict(by_value)
    teams = {v["value"] for v in data["by_tag"]["bill_principal_tag_team"]}
    assert {"support", "search", "data", "ml", "finance", "(untagged)"} <= teams


@pytest.mark.slow
def test_cache_effect_is_exact_against_the_input_price_that_priced_each_call(demo):
    """Each cached call's input price is input_cost x 10^6 / input_tokens (exact: costs are
    exact products), so what its cache reads would have cost is known without our chooser."""
    calls = [
        c
        for c in invocations(demo["tables"])
        if c["pricing_status"] == "priced" and (c["cache_read_tokens"] or c["cache_write_tokens"])
    ]
    assert calls and all(c["input_tokens"] > 0 for c in calls)
    expected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    with localcontext() as ctx:
        ctx.prec = 60
        for c in calls:
            rate = c["input_cost"] / c["input_tokens"]
            e = expected[c["model"]]
            e["read_savings"] += c["cache_read_tokens"] * rate - c["cache_read_cost"]
            e["write_premium"] += c["cache_write_cost"] - c["cache_write_tokens"] * rate
    got = {r["model"]: r for r in demo["data"]["cache"]}
    assert set(got) == set(expected)
    for model, e in expected.items():
        assert Decimal(got[model]["read_savings"]) == e["read_savings"]
        assert Decimal(got[model]["write_premium"]) == e["write_premium"]
        assert Decimal(got[model]["net_saving"]) == e["read_savings"] - e["write_premium"]
    assert any(Decimal(r["read_savings"]) > 0 for r in got.values())


@pytest.mark.slow
def test_the_page_in_headless_chromium(demo):
    """Loads offline, no console errors, every chart drawn, the tag selector redraws the chart
    and its table with the table's numbers; a screenshot is kept under build/test-artifacts/."""
    if not CHROMIUM:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package")
        pytest.skip("install Debian's chromium package to run the browser test")
    from playwright.sync_api import sync_playwright

    data = demo["data"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            requests: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto((demo["tables"] / "report.html").as_uri())
            page.wait_for_selector("body[data-rendered=true]", timeout=20_000)
            assert errors == []
            assert [u for u in requests if not u.startswith("file:")] == []
            charts = page.eval_on_selector_all(
                "svg.chart", "svgs => svgs.map(s => [s.id, s.querySelectorAll('rect').length])"
            )
            assert {c for c, _ in charts} == {
                "daily-chart",
                "tag-chart",
                "principal-chart",
                "cache-chart",
                "unpriced-chart",
                "recon-chart",
            }
            assert all(n > 0 for _, n in charts), charts

            def tag_table() -> list[list[str]]:
                return page.eval_on_selector_all(
                    "#tag-table tbody tr",
                    "rows => rows.map(r => [...r.cells].map(c => c.textContent))",
                )

            first, second = data["tag_columns"][0], data["tag_columns"][1]
            assert page.get_attribute("#tag-chart", "data-tag") == first
            before = tag_table()
            page.select_option("#tag-select", second)
            assert page.get_attribute("#tag-chart", "data-tag") == second
            after = tag_table()
            assert after != before
            assert after == [
                [r["value"], f"{r['calls']:,}", usd(r["cost"]), f"{r['unpriced_calls']:,}"]
                for r in data["by_tag"][second]
            ]
            labels = page.eval_on_selector_all(
                "#tag-chart rect.bar", "bars => bars.map(b => b.querySelector('title').textContent)"
            )
            assert labels == [f"{r['value']}: {usd(r['cost'])}" for r in data["by_tag"][second]]
            page.select_option("#tag-select", "bill_principal_tag_team")
            assert tag_table() == [
                [r["value"], f"{r['calls']:,}", usd(r["cost"]), f"{r['unpriced_calls']:,}"]
                for r in data["by_tag"]["bill_principal_tag_team"]
            ]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        finally:
            browser.close()
    assert (ARTIFACTS / "report.png").stat().st_size > 50_000


def test_as_of_reads_the_tables_a_reconciliation_read(spark, demo, capsys):
    """`query --as-of` the snapshot a reconciliation summary records, on the demo's tables
    (registered in this process's catalog), and the guard against reading the tables as now."""
    from bedrock_costs.entry.cli import main
    from bedrock_costs.io import snapshots
    from helpers import register_output

    tables = demo["tables"]
    database = register_output(spark, tables)
    read = json.loads((tables / "_reconcile" / "2026-10.json").read_text())["snapshots"]
    assert read["invocations"] == snapshots.snapshot_id(spark, database, "invocations")
    common = ["query", "--output", str(tables), "--database", database]
    sql = "SELECT count(*) AS calls FROM invocations"
    assert main([*common, "--as-of", str(read["invocations"]), sql]) == 0
    calls = len(catalog_rows(tables, "invocations"))
    assert f"|{calls:<5}|" in capsys.readouterr().out  # every call: nothing was re-run since
    assert main([*common, "--as-of", "2000-01-01T00:00:00Z", sql]) == 0  # before any commit
    assert "|0    |" in capsys.readouterr().out
    assert main([*common, "--as-of", "1", f"SELECT * FROM {database}.invocations"]) == 2
    assert "with --as-of, name the tables without the database" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main([*common, "--as-of", "yesterday", sql])
    assert usage.value.code == 2 and "neither a snapshot id nor" in capsys.readouterr().err
