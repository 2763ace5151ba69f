"""Runs that overlap or die, as real processes on one output folder: a run started while another
writer works waits for it (the output's writer lock); a run killed (SIGKILL) after writing and
before publishing changes nothing readers see, and `maintain` removes what it left. (Killed runs
on tables with published rows, and failures at every step, are in test_publish and the pipelines'
tests. (A kill between
two tables' commits, milliseconds apart, leaves each table whole, one at the new run's rows:
docs/operations.md, "Re-runs and publishing".)"""

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bedrock_costs.config import RunConfig
from bedrock_costs.io import snapshots
from bedrock_costs.pipelines.invocation_costs import run_invocation_costs
from helpers import (
    QUICK_JVM,
    NoChecks,
    catalog_rows,
    catalog_table,
    key,
    price,
    record,
    register_output,
    rows,
    write_csv,
    write_logs,
)

CLI = [sys.executable, str(Path(__file__).parent / "no_gx_cli.py")]
HOLD_LOCK = """
import fcntl, sys
with open(sys.argv[1], "a") as handle:
    fcntl.flock(handle, fcntl.LOCK_EX)
    sys.stdin.read()  # until the test closes stdin
"""
DAY = "2026-07-14"


def start(tmp_path: Path, *args: str) -> subprocess.Popen:
    """The command line in a process group of its own (its JVM included: one kill stops both)."""
    return subprocess.Popen(
        [*CLI, *args],
        cwd=tmp_path,
        env={**os.environ, **QUICK_JVM},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def run_args(tmp_path: Path, name: str, ids: list[str], out: Path) -> tuple[str, ...]:
    lines = [*(record(i, inp=10) for i in ids), "{not json"]  # a quarantined line too
    logs = write_logs(tmp_path / name, {key("us-east-1", DAY): lines})
    prices = write_csv(tmp_path / "prices.csv", [price()])
    return ("run", "--logs", str(logs), "--pricing", prices, "--output", str(out), "--quiet")


def request_ids(out: Path) -> list[str]:
    return sorted(r["request_id"] for r in catalog_rows(out, "invocations"))


def data_files(out: Path, table: str = "invocations") -> set[Path]:
    return set((out / table / "data").rglob("*.parquet"))


def refs(out: Path) -> set[str]:
    from pyiceberg.catalog.sql import SqlCatalog

    file = out.resolve() / "_catalog" / "catalog.db"
    catalog = SqlCatalog("bedrock", uri=f"sqlite:///{file}", warehouse=f"file://{out}")
    return set(catalog.load_table("bedrock_costs.invocations").refs())


def locked(out: Path) -> bool:
    """Whether a command holds the output's writer lock."""
    path = out / "_catalog" / "writer.lock"
    if not path.exists():
        return False
    with open(path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def wait_for(condition, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_a_run_waits_for_another_writer_and_when_killed_before_publishing_changes_nothing(
    spark, tmp_path
):
    """Another writer holds the output (a process with the writer lock, as a run would: real
    first runs cost a JVM each, and the lock is all a second run sees of them); the run waits,
    then writes, and is killed once its invocations are committed to its branch."""
    out = tmp_path / "out"
    (out / "_catalog").mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(out / "_catalog" / "writer.lock")],
        stdin=subprocess.PIPE,
        text=True,
    )
    wait_for(lambda: locked(out), holder)
    run = start(tmp_path, *run_args(tmp_path, "b", ["b1", "b2", "b3"], out))
    time.sleep(3)
    assert run.poll() is None and not (out / "invocations").exists()  # waiting, writing nothing
    holder.communicate("", timeout=30)  # the other writer ends: the run goes on
    wait_for(lambda: data_files(out, "quarantine"), run)  # invocations on its branch, writing on
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=60)
    assert "waiting for another bedrock-costs run" in run.stderr.read()
    before = ([], 0, set())  # what readers saw: the tables did not exist
    after = (request_ids(out), catalog_table(out, "quarantine").num_rows, data_files(out))
    assert after[:2] == before[:2]  # readers see no row of the killed run
    assert after[2]  # the killed run's files, held by its branch only
    (left,) = refs(out) - {"main"}
    assert left.startswith("wap-")
    assert not locked(out)  # the kill released the lock: the next run does not wait

    # the next run (in this test's session, on the same table files) removes what the kill
    # left — its quarantine branch's files hold raw prompts (issue 17) — and publishes its own
    database = register_output(spark, out)
    killed = data_files(out, "invocations")  # committed to the killed run's branch
    config = RunConfig(str(tmp_path / "b"), str(out), database=database)
    assert run_invocation_costs(spark, config, validator=NoChecks()).invocations_written == 3
    for table in ("invocations", "quarantine"):
        assert snapshots.branches(spark, database, table) == []
    assert killed and not killed & data_files(out, "invocations")
    assert sorted(r.request_id for r in rows(spark, database, "invocations")) == ["b1", "b2", "b3"]
