"""The CUR reconciliation job: CUR 2.0 + our invocations in, `reconciliation` and `allocations`.

Per billing period: read and check the export, decode its Bedrock lines, bucket both sides,
reconcile, allocate, check that every bucket's allocations sum exactly to its bill, then swap
the period's partition of both tables (re-running a period replaces it: CUR restates the open
month daily and closed months for about two weeks).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs import catalog, cur, schemas, storage, writer
from bedrock_costs.allocate import allocate, bucket_mismatches
from bedrock_costs.config import DEFAULT_DATABASE
from bedrock_costs.drift import billed_rates, find_drift, propose_rows
from bedrock_costs.errors import AccountingError, UsageError
from bedrock_costs.price_refresh import describe
from bedrock_costs.price_table import PriceRow, default_pricing_path, load_prices, to_csv
from bedrock_costs.reconcile import call_kinds, cur_buckets, log_buckets, reconcile
from bedrock_costs.session import RUN_SETTINGS
from bedrock_costs.summary import _json_value

TABLES = ("reconciliation", "allocations")
PARTITION = "billing_period"
MAX_FINDINGS = 1_000


@dataclass(frozen=True)
class ReconcileConfig:
    output_path: str
    cur_path: str
    billing_period: str | None = None
    pricing_path: str = field(default_factory=default_pricing_path)
    database: str = DEFAULT_DATABASE


@dataclass
class ReconcileSummary:
    billing_period: str
    run_id: str
    cur_files: list[str]
    by_principal: bool = False
    currency: str = "USD"
    cur_total: Decimal = Decimal(0)
    cur_by_category: dict[str, Decimal] = field(default_factory=dict)
    estimated_total: Decimal = Decimal(0)
    usage_matched_share: Decimal | None = None
    matched_share_by_account: dict[str, Decimal | None] = field(default_factory=dict)
    matched_share_by_region: dict[str, Decimal | None] = field(default_factory=dict)
    statuses: dict[str, dict] = field(default_factory=dict)
    findings: dict[str, list[dict]] = field(default_factory=dict)
    drift: list[dict] = field(default_factory=list)
    proposed_prices: str | None = None
    allocated_total: Decimal = Decimal(0)
    unattributed_total: Decimal = Decimal(0)
    allocation_check: str = ""
    rows: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        import json
        from dataclasses import asdict

        return json.dumps(asdict(self), indent=2, default=_json_value) + "\n"

    def save(self, output_path: str) -> str:
        path = storage.join(output_path, "_reconcile", f"{self.billing_period}.json")
        storage.write_text(path, self.to_json())
        return path

    def human(self) -> str:
        categories = ", ".join(
            f"{k.lower()} {_usd(v)}" for k, v in sorted(self.cur_by_category.items())
        )
        grain = "by IAM principal" if self.by_principal else "no IAM principal data"
        lines = [
            f"reconciliation {self.billing_period}  ({len(self.cur_files)} CUR file(s), {grain})",
            f"  CUR Bedrock cost     {self.currency} {_usd(self.cur_total)}  ({categories})",
            f"  estimated from logs  {self.currency} {_usd(self.estimated_total)}",
            f"  usage matched        {_pct(self.usage_matched_share)} of billed usage dollars",
            "    by account         "
            + ", ".join(f"{k} {_pct(v)}" for k, v in self.matched_share_by_account.items()),
            "    by Region          "
            + ", ".join(f"{k} {_pct(v)}" for k, v in self.matched_share_by_region.items()),
            "  buckets by status    "
            + ", ".join(
                f"{s} {v['buckets']:,} ({_usd(v['cur_cost'])} billed)"
                for s, v in self.statuses.items()
            ),
        ]
        notes = [f"  - {line}" for line in _finding_lines(self)]
        if notes:
            lines += ["  findings:", *notes]
        lines.append(
            f"  allocations          {self.currency} {_usd(self.allocated_total)} allocated "
            f"({self.allocation_check}); unattributed {_usd(self.unattributed_total)}"
        )
        if self.proposed_prices:
            lines.append(f"  proposed price rows  {self.proposed_prices}")
        return "\n".join(lines)


def _usd(value: Decimal | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.6f}"


def _pct(share: Decimal | None) -> str:
    return "n/a" if share is None else f"{share * 100:.2f} %"


def _finding_lines(s: ReconcileSummary, top: int = 8) -> list[str]:
    f, out = s.findings, []
    for g in f.get("logs_missing", [])[:top]:
        out.append(
            f"logs missing: {g['account_id']} {g['region']} {g['model'] or g['usage_types']}: "
            f"{_usd(g['cur_cost'])} billed on {g['days']} day(s) with no logged call"
        )
    for d in s.drift[:top]:
        table = d["table_per_mtok"] or "no row"
        out.append(
            f"price drift: {d['model']} {d['region']} {d['routing']} {d['tier']} "
            f"{d['token_kind']}: billed {d['billed_per_mtok']}/M since {d['since']} "
            f"(table {table})"
        )
    for g in f.get("over_under", [])[:top]:
        out.append(
            f"{g['status']}: {g['account_id']} {g['region']} {g['model']} {g['token_kind']} "
            f"{g['routing']} {g['tier']}: estimated {_usd(g['estimated_cost'])}, billed "
            f"{_usd(g['cur_cost'])} on {g['days']} day(s) from {g['first_day']}"
        )
    for g in f.get("marketplace", [])[:top]:
        out.append(
            f"AWS Marketplace: {g['model']} billed {_usd(g['cur_cost'])} "
            f"({g['matched_buckets']}/{g['buckets']} buckets matched)"
        )
    for g in f.get("pricing_units", [])[:top]:
        out.append(f"pricing unit: {g['usage_type']}: {g['note']}")
    for g in f.get("unmapped", [])[:top]:
        if g["name"] is None:
            out.append(
                f"unmapped: logged usage of unresolved models in {g['buckets']:,} buckets "
                "(`bedrock-costs pricing coverage` lists the calls)"
            )
        else:
            out.append(
                f"unmapped: {g['name']}: {_usd(g['cur_cost'])} billed "
                "(add its billing name to pricing/model_names.csv)"
            )
    for g in f.get("not_usage", [])[:top]:
        out.append(
            f"not usage: {g['charge_category']} ({', '.join(g['line_item_types'])}) "
            f"{_usd(g['cur_cost'])}, kept out of usage and allocated separately"
        )
    for g in f.get("cur_missing", [])[:top]:
        out.append(
            f"cur missing: {g['account_id']} {g['region']} {g['model']}: {g['calls']:,} "
            f"logged calls ({_usd(g['estimated_cost'])} estimated) the CUR does not bill"
        )
    return out


def validate(config: ReconcileConfig) -> tuple[list[PriceRow], list[cur.BillingPeriod]]:
    """Everything checkable before Spark starts; a bad input writes nothing."""
    prices = load_prices(config.pricing_path)
    periods = cur.find_periods(config.cur_path, config.billing_period)
    if not storage.exists(storage.join(config.output_path, "invocations")):
        raise UsageError(
            "no invocations table here: run `bedrock-costs run` first", file=config.output_path
        )
    return prices, periods


def run_reconcile(
    spark: SparkSession,
    config: ReconcileConfig,
    progress: Callable[[str], None] = lambda _: None,
) -> list[ReconcileSummary]:
    prices, periods = validate(config)
    for key, value in RUN_SETTINGS.items():
        spark.conf.set(key, value)
    for period in periods:
        cur.check_files(spark, period)
    invocations = spark.read.schema(schemas.load("invocations").spark_type()).parquet(
        storage.spark_path(storage.join(config.output_path, "invocations"))
    )
    summaries = []
    for period in periods:
        progress(f"reconciling billing period {period.period} ({len(period.files)} CUR files)")
        summaries.append(_one_period(spark, config, prices, period, invocations))
    progress("registering tables")
    for table in TABLES:
        catalog.register_table(spark, config.database, config.output_path, table)
    return summaries


def _one_period(
    spark: SparkSession,
    config: ReconcileConfig,
    prices: list[PriceRow],
    period: cur.BillingPeriod,
    invocations: DataFrame,
) -> ReconcileSummary:
    started = datetime.now(UTC)
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    lines = cur.read_bedrock_lines(spark, period).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        by_principal = bool(lines.where(F.col("principal").isNotNull()).limit(1).take(1))
        in_period = invocations.where(
            F.col("usage_date").between(F.lit(period.first_day), F.lit(period.last_day))
        )
        calls = call_kinds(in_period, by_principal=by_principal)
        buckets = cur_buckets(lines, by_principal=by_principal).persist()
        staging = storage.join(config.output_path, "_staging", run_id)
        rows = {
            "reconciliation": reconcile(buckets, log_buckets(calls), period.period),
            "allocations": allocate(
                calls, buckets, by_principal=by_principal, period=period.period
            ),
        }
        for table, frame in rows.items():
            writer.stage(frame, storage.join(staging, table), PARTITION)
        staged = {
            t: spark.read.schema(schemas.load(t).spark_type()).parquet(
                storage.spark_path(storage.join(staging, t))
            )
            for t in TABLES
        }
        summary = ReconcileSummary(period.period, run_id, list(period.files), by_principal)
        _check_allocations(staged["allocations"], buckets, summary)
        _summarise(staged["reconciliation"], summary)
        _unit_findings(lines, summary)
        drifts = find_drift(billed_rates(lines), prices)
        buckets.unpersist()
    finally:
        lines.unpersist()
    summary.drift = [d.to_dict() for d in drifts]
    if drifts:
        proposal = propose_rows(drifts, prices, period.period)
        path = storage.join(config.output_path, "_reconcile", f"{period.period}-price-rows.csv")
        storage.write_text(path, to_csv(proposal.added))
        changes = describe(proposal, prices).replace("\n= 0 prices unchanged", "")
        storage.write_text(path.replace(".csv", ".txt"), changes + "\n")
        summary.proposed_prices = path
    summary.rows = {t: staged[t].count() for t in TABLES}
    for table in TABLES:
        writer.publish(
            storage.join(staging, table),
            storage.join(config.output_path, table),
            {period.period},
            PARTITION,
        )
    storage.delete_tree(staging)
    summary.save(config.output_path)
    return summary


def _check_allocations(
    allocations: DataFrame, buckets: DataFrame, summary: ReconcileSummary
) -> None:
    """Every bucket's allocations sum exactly to its bill, or nothing is published."""
    wrong = bucket_mismatches(allocations, buckets).take(3)
    totals = allocations.agg(
        F.sum("allocated_cost").alias("all"),
        F.sum(F.when(F.col("allocation") == "unattributed", F.col("allocated_cost"))).alias("un"),
    ).first()
    billed = buckets.agg(F.sum("cur_unblended_cost")).first()
    assert totals is not None and billed is not None
    allocated, bill = totals["all"] or Decimal(0), billed[0] or Decimal(0)
    if wrong or allocated != bill:
        raise AccountingError(
            f"allocations of {summary.billing_period} do not sum to the CUR: {allocated} "
            f"allocated, {bill} billed; buckets off: {[r.asDict() for r in wrong]}"
        )
    summary.allocated_total, summary.unattributed_total = allocated, totals["un"] or Decimal(0)
    summary.cur_total = bill
    summary.allocation_check = "= CUR total exactly, every bucket exact"


