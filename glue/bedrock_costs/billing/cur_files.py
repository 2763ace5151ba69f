"""CUR 2.0 exports on disk: which files make a billing period, and their footers checked.

An export is `<export>/data/BILLING_PERIOD=YYYY-MM/*.parquet`, with a manifest under
`<export>/metadata/BILLING_PERIOD=YYYY-MM/` that AWS writes after the data files. The manifest's
file list is used when there is one; without it, the partition's own Parquet files are read, and
in "create new" mode (one sub-folder per refresh) only the newest sub-folder's.
"""

from __future__ import annotations

import json
import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import DataType, TimestampNTZType, TimestampType

from bedrock_costs.config import check_period
from bedrock_costs.contract import schemas
from bedrock_costs.contract.errors import UsageError
from bedrock_costs.contract.spark_types import parse_type
from bedrock_costs.io import storage

REQUIRED_COLUMNS = (
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_account_id",
    "line_item_product_code",
    "line_item_usage_type",
    "line_item_usage_amount",
    "line_item_unblended_cost",
)
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
        if m is None:  # _period_folders keeps only folders that match
            continue
        period = f"{m[1]}-{m[2]}"
        if only in (None, period):
            periods.append(_period_files(root, folder, period))
    if not periods:
        wanted = f"billing period {only}" if only else "BILLING_PERIOD=YYYY-MM folders"
        raise UsageError(f"no {wanted} in this CUR 2.0 export", file=cur_path)
    return periods


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
        # "create new" delivery: one sub-folder per execution, named by its id (not by time):
        # the current version is the one written last
        parquet = _newest_delivery(dirs)
    if not parquet:
        if any(f.endswith((".csv.gz", ".csv")) for f in files):
            raise UsageError(
                "gzip CSV exports are not read: export CUR 2.0 as Parquet", file=folder
            )
        raise UsageError("no Parquet files for this billing period", file=folder)
    return BillingPeriod(period, tuple(parquet))


def _newest_delivery(folders: list[str]) -> list[str]:
    """The Parquet files of the delivery written last (its newest file the newest of all)."""
    deliveries = []
    for sub in folders:
        times = {f: t for f, t in storage.file_times(sub).items() if f.endswith(".parquet")}
        if times:
            deliveries.append((max(times.values()), sub, sorted(times)))
    return max(deliveries)[2] if deliveries else []


def _manifest(root: str | None, period: str) -> str | None:
    """The period's manifest written last: one per execution, beside each other or each in
    its execution's sub-folder ("create new" delivery), whatever their names."""
    if root is None:
        return None
    folder = storage.join(root, "metadata", f"BILLING_PERIOD={period}")
    if not storage.exists(folder):
        return None
    found: dict[str, float] = {}
    for place in [folder, *storage.list_dir(folder)[0]]:
        times = storage.file_times(place)
        found.update({f: t for f, t in times.items() if f.lower().endswith("manifest.json")})
    return max(found, key=lambda f: (found[f], f)) if found else None


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
    wanted = {c.name: parse_type(c.type) for c in schemas.load("cur2").columns}
    for path in period.files:
        try:
            found = {
                f.name: f.dataType for f in spark.read.parquet(storage.spark_file(path)).schema
            }
        except Exception as exc:  # Spark's AnalysisException: not Parquet, unreadable
            raise UsageError(
                f"not a readable Parquet file ({exc.__class__.__name__})", file=path
            ) from exc
        for column in REQUIRED_COLUMNS:
            if column not in found:
                raise UsageError("a CUR 2.0 column is missing", file=path, column=column)
        for column, kind in wanted.items():
            if column in found and found[column] != kind and not _utc_alike(found[column], kind):
                raise UsageError(
                    f"is {found[column].simpleString()}, CUR 2.0 writes {kind.simpleString()}",
                    file=path,
                    column=column,
                )


def _utc_alike(found: DataType, wanted: DataType) -> bool:
    """A timestamp written without a time zone (Parquet `isAdjustedToUTC=false`, Spark's
    TIMESTAMP_NTZ) where CUR 2.0 writes an instant: read as UTC (the session's time zone), the
    time AWS bills in. Some exports and copies of them are written so."""
    return isinstance(wanted, TimestampType) and isinstance(found, TimestampNTZType)


def read_line_items(spark: SparkSession, period: BillingPeriod) -> DataFrame:
    """The period's line items, read with the CUR 2.0 schema (missing optional columns: null)."""
    return spark.read.schema(schemas.load("cur2").spark_type()).parquet(
        *[storage.spark_file(f) for f in period.files]
    )
