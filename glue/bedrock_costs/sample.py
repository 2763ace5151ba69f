"""Synthetic Bedrock invocation logs in the real S3 key layout, deterministic for a seed."""

from __future__ import annotations

import gzip
import json
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bedrock_costs.logfiles import PERMISSION_MARKER

DEFAULT_END_DATE = date(2026, 10, 31)
ACCOUNTS = ("111122223333", "444455556666", "777788889999")
_WORDS = (
    "order invoice refund shipment policy customer account billing summary translate review "
    "contract clause risk onboarding ticket escalation incident latency region forecast margin "
    "pipeline query schema partition warehouse tenant quota budget"
).split()


@dataclass(frozen=True)
class Route:
    """One kind of traffic: a modelId form, where it is called from, and how."""

    model_id: str
    regions: tuple[str, ...]
    operations: tuple[str, ...]
    weight: float
    cache: bool = False
    embedding: bool = False


def routes(account: str) -> list[Route]:
    sonnet, haiku = (
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
    )
    chat, stream = ("Converse", "ConverseStream"), ("InvokeModel", "InvokeModelWithResponseStream")
    return [
        Route(f"global.{sonnet}", ("us-east-1", "us-west-2"), chat, 18, cache=True),
        Route(f"us.{haiku}", ("us-east-1", "us-west-2"), chat + stream, 16, cache=True),
        Route(f"eu.{haiku}", ("eu-central-1",), chat, 8, cache=True),
        Route(f"us.{sonnet}", ("us-east-2",), chat, 5, cache=True),
        Route("anthropic.claude-3-5-haiku-20241022-v1:0", ("us-west-2",), stream, 6),
        Route("us.amazon.nova-micro-v1:0", ("us-east-1",), chat, 10),
        Route("amazon.nova-lite-v1:0", ("us-east-1",), chat, 7),
        Route("amazon.nova-pro-v1:0", ("us-east-1",), chat, 4, cache=True),
        Route("meta.llama3-3-70b-instruct-v1:0", ("us-east-1",), ("InvokeModel",), 3),
        Route(
            "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0",
            ("us-east-1",),
            ("InvokeModel",),
            8,
            embedding=True,
        ),
        Route(
            f"arn:aws:bedrock:us-west-2:{account}:inference-profile/global.anthropic.claude-opus-4-5-20251101-v1:0",
            ("us-west-2",),
            chat,
            3,
            cache=True,
        ),
        Route(_app_profile(account, "us-east-1", 0), ("us-east-1",), chat, 6, cache=True),
        Route(_app_profile(account, "us-west-2", 1), ("us-west-2",), chat, 4),
        Route(
            f"arn:aws:bedrock:us-east-1:{account}:provisioned-model/pt{account[:4]}abcdef",
            ("us-east-1",),
            ("InvokeModel",),
            0.5,
        ),
    ]


def _app_profile(account: str, region: str, n: int) -> str:
    return (
        f"arn:aws:bedrock:{region}:{account}:application-inference-profile/{account[-6:]}app{n:03d}"
    )


def profile_rows() -> list[tuple[str, str]]:
    """What each sample application profile was created from (the profiles CSV)."""
    rows = []
    for account in ACCOUNTS:
        rows.append(
            (_app_profile(account, "us-east-1", 0), "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
        )
        rows.append(
            (
                _app_profile(account, "us-west-2", 1),
                "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0",
            )
        )
    return rows


# (raw key, share of calls carrying it, value pool): common, rare, spaced and mixed-case keys;
# "Cost Center" and "cost-center" are the same tag (tag_cost_center).
TAG_KEYS = (
    (
        "tenant",
        0.92,
        ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell"),
    ),
    ("app", 0.85, ("support-bot", "search", "summariser", "code-review", "kb-ingest")),
    ("env", 0.75, ("prod", "prod", "prod", "staging", "dev")),
    ("Cost Center", 0.35, ("CC-1001", "CC-1002", "CC-2040", "CC-3300")),
    ("cost-center", 0.04, ("CC-1001", "CC-9999")),
    ("TeamName", 0.25, ("Payments", "Platform", "Growth", "Data")),
    ("feature flag", 0.03, ("beta-summaries", "new-router")),
    ("ticketId", 0.01, tuple(f"T-{n}" for n in range(100, 140))),
)


class SampleWriter:
    """Builds records and writes them grouped into hourly objects."""

    def __init__(self, root: Path, seed: int, end: date, days: int) -> None:
        self.root, self.rng, self.end, self.days = root, random.Random(seed), end, days
        self.objects: dict[tuple[str, str, datetime], list[str]] = defaultdict(list)
        self.sequence = 0

    def request_id(self) -> str:
        rng = self.rng
        return (
            f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-"
            f"{0x8000 | rng.getrandbits(14):04x}-{rng.getrandbits(48):012x}"
        )

    def event_time(self) -> datetime:
        day = self.end - timedelta(days=self.rng.randrange(self.days))
        hour = min(23, max(0, int(self.rng.gauss(14, 4))))
        return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + timedelta(
            seconds=self.rng.randrange(3600)
        )

    def text(self, low: int, high: int) -> str:
        return " ".join(self.rng.choice(_WORDS) for _ in range(self.rng.randint(low, high)))

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
    output: str, *, records: int, days: int, seed: int, end: date | None = None
) -> dict[str, int]:
    """Write `records` calls (plus planted duplicates and bad lines); return what was written."""
    root = Path(output)
    writer = SampleWriter(root, seed, end or DEFAULT_END_DATE, max(1, days))
    counts = {"records": 0, "duplicates": 0, "malformed": 0, "late": 0}
    chosen_routes = {a: routes(a) for a in ACCOUNTS}
    for _ in range(records):
        account = writer.rng.choices(ACCOUNTS, weights=(6, 3, 1))[0]
        options = chosen_routes[account]
        route = writer.rng.choices(options, weights=[r.weight for r in options])[0]
        when = writer.event_time()
        record = build_record(writer, account, route, when)
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
    return counts


