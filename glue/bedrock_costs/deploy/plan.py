"""What the deployer's Python steps share with deploy.sh: the plan lines it prints, the
requests it records for the tests (BC_PLAN_DIR), the dry run, and waiting for AWS's
asynchronous states (Athena queries, QuickSight creations and versions)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WAIT_SECONDS = 600.0
SHOWN = 20  # changed values an update line shows


def poll_seconds() -> float:
    """Seconds between two reads of a state (BC_POLL_SECONDS; the tests poll moto faster)."""
    return float(os.environ.get("BC_POLL_SECONDS") or 2.0)


class DeployError(Exception):
    """A step AWS refused or that failed asynchronously: one line, exit 1."""


@dataclass
class Plan:
    """The plan lines (`  action     what`, as deploy.sh's `say`), and the dry run."""

    dry_run: bool = False
    plan_dir: Path | None = field(
        default_factory=lambda: (
            Path(os.environ["BC_PLAN_DIR"]) if os.environ.get("BC_PLAN_DIR") else None
        )
    )

    def say(self, action: str, what: str) -> None:
        print(f"  {action:<10} {what}", flush=True)

    def update(
        self, what: str, have: dict, want: dict, fields: tuple[str, ...], *, sent: bool = False
    ) -> None:
        """An `update` plan line, then what changes, one indented line per changed value (at
        most SHOWN of them, then how many more); `sent`: as `changes`."""
        self.say("update", what)
        found = changes(have, want, fields, sent=sent)
        for change in found[:SHOWN]:
            print(f"  {'':<10}   {change}", flush=True)
        if len(found) > SHOWN:
            print(f"  {'':<10}   … and {len(found) - SHOWN} more", flush=True)

    def record(self, service: str, operation: str, params: dict) -> None:
        """Write an API request's parameters for the tests (botocore's model checks them)."""
        if self.plan_dir is not None:
            name = f"{service}-{operation}-{time.time_ns()}.json"
            (self.plan_dir / name).write_text(json.dumps(params, default=str))


def changes(have: dict, want: dict, fields: tuple[str, ...], *, sent: bool = False) -> list[str]:
    """What an update changes, as `path: old → new` (into dicts and same-length lists, so a
    job's argument shows as `DefaultArguments.--trailing_days: 3 → 5`). With `sent`, only what
    `want` sends is compared: keys the service added to what it stores (its defaults) are not a
    change."""
    found: list[str] = []
    for name in fields:
        _diff(name, have.get(name), want.get(name), found, sent)
    return found


def _diff(path: str, old: Any, new: Any, found: list[str], sent: bool) -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(new if sent else set(old) | set(new)):
            _diff(f"{path}.{key}", old.get(key), new.get(key), found, sent)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for n, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff(f"{path}[{n}]", a, b, found, sent)
    else:
        found.append(f"{path}: {_shown(old)} → {_shown(new)}")


def _shown(value: Any) -> str:
    text = "(none)" if value is None else value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 80 else text[:79] + "…"


def await_state(
    what: str,
    read: Callable[[], Any],
    state: Callable[[Any], str],
    done: set[str],
    failed: set[str],
    reason: Callable[[Any], str] = lambda _: "",
    *,
    timeout: float = WAIT_SECONDS,
    poll: float | None = None,
) -> Any:
    """Read until the state is one of `done` (returns the last reading) or `failed` (raises
    DeployError with AWS's reason); raises DeployError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = read()
        current = state(found)
        if current in done:
            return found
        if current in failed:
            because = reason(found)
            raise DeployError(f"{what}: {current}{': ' + because if because else ''}")
        if time.monotonic() > deadline:
            raise DeployError(f"{what}: still {current} after {timeout:.0f} s")
        time.sleep(poll_seconds() if poll is None else poll)


@contextmanager
def step(service: str) -> Iterator[None]:
    """One deploy step: an error AWS answered becomes a DeployError naming the service."""
    from bedrock_costs.io import aws

    try:
        yield
    except DeployError:
        raise
    except Exception as exc:
        if aws.error_code(exc) is None:
            raise
        raise DeployError(f"{service}: {exc}") from exc


def run_step(service: str, action: Callable[[], None]) -> int:
    """Run a deploy step for its command line: 0, or 1 with one line on stderr for a
    DeployError or an error AWS answered (its code and message), never a trace for those."""
    import sys

    try:
        with step(service):
            action()
    except DeployError as exc:
        print(f"deploy.sh: error: {exc}", file=sys.stderr)
        return 1
    return 0