def _summarise(rec: DataFrame, summary: ReconcileSummary) -> None:
    usage = rec.where(F.col("charge_category") == "Usage")
    summary.cur_by_category = {
        r["charge_category"]: r["cost"]
        for r in rec.groupBy("charge_category")
        .agg(F.sum("cur_unblended_cost").alias("cost"))
        .take(10)
        if r["cost"] is not None
    }
    summary.estimated_total = (
        usage.agg(F.sum("estimated_cost")).first()[0] or Decimal(0)  # type: ignore[index]
    )
    summary.statuses = {
        r["status"]: {
            "buckets": r["buckets"],
            "cur_cost": r["cur"] or Decimal(0),
            "estimated_cost": r["est"] or Decimal(0),
        }
        for r in rec.groupBy("status")
        .agg(
            F.count("*").alias("buckets"),
            F.sum("cur_unblended_cost").alias("cur"),
            F.sum("estimated_cost").alias("est"),
        )
        .orderBy(F.desc("cur"))
        .take(10)
    }
    summary.usage_matched_share = _share(usage)
    summary.matched_share_by_account = _shares(usage, "account_id")
    summary.matched_share_by_region = _shares(usage, "region")
    summary.findings = {
        "logs_missing": _groups(
            usage.where(F.col("status") == "logs_missing"),
            ["account_id", "region", "model"],
            F.array_join(F.array_sort(F.flatten(F.collect_set("usage_types"))), " ").alias(
                "usage_types"
            ),
        ),
        "over_under": _groups(
            usage.where(F.col("status").isin("over", "under")),
            ["status", "account_id", "region", "model", "token_kind", "routing", "tier"],
            F.sum("estimated_cost").alias("estimated_cost"),
            F.min("usage_date").cast("string").alias("first_day"),
        ),
        "cur_missing": _groups(
            usage.where(F.col("status") == "cur_missing"),
            ["account_id", "region", "model"],
            F.sum("calls").alias("calls"),
            F.sum("estimated_cost").alias("estimated_cost"),
        ),
        "unmapped": _groups(
            usage.where(F.col("status") == "unmapped").withColumn(
                "name", F.coalesce("unmapped_usage_type", "model")
            ),
            ["name"],
            F.count("*").alias("buckets"),
        ),
        "marketplace": _groups(
            usage.where(F.col("marketplace")),
            ["model"],
            F.count("*").alias("buckets"),
            F.sum((F.col("status") == "matched").cast("int")).alias("matched_buckets"),
        ),
        "not_usage": _groups(
            rec.where(F.col("charge_category") != "Usage"),
            ["charge_category"],
            F.array_sort(F.flatten(F.collect_set("line_item_types"))).alias("line_item_types"),
        ),
    }