def _plant_midnight_records(writer: SampleWriter) -> int:
    """Two calls just before midnight UTC whose objects land in the next day's 00 hour folder."""
    for account, minute in ((ACCOUNTS[0], 59), (ACCOUNTS[1], 58)):
        day = writer.end - timedelta(days=1)
        when = datetime(day.year, day.month, day.day, 23, minute, 30, tzinfo=UTC)
        route = routes(account)[0]
        record = build_record(writer, account, route, when)
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


def build_record(writer: SampleWriter, account: str, route: Route, when: datetime) -> dict:
    rng = writer.rng
    region = rng.choice(route.regions)
    operation = rng.choice(route.operations)
    failed = rng.random() < 0.02
    prompt = writer.text(30, 250)
    tokens = _tokens(rng, route, prompt, failed)
    record: dict = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": account,
        "identity": {"arn": _identity(rng, account)},
        "region": region,
        "requestId": writer.request_id(),
        "operation": operation,
        "modelId": route.model_id,
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": _input_body(route, operation, prompt),
            "inputTokenCount": tokens["input"],
            "cacheReadInputTokenCount": tokens["cache_read"],
            "cacheWriteInputTokenCount": tokens["cache_write"],
        },
    }
    if failed:
        record["errorCode"] = rng.choice(
            ("ThrottlingException", "ValidationException", "ModelTimeoutException")
        )
    elif not route.embedding:
        record["output"] = {
            "outputContentType": "application/json",
            "outputBodyJson": _output_body(rng, operation, writer.text(10, 120), tokens),
            "outputTokenCount": tokens["output"],
        }
    else:
        record["output"] = {
            "outputContentType": "application/json",
            "outputBodyJson": {
                "embedding": [round(rng.uniform(-1, 1), 4) for _ in range(8)],
                "inputTextTokenCount": tokens["input"],
            },
        }
    if rng.random() < 0.3:
        record["inferenceRegion"] = {
            "us-east-1": "us-east-2",
            "us-west-2": "us-east-1",
            "us-east-2": "us-west-2",
            "eu-central-1": "eu-west-3",
        }[region]
    metadata = {key: rng.choice(values) for key, share, values in TAG_KEYS if rng.random() < share}
    if metadata and (operation.startswith("Converse") or rng.random() < 0.5):
        record["requestMetadata"] = metadata
    return record


def _tokens(rng: random.Random, route: Route, prompt: str, failed: bool) -> dict[str, int]:
    if failed:
        return {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
    uses_cache = route.cache and rng.random() < 0.45
    reading = uses_cache and rng.random() < 0.8
    return {
        "input": max(1, len(prompt) // 4 + rng.randrange(0, 400)),
        "output": 0 if route.embedding else rng.randrange(20, 1500),
        "cache_read": rng.randrange(2_000, 60_000) if reading else 0,
        "cache_write": rng.randrange(1_000, 20_000) if uses_cache and not reading else 0,
    }


def _identity(rng: random.Random, account: str) -> str:
    kind = rng.random()
    if kind < 0.7:
        role = rng.choice(("SupportBotRole", "SearchServiceRole", "DataPipelineRole"))
        session = rng.choice(("svc-prod", "svc-batch", "alice@example.com"))
        return f"arn:aws:sts::{account}:assumed-role/{role}/{session}"
    if kind < 0.95:
        user = rng.choice(("BedrockAPIKey-7h2k", "teams/ml/bob", "carol"))
        return f"arn:aws:iam::{account}:user/{user}"
    return f"arn:aws:sts::{account}:federated-user/dave"


def _input_body(route: Route, operation: str, prompt: str) -> dict:
    if route.embedding:
        return {"inputText": prompt, "dimensions": 512, "normalize": True}
    if operation.startswith("Converse"):
        return {
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"maxTokens": 1024, "temperature": 0.2},
        }
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": prompt}],
    }


def _output_body(rng: random.Random, operation: str, answer: str, tokens: dict[str, int]) -> object:
    latency = rng.randrange(300, 9000)
    if operation.startswith("Converse"):
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": answer}]}},
            "stopReason": "end_turn",
            "metrics": {"latencyMs": latency},
            "usage": {
                "inputTokens": tokens["input"],
                "outputTokens": tokens["output"],
                "cacheReadInputTokens": tokens["cache_read"],
                "cacheWriteInputTokens": tokens["cache_write"],
                "totalTokens": sum(tokens.values()),
            },
        }
    usage = {
        "input_tokens": tokens["input"],
        "output_tokens": tokens["output"],
        "cache_read_input_tokens": tokens["cache_read"],
        "cache_creation_input_tokens": tokens["cache_write"],
    }
    if operation == "InvokeModel":
        return {
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": answer}],
            "stop_reason": "end_turn",
            "usage": usage,
        }
    return [
        {"type": "message_start", "message": {"usage": usage}},
        {"type": "content_block_delta", "delta": {"type": "text_delta", "text": answer}},
        {
            "type": "message_stop",
            "amazon-bedrock-invocationMetrics": {
                "inputTokenCount": tokens["input"],
                "outputTokenCount": tokens["output"],
                "invocationLatency": latency,
                "firstByteLatency": latency // 4,
            },
        },
        "[DONE]",
    ]
