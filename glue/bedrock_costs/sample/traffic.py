"""What synthetic Bedrock traffic looks like: routes, tags, callers, bodies, token counts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from bedrock_costs.sample.routes import Route

_WORDS = (
    "order invoice refund shipment policy customer account billing summary translate review "
    "contract clause risk onboarding ticket escalation incident latency region forecast margin "
    "pipeline query schema partition warehouse tenant quota budget"
).split()


class Draws:
    """The seeded source of every random choice, so a seed always gives the same bytes."""

    def __init__(self, seed: int, body_scale: int = 1) -> None:
        self.rng = random.Random(seed)
        self.body_scale = body_scale  # bench/: prompts and answers this many times longer

    def request_id(self) -> str:
        rng = self.rng
        return (
            f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-"
            f"{0x8000 | rng.getrandbits(14):04x}-{rng.getrandbits(48):012x}"
        )

    def text(self, low: int, high: int) -> str:
        count = self.rng.randint(low * self.body_scale, high * self.body_scale)
        return " ".join(self.rng.choice(_WORDS) for _ in range(count))


@dataclass(frozen=True)
class Billed:
    """What one sample call is billed for: the ground truth the synthetic CUR is built from."""

    model: str | None
    routing: str
    tokens: dict[str, int]  # input, output, cache_read, cache_write (all TTLs)
    cache_write_1h: int
    images: tuple[int, int, str] | None  # count, larger side, quality


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


def build_record(writer: Draws, account: str, route: Route, when: datetime) -> tuple[dict, Billed]:
    """One log record, and what AWS bills for the call."""
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
            "inputBodyJson": _input_body(route, operation, prompt, rng),
            "inputTokenCount": tokens["input"],
            "cacheReadInputTokenCount": tokens["cache_read"],
            "cacheWriteInputTokenCount": tokens["cache_write"],
        },
    }
    output, one_hour = _record_output(writer, route, operation, tokens, failed)
    record.update(output)
    record.update(_routing_and_tags(rng, region, operation))
    images = None
    if route.image and not failed:
        config = record["input"]["inputBodyJson"]["imageGenerationConfig"]
        images = (config["numberOfImages"], config["width"], config["quality"])
    billed = Billed(route.billed, route.billed_routing, tokens, one_hour, images)
    return record, billed


def _record_output(
    writer: Draws, route: Route, operation: str, tokens: dict[str, int], failed: bool
) -> tuple[dict, int]:
    """The record's errorCode or output, and the 1-hour cache writes its body says."""
    rng = writer.rng
    if failed:
        error = ("ThrottlingException", "ValidationException", "ModelTimeoutException")
        return {"errorCode": rng.choice(error)}, 0
    if route.image:
        return {"output": {"outputContentType": "application/json"}}, 0
    if route.embedding:
        vector = {
            "embedding": [round(rng.uniform(-1, 1), 4) for _ in range(8)],
            "inputTextTokenCount": tokens["input"],
        }
        return {"output": {"outputContentType": "application/json", "outputBodyJson": vector}}, 0
    answer = writer.text(10, 120)
    long_ttl = "anthropic.claude" in route.model_id and "3-5" not in route.model_id
    body, one_hour = _output_body(rng, operation, answer, tokens, long_ttl=long_ttl)
    output = {
        "outputContentType": "application/json",
        "outputBodyJson": body,
        "outputTokenCount": tokens["output"],
    }
    return {"output": output}, one_hour


def _routing_and_tags(rng: random.Random, region: str, operation: str) -> dict:
    """Where the call was served (sometimes logged), and its requestMetadata tags."""
    fields: dict = {}
    if rng.random() < 0.3:
        fields["inferenceRegion"] = {
            "us-east-1": "us-east-2",
            "us-west-2": "us-east-1",
            "us-east-2": "us-west-2",
            "eu-central-1": "eu-west-3",
        }[region]
    metadata = {key: rng.choice(values) for key, share, values in TAG_KEYS if rng.random() < share}
    if metadata and (operation.startswith("Converse") or rng.random() < 0.5):
        fields["requestMetadata"] = metadata
    return fields


def _tokens(rng: random.Random, route: Route, prompt: str, failed: bool) -> dict[str, int]:
    if failed or route.image:  # image models bill per image, not per token
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


def _input_body(route: Route, operation: str, prompt: str, rng: random.Random) -> dict:
    if route.image:
        side = rng.choice((512, 1024))
        return {
            "taskType": "TEXT_IMAGE",
            "textToImageParams": {"text": prompt[:200]},
            "imageGenerationConfig": {
                "numberOfImages": rng.randint(1, 3),
                "width": side,
                "height": side,
                "quality": rng.choice(("standard", "premium")),
            },
        }
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


def _output_body(
    rng: random.Random, operation: str, answer: str, tokens: dict[str, int], *, long_ttl: bool
) -> tuple[object, int]:
    """The response body, and how many cache-write tokens it says were written for 1 hour."""
    latency = rng.randrange(300, 9000)
    written = tokens["cache_write"]
    one_hour = rng.choice((0, 0, written, written // 3)) if written and long_ttl else 0
    if operation.startswith("Converse"):
        return _converse_body(answer, tokens, latency, one_hour), one_hour
    usage = {
        "input_tokens": tokens["input"],
        "output_tokens": tokens["output"],
        "cache_read_input_tokens": tokens["cache_read"],
        "cache_creation_input_tokens": written,
        "cache_creation": {
            "ephemeral_1h_input_tokens": one_hour,
            "ephemeral_5m_input_tokens": written - one_hour,
        },
    }
    return _anthropic_body(operation, answer, tokens, latency, usage), one_hour


def _converse_body(answer: str, tokens: dict[str, int], latency: int, one_hour: int) -> dict:
    written = tokens["cache_write"]
    details = [
        {"ttl": ttl, "inputTokens": n}
        for ttl, n in (("1h", one_hour), ("5m", written - one_hour))
        if n
    ]
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
            **({"cacheDetails": details} if details else {}),
        },
    }


def _anthropic_body(
    operation: str, answer: str, tokens: dict[str, int], latency: int, usage: dict
) -> object:
    """The Anthropic-native InvokeModel body, or its response stream's events."""
    if operation == "InvokeModel":
        message = {
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "text", "text": answer}],
            "stop_reason": "end_turn",
            "usage": usage,
        }
        return message
    events = [
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
    return events
