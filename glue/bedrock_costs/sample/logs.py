"""Writing synthetic Bedrock invocation logs in the real S3 key layout, deterministic for a seed."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bedrock_costs.invocations.log_files import PERMISSION_MARKER
from bedrock_costs.sample.routes import ACCOUNTS, profile_rows, routes
from bedrock_costs.sample.traffic import Billed, Draws, build_record

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from bedrock_costs.sample.cur import BillBook

DEFAULT_END_DATE = date(2026, 10, 31)


class SampleWriter(Draws):
    """Builds records and writes them grouped into hourly objects."""

    def __init__(self, root: Path, seed: int, end: date, days: int, body_scale: int = 1) -> None:
        super().__init__(seed, body_scale)
        self.root, self.end, self.days = root, end, days
        self.objects: dict[tuple[str, str, datetime], list[str]] = defaultdict(list)
        self.sequence = 0
        self.book: BillBook | None = None  # set when a CUR is wanted: what AWS would bill

    def bill(self, account: str, record: dict, billed: Billed) -> None:
        if self.book is not None:
            day = datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00")).date()
            model = record["modelId"]
            resource = model if ":application-inference-profile/" in model else ""
            self.book.add(
                account, record["region"], day, record["identity"]["arn"], billed, resource
            )

    def event_time(self) -> datetime:
        day = self.end - timedelta(days=self.rng.randrange(self.days))
        hour = min(23, max(0, int(self.rng.gauss(14, 4))))
        return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + timedelta(
            seconds=self.rng.randrange(3600)
        )

    def add(self, account: str, region: str, delivered: datetime, line: str) -> None:
        self.objects[(account, region, delivered.replace(minute=0, second=0))].append(line)

    def flush(self) -> int:
        files = 0
        for (account, region, hour), lines in sorted(self.objects.items()):
            folder = (
                self.root
                / "AWSLogs"
                / account
                / "BedrockModelInvocationLogs"
                / region
                / f"{hour:%Y/%m/%d/%H}"
            )
            folder.mkdir(parents=True, exist_ok=True)
            for start in range(0, len(lines), 500):
                minute, suffix = self.rng.randrange(60), self.rng.getrandbits(64)
                name = f"{hour:%Y%m%dT%H}{minute:02d}00000Z_{suffix:016x}"
                with gzip.open(
                    folder / f"{name}.json.gz", "wt", encoding="utf-8", compresslevel=5
                ) as fh:
                    fh.write("\n".join(lines[start : start + 500]) + "\n")
                files += 1
        return files


def write_sample(
    output: str,
    *,
    records: int,
    days: int,
    seed: int,
    end: date | None = None,
    cur: tuple[SparkSession, str] | None = None,
    body_scale: int = 1,
) -> dict[str, int]:
    """Write `records` calls (plus planted duplicates and bad lines); return what was written.

    With `cur` (a session to write Parquet with, and a folder), also a CUR 2.0 export billing
    those calls; keep it out of the logs folder, which `run` reads whole.
    """
    root = Path(output)
    writer = SampleWriter(root, seed, end or DEFAULT_END_DATE, max(1, days), body_scale)
    if cur is not None:
        from bedrock_costs.sample.cur import BillBook

        writer.book = BillBook()
    counts = {"records": 0, "duplicates": 0, "malformed": 0, "late": 0}
    chosen_routes = {a: routes(a) for a in ACCOUNTS}
    for _ in range(records):
        account = writer.rng.choices(ACCOUNTS, weights=(6, 3, 1))[0]
        options = chosen_routes[account]
        route = writer.rng.choices(options, weights=[r.weight for r in options])[0]
        when = writer.event_time()
        record, billed = build_record(writer, account, route, when)
        writer.bill(account, record, billed)
        line = json.dumps(record, separators=(",", ":"))
        delivered = when + timedelta(minutes=writer.rng.randrange(1, 4))
        counts["late"] += delivered.date() != when.date()
        writer.add(account, record["region"], delivered, line)
        counts["records"] += 1
        if writer.rng.random() < 0.004:  # delivered twice, in another object of a later hour
            writer.add(account, record["region"], delivered + timedelta(hours=1), line)
            counts["duplicates"] += 1
        if writer.rng.random() < 0.002:
            writer.add(account, record["region"], delivered, line[: len(line) // 2])
            counts["malformed"] += 1
    counts["late"] += _plant_midnight_records(writer)
    counts["records"] += 2
    counts["files"] = writer.flush()
    _write_side_objects(root, writer)
    _write_profiles(root)
    if cur is not None and writer.book is not None:
        from bedrock_costs.sample.cur import write_cur

        first = writer.end - timedelta(days=writer.days - 1)
        counts |= write_cur(cur[0], Path(cur[1]), writer.book, first, writer.end)
    return counts


def _plant_midnight_records(writer: SampleWriter) -> int:
    """Two calls just before midnight UTC whose objects land in the next day's 00 hour folder."""
    for account, minute in ((ACCOUNTS[0], 59), (ACCOUNTS[1], 58)):
        day = writer.end - timedelta(days=1)
        when = datetime(day.year, day.month, day.day, 23, minute, 30, tzinfo=UTC)
        route = routes(account)[0]
        record, billed = build_record(writer, account, route, when)
        writer.bill(account, record, billed)
        writer.add(account, record["region"], when + timedelta(minutes=3), json.dumps(record))
    return 2


def _write_side_objects(root: Path, writer: SampleWriter) -> None:
    """A large-body side object under …/HH/data/ and the permission-check marker: not records."""
    account, region, hour = sorted(writer.objects)[0]
    base = root / "AWSLogs" / account / "BedrockModelInvocationLogs"
    data = base / region / f"{hour:%Y/%m/%d/%H}" / "data"
    data.mkdir(parents=True, exist_ok=True)
    with gzip.open(data / f"{writer.request_id()}_input.json.gz", "wt", encoding="utf-8") as fh:
        fh.write(
            json.dumps(
                {"messages": [{"role": "user", "content": [{"text": writer.text(2000, 3000)}]}]}
            )
        )
    (base / PERMISSION_MARKER).write_text("")


def _write_profiles(root: Path) -> None:
    lines = ["profile_arn,model_id", *[f"{arn},{model}" for arn, model in profile_rows()]]
    (root / "profiles.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
