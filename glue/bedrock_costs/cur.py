"""Reading CUR 2.0 exports: which files make a billing period, and its Bedrock line items.

An export is `<export>/data/BILLING_PERIOD=YYYY-MM/*.parquet`, with a manifest under
`<export>/metadata/BILLING_PERIOD=YYYY-MM/` that AWS writes after the data files. The manifest's
file list is used when there is one; without it, the partition's own Parquet files are read, and
in "create new" mode (one sub-folder per refresh) only the newest sub-folder's.

Money arrives as DOUBLE, which is what AWS writes. Each amount is converted once, at read, to
DECIMAL(38,10) through the shortest decimal text of the double (0.1 becomes 0.1, not
0.1000000000000000055…), half-up; everything after that is exact decimal arithmetic.
"""

from __future__ import annotations

import json
import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from bedrock_costs import schemas, storage
from bedrock_costs.errors import UsageError
from bedrock_costs.model_names import fold, model_names
from bedrock_costs.usage_types import parse_usage_type, unit_multiplier

PRODUCT_CODES = ("AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels")
MARKETPLACE_ENTITY = "AWS Marketplace"
MARKETPLACE_EDITION = "(Amazon Bedrock Edition)"
MONEY_TYPE = "decimal(38,10)"
USAGE_TYPE = "decimal(38,6)"
RATE_TYPE = "decimal(38,12)"
REQUIRED_COLUMNS = (
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_account_id",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_usage_amount",
    "line_item_unblended_cost",
)
# line_item_line_item_type -> FOCUS ChargeCategory; anything else is an Adjustment
CHARGE_CATEGORIES = {
    "Usage": "Usage",
    "DiscountedUsage": "Usage",
    "SavingsPlanCoveredUsage": "Usage",
    "Credit": "Credit",
    "Refund": "Credit",
    "BundledDiscount": "Credit",
    "EdpDiscount": "Credit",
    "PrivateRateDiscount": "Credit",
    "Discount": "Credit",
    "SavingsPlanNegation": "Credit",
    "Tax": "Tax",
    "Fee": "Purchase",
    "RIFee": "Purchase",
    "SavingsPlanRecurringFee": "Purchase",
    "SavingsPlanUpfrontFee": "Purchase",
}
MAX_USAGE_TYPES = 100_000
_PERIOD = re.compile(r"BILLING_PERIOD=(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class BillingPeriod:
    period: str  # YYYY-MM
    files: tuple[str, ...]
    manifest: str | None = None

    @property
    def first_day(self) -> date:
        year, month = map(int, self.period.split("-"))
        return date(year, month, 1)

    @property
    def last_day(self) -> date:
        first = self.first_day
        return first.replace(day=monthrange(first.year, first.month)[1])


def find_periods(cur_path: str, only: str | None = None) -> list[BillingPeriod]:
    """The billing periods under an export root, its data/ folder or one period folder."""
    if only is not None:
        check_period(only)
    if not storage.exists(cur_path):
        raise UsageError("the CUR path does not exist", file=cur_path)
    root, folders = _period_folders(cur_path.rstrip("/"))
    periods = []
    for folder in folders:
        m = _PERIOD.search(folder)
        assert m is not None
        period = f"{m[1]}-{m[2]}"
        if only in (None, period):
            periods.append(_period_files(root, folder, period))
    if not periods:
        wanted = f"billing period {only}" if only else "BILLING_PERIOD=YYYY-MM folders"
        raise UsageError(f"no {wanted} in this CUR 2.0 export", file=cur_path)
    return periods


def check_period(text: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise UsageError(f"--billing-period expects YYYY-MM, got {text!r}")
    return text


def _period_folders(path: str) -> tuple[str | None, list[str]]:
    name = path.rsplit("/", 1)[-1]
    if _PERIOD.search(name):
        data = path.rsplit("/", 1)[0]
        return _root_of(data), [path]
    data = storage.join(path, "data")
    if storage.exists(data):
        return path, [d for d in storage.list_dir(data)[0] if _PERIOD.search(d)]
    return _root_of(path), [d for d in storage.list_dir(path)[0] if _PERIOD.search(d)]


def _root_of(data: str) -> str | None:
    head, _, name = data.rpartition("/")
    return head if name == "data" and head else None


def _period_files(root: str | None, folder: str, period: str) -> BillingPeriod:
    manifest = _manifest(root, period)
    if manifest is not None:
        return BillingPeriod(period, _manifest_files(manifest, folder), manifest)
    dirs, files = storage.list_dir(folder)
    parquet = [f for f in files if f.endswith(".parquet")]
    if not parquet:
        # "create new" delivery: one sub-folder per refresh; the newest is the current version
        for sub in reversed(dirs):
            parquet = [f for f in storage.list_dir(sub)[1] if f.endswith(".parquet")]
            if parquet:
                break
    if not parquet:
        if any(f.endswith((".csv.gz", ".csv")) for f in files):
            raise UsageError(
                "gzip CSV exports are not read: export CUR 2.0 as Parquet", file=folder
            )
        raise UsageError("no Parquet files for this billing period", file=folder)
    return BillingPeriod(period, tuple(parquet))


def _manifest(root: str | None, period: str) -> str | None:
    if root is None:
        return None
    folder = storage.join(root, "metadata", f"BILLING_PERIOD={period}")
    if not storage.exists(folder):
        return None
    found = [f for f in storage.list_dir(folder)[1] if f.lower().endswith("manifest.json")]
    return found[-1] if found else None


def _manifest_files(manifest: str, folder: str) -> tuple[str, ...]:
    """The manifest's dataFiles, found under this copy of the export (it names s3:// keys)."""
    try:
        listed = json.loads(storage.read_text(manifest)).get("dataFiles")
    except (ValueError, AttributeError) as exc:
        raise UsageError(f"not a Data Exports manifest ({exc})", file=manifest) from exc
    if not isinstance(listed, list) or not all(isinstance(f, str) for f in listed):
        raise UsageError("no dataFiles list", file=manifest, column="dataFiles")
    files = []
    marker = f"BILLING_PERIOD={folder.rsplit('=', 1)[-1]}/"
    for name in listed:
        if marker in name:  # the same key under this copy of the export
            local = storage.join(folder, name.split(marker, 1)[1])
        elif storage.is_s3(name) and not storage.is_s3(folder):
            local = storage.join(folder, name.rsplit("/", 1)[-1])
        else:
            local = name
        if not storage.exists(local):
            raise UsageError(f"lists {name}, which is not in the export", file=manifest)
        files.append(local)
    return tuple(files)


def check_files(spark: SparkSession, period: BillingPeriod) -> None:
    """Every data file has the needed columns with the types AWS writes (footers only)."""
    wanted = {c.name: schemas.parse_type(c.type) for c in schemas.load("cur2").columns}
    for path in period.files:
        try:
            found = {
                f.name: f.dataType for f in spark.read.parquet(storage.spark_path(path)).schema
            }
        except Exception as exc:  # Spark's AnalysisException: not Parquet, unreadable
            raise UsageError(
                f"not a readable Parquet file ({exc.__class__.__name__})", file=path
            ) from exc
        for column in REQUIRED_COLUMNS:
            if column not in found:
                raise UsageError("a CUR 2.0 column is missing", file=path, column=column)
        for column, kind in wanted.items():
            if column in found and found[column] != kind:
                raise UsageError(
                    f"is {found[column].simpleString()}, CUR 2.0 writes {kind.simpleString()}",
                    file=path,
                    column=column,
                )


def read_bedrock_lines(spark: SparkSession, period: BillingPeriod) -> DataFrame:
    """The period's Bedrock line items, usage types decoded and amounts in exact decimals."""
    raw = spark.read.schema(schemas.load("cur2").spark_type()).parquet(
        *[storage.spark_path(f) for f in period.files]
    )
    product_name = F.col("product").getItem("product_name")
    is_bedrock = F.col("line_item_product_code").isin(*PRODUCT_CODES) | F.col(
        "product_servicecode"
    ).isin(*PRODUCT_CODES)
    is_marketplace_model = (F.col("bill_billing_entity") == MARKETPLACE_ENTITY) & F.coalesce(
        product_name.contains(MARKETPLACE_EDITION), F.lit(False)
    )
    lines = raw.where(is_bedrock | is_marketplace_model).select(
        F.lit(period.period).alias("billing_period"),
        F.to_date("line_item_usage_start_date").alias("usage_date"),
        F.col("bill_payer_account_id").alias("payer_account_id"),
        F.col("line_item_usage_account_id").alias("account_id"),
        F.col("bill_billing_entity").alias("billing_entity"),
        F.col("line_item_product_code").alias("product_code"),
        F.coalesce(F.col("line_item_usage_type"), F.lit("")).alias("usage_type"),
        product_name.alias("product_name"),
        F.col("line_item_line_item_type").alias("line_item_type"),
        _charge_category(F.col("line_item_line_item_type")).alias("charge_category"),
        F.col("line_item_iam_principal").alias("principal"),
        F.col("pricing_unit"),
        F.col("line_item_line_item_description").alias("description"),
        F.col("product_region_code"),
        F.col("line_item_usage_amount").cast(MONEY_TYPE).alias("amount"),
        F.col("line_item_unblended_cost").cast(MONEY_TYPE).alias("unblended_cost"),
        F.col("line_item_net_unblended_cost").cast(MONEY_TYPE).alias("net_unblended_cost"),
        F.col("line_item_unblended_rate").cast(RATE_TYPE).alias("unblended_rate"),
        F.coalesce(F.col("line_item_currency_code"), F.lit("USD")).alias("currency"),
    )
    decoded = _join_usage_types(lines, usage_type_table(spark, lines))
    usage = (F.col("amount") * F.col("unit_multiplier")).cast(USAGE_TYPE)
    marketplace = F.coalesce(F.col("billing_entity") == MARKETPLACE_ENTITY, F.lit(False)) | F.col(
        "marketplace_form"
    )
    dropped = ("product_region_code", "description", "usage_type_region", "marketplace_form")
    return decoded.select(
        *[c for c in decoded.columns if c not in dropped],
        F.coalesce(F.col("product_region_code"), F.col("usage_type_region")).alias("region"),
        usage.alias("usage"),
        marketplace.alias("marketplace"),
    )


def _charge_category(line_item_type: Column) -> Column:
    mapping = F.create_map(*[F.lit(x) for pair in CHARGE_CATEGORIES.items() for x in pair])
    return F.coalesce(mapping[line_item_type], F.lit("Adjustment"))


_DECODE_KEYS = ("usage_type", "product_name", "pricing_unit", "description")


def usage_type_table(spark: SparkSession, lines: DataFrame) -> DataFrame:
    """The distinct usage types of a period decoded by the one grammar in usage_types.py.

    A small dimension (hundreds of distinct usage types a month), so it is decoded on the driver
    and broadcast; the line items themselves never leave the executors.
    """
    distinct = lines.select(*_DECODE_KEYS).distinct().take(MAX_USAGE_TYPES + 1)
    if len(distinct) > MAX_USAGE_TYPES:
        raise UsageError(f"more than {MAX_USAGE_TYPES:,} distinct Bedrock usage types in a period")
    names = model_names()
    rows = []
    for usage_type, product_name, pricing_unit, description in distinct:
        parsed = parse_usage_type(usage_type or "", description or "")
        kind = parsed.kind or parsed.unit_kind
        edition = product_name if product_name and MARKETPLACE_EDITION in product_name else None
        name = parsed.billing_name or edition
        model = names.get(fold(name)) if name else None
        multiplier, basis = unit_multiplier(pricing_unit, description, parsed.kind is not None)
        rows.append(
            (
                usage_type,
                product_name,
                pricing_unit,
                description,
                parsed.region,
                name,
                model,
                kind,
                "global" if parsed.routing == "global" else "regional",
                parsed.tier,
                parsed.marketplace,
                multiplier,
                basis,
            )
        )
    schema = T.StructType(
        [
            *[T.StructField(k, T.StringType()) for k in _DECODE_KEYS],
            T.StructField("usage_type_region", T.StringType()),
            T.StructField("billing_name", T.StringType()),
            T.StructField("model", T.StringType()),
            T.StructField("token_kind", T.StringType()),
            T.StructField("routing", T.StringType()),
            T.StructField("tier", T.StringType()),
            T.StructField("marketplace_form", T.BooleanType()),
            T.StructField("unit_multiplier", T.DecimalType(7, 0)),
            T.StructField("unit_basis", T.StringType()),
        ]
    )
    return spark.createDataFrame(rows, schema)


def _join_usage_types(lines: DataFrame, table: DataFrame) -> DataFrame:
    renamed = table.select(*[F.col(c).alias(f"_d_{c}") for c in table.columns])
    condition = None
    for key in _DECODE_KEYS:
        clause = F.col(key).eqNullSafe(F.col(f"_d_{key}"))
        condition = clause if condition is None else condition & clause
    joined = lines.join(F.broadcast(renamed), on=condition, how="left")
    return joined.select(
        *lines.columns,
        *[F.col(f"_d_{c}").alias(c) for c in table.columns if c not in _DECODE_KEYS],
    )
