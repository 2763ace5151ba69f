"""Fuzzed log lines through the whole cost job (issue 17): mutations of real-shaped records —
bytes cut, inserted, swapped; fields of every wrong type; records run together — mixed with
planted good records. Whatever the input, the run ends with exit 0's summary, the accounting
identity holds over every line read, every quarantined line has a documented reason, no written
call has a negative, absurd or missing value, and the planted records are priced exactly."""

import gzip
import json
import random
import re
from datetime import date, datetime

from bedrock_costs.config import RunConfig
from bedrock_costs.contract.vocabulary import QUARANTINE_REASONS
from bedrock_costs.pipelines.invocation_costs import run_invocation_costs
from helpers import NoChecks, cost, key, price, record, unique_database, write_csv, write_logs

SEED = 17
CHARACTERS = "{}[]\":,\\'0123456789-.eE+ aZtTnull\ttrue\u00e9\u4e2d\U0001f600\x00"
ODD_VALUES = [None, -1, 1.5, 10**18, "12", "", [], {}, True, "NaN", "2026", "x" * 300, 2**70]
FIELDS = ["timestamp", "requestId", "modelId", "accountId", "region", "operation", "schemaType"]
BLANK = re.compile(r"[ \t\n\x0b\f\r]*")  # what Spark's reader counts as a blank line


def mutate(rng: random.Random, good: dict) -> str:
    text = json.dumps(good)
    kind = rng.randrange(9)
    at = rng.randrange(len(text))
    if kind == 0:
        return text[:at]  # cut short
    if kind == 1:
        return text[:at] + rng.choice(CHARACTERS) + text[at:]
    if kind == 2:
        return text[:at] + text[at + rng.randrange(1, 20) :]
    if kind == 3:
        return text + rng.choice(["", " ", "garbage", text, "}", "]"])  # run together
    if kind == 4:
        return text.replace('"', "'", rng.randrange(1, 5))
    changed = json.loads(text)
    if kind == 5:
        changed[rng.choice(FIELDS)] = rng.choice(ODD_VALUES)
    elif kind == 6:
        part = rng.choice(["input", "output"])
        counter = "inputTokenCount" if part == "input" else "outputTokenCount"
        changed[part][counter] = rng.choice(ODD_VALUES)
    elif kind == 7:
        changed["requestMetadata"] = rng.choice(
            [{"k": rng.choice(ODD_VALUES)}, "tenant=a", [1], {f"k{i}": "v" for i in range(100)}]
        )
    else:
        changed.pop(rng.choice([*FIELDS, "input", "output", "identity"]), None)
    return json.dumps(changed, ensure_ascii=rng.random() < 0.5)


def test_fuzzed_lines_never_crash_and_every_line_is_accounted_for(spark, tmp_path):
    rng = random.Random(SEED)
    planted = {f"good{i}": (100 + i, 10 + i) for i in range(20)}
    lines: list[str] = []
    for i in range(600):
        base = record(f"f{i}", inp=rng.randrange(1000), out=rng.randrange(1000), meta={"t": "x"})
        lines.append(mutate(rng, base))
    for request_id, (inp, out) in planted.items():
        lines.insert(rng.randrange(len(lines)), json.dumps(record(request_id, inp=inp, out=out)))
    lines = [line.replace("\n", " ").replace("\r", " ") for line in lines]  # one line each
    files = {key("us-east-1", "2026-07-14", name=f"part{n}"): lines[n::3] for n in range(3)}
    logs = write_logs(tmp_path / "logs", files)
    whole = gzip.compress("".join(line + "\n" for line in lines[:50]).encode())
    cut = logs / key("us-east-1", "2026-07-14", hour="11", name="cut")
    cut.parent.mkdir(parents=True)
    cut.write_bytes(whole[: len(whole) // 3])
    database = unique_database()
    config = RunConfig(
        str(logs),
        str(tmp_path / "out"),
        write_csv(tmp_path / "p.csv", [price()]),
        database=database,
    )
    summary = run_invocation_costs(spark, config, validator=NoChecks())

    counted = sum(1 for line in lines if not BLANK.fullmatch(line))
    quarantined = summary.quarantined
    assert quarantined.get("unreadable_object") == 1  # the cut object, its lines read as far
    read_from_cut = summary.lines_read - counted - 1
    assert 0 <= read_from_cut < 50
    assert set(quarantined) <= set(QUARANTINE_REASONS)
    assert summary.accounting_identity.startswith(f"{summary.lines_read} lines = ")
    assert (
        summary.invocations_written
        + sum(quarantined.values())
        + summary.duplicates
        + (summary.out_of_window)
        == summary.lines_read
    )
    assert {"malformed_json", "bad_token_count", "bad_timestamp"} <= set(quarantined)
    calls = {r.request_id: r for r in spark.table(f"{database}.invocations").collect()}
    for request_id, (inp, out) in planted.items():
        assert calls[request_id].total_cost == cost(inp, "1.00") + cost(out, "5.00")
    for call in calls.values():
        assert call.request_id and call.request_id.strip()
        assert datetime(2000, 1, 1) <= call.event_time < datetime(2100, 1, 1)
        assert call.usage_date == date(2026, 7, 14) or call.usage_date == call.event_time.date()
        tokens = (call.input_tokens, call.output_tokens, call.cache_read_tokens)
        assert all(0 <= t < 1_000_000_000 for t in tokens)
    assert len(calls) == summary.invocations_written