def _groups(frame: DataFrame, by: list[str], *extra: Column) -> list[dict]:
    rows = (
        frame.groupBy(*by)
        .agg(
            F.sum("cur_unblended_cost").alias("cur_cost"),
            F.countDistinct("usage_date").alias("days"),
            *extra,
        )
        .orderBy(F.desc_nulls_last(F.abs(F.col("cur_cost"))))
        .take(MAX_FINDINGS)
    )
    return [r.asDict() for r in rows]


def _share(usage: DataFrame) -> Decimal | None:
    shares = _shares(usage, None)
    return shares.get("", None)


def _shares(usage: DataFrame, by: str | None) -> dict[str, Decimal | None]:
    """Matched billed usage dollars / billed usage dollars, per value of `by` (or overall)."""
    key = F.col(by) if by else F.lit("")
    rows = (
        usage.groupBy(key.alias("k"))
        .agg(
            F.sum(F.when(F.col("status") == "matched", F.col("cur_unblended_cost"))).alias("m"),
            F.sum("cur_unblended_cost").alias("b"),
        )
        .orderBy("k")
        .take(1000)
    )
    return {r["k"]: (r["m"] or Decimal(0)) / r["b"] if r["b"] else None for r in rows}


def _unit_findings(lines: DataFrame, summary: ReconcileSummary) -> None:
    """Usage types billed in more than one pricing unit, or in a unit we had to assume."""
    per_unit = (
        lines.where(F.col("token_kind").isNotNull() & (F.col("charge_category") == "Usage"))
        .groupBy("usage_type", "pricing_unit", "unit_basis")
        .agg(F.min("usage_date").alias("first"), F.max("usage_date").alias("last"))
    )
    grouped = (
        per_unit.groupBy("usage_type")
        .agg(
            F.array_sort(
                F.collect_list(F.struct("first", "last", "pricing_unit", "unit_basis"))
            ).alias("units")
        )
        .where((F.size("units") > 1) | F.exists("units", lambda u: u["unit_basis"] != "stated"))
        .orderBy("usage_type")
        .take(MAX_FINDINGS)
    )
    basis = {"assumed": " (no unit stated: read as millions of tokens)", "described": ""}
    found = []
    for r in grouped:
        parts = [
            f"{u['pricing_unit']!r} {u['first']}..{u['last']}" + basis.get(u["unit_basis"], "")
            for u in r["units"]
        ]
        note = ("changes unit: " if len(r["units"]) > 1 else "") + "; ".join(parts)
        found.append({"usage_type": r["usage_type"], "note": note, "units": len(r["units"])})
    summary.findings["pricing_units"] = found
