"""What the long-running commands share: their settings as flags, and how they show progress."""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bedrock_costs.config import Setting
from bedrock_costs.io.as_of import AsOf

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def add_settings(parser: argparse.ArgumentParser, settings: tuple[Setting, ...]) -> None:
    """One flag per setting, its help naming the config's default (values parsed by config)."""
    for setting in settings:
        default = setting.default_help or (
            "" if setting.default in (None, {}) else str(setting.default)
        )
        parser.add_argument(
            setting.flag,
            dest=setting.field,
            required=setting.required,
            metavar=None if setting.choices else setting.metavar,
            choices=setting.choices or None,
            action="append" if setting.repeatable else "store",
            help=setting.help + (f" (default: {default})" if default else ""),
        )


def add_as_of(parser: argparse.ArgumentParser, help_: str) -> None:
    """--as-of WHEN: a snapshot id or an ISO-8601 time (io.as_of), for commands that read."""
    parser.add_argument("--as-of", metavar="WHEN", type=AsOf.parse, help=help_)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("--quiet", action="store_true", help="print nothing but errors")
    shown.add_argument(
        "--json",
        action="store_true",
        help="print only the machine summary (JSON) on stdout, for schedulers",
    )


@dataclass(frozen=True)
class Shown:
    """What a long command prints: progress on stderr unless quiet or JSON; the summary for
    people, or only its JSON on stdout (--json), or nothing but errors (--quiet)."""

    quiet: bool = False
    json: bool = False

    @classmethod
    def of(cls, args: argparse.Namespace) -> Shown:
        return cls(quiet=args.quiet, json=args.json)

    @property
    def progress(self) -> Progress:
        return Progress(enabled=not (self.quiet or self.json))


DEFAULT_SHOWN = Shown()  # progress and the summary for people


class Progress:
    """Stage lines on stderr with the time since the command started; while a Spark stage runs
    longer than `every` seconds, a line with its finished and total tasks every `every` s."""

    def __init__(self, *, enabled: bool = True, every: float = 15.0) -> None:
        self.enabled, self.every, self.began = enabled, every, time.monotonic()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = time.monotonic() - self.began
            print(f"  [{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def watching(self, spark: SparkSession) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        done = threading.Event()
        tracker = spark.sparkContext.statusTracker()

        def report() -> None:
            while not done.wait(self.every):
                for stage_id in tracker.getActiveStageIds():
                    info = tracker.getStageInfo(stage_id)
                    if info is not None and info.numTasks > 1:
                        self(
                            f"   stage {stage_id}: {info.numCompletedTasks:,} of "
                            f"{info.numTasks:,} tasks done ({info.numActiveTasks} running)"
                        )

        thread = threading.Thread(target=report, name="bedrock-costs-progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
