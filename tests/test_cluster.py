"""The job on a real Spark standalone cluster gives the same tables as a local-mode run.

A master and two workers are launched from the installed pyspark on 127.0.0.1, each in its own
process group, and stopped (the group killed) when the module's tests end.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyspark
import pytest

from helpers import QUICK_JVM, catalog_rows

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SPARK_CLASS = Path(pyspark.__file__).parent / "bin" / "spark-class"
PRICES = ROOT / "pricing" / "bedrock_prices.csv"
NO_GX_CLI = Path(__file__).parent / "no_gx_cli.py"
# Every JVM of the test (master, workers, driver, executors) compiles with C1 only: for a small
# input it finishes about a third sooner on two cores; results do not depend on the JIT.
QUICK_JVMS = QUICK_JVM
DAY = "2026-10-31"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    url: str
    ui: str
    work_dirs: list[Path]

    def state(self) -> dict:
        with urllib.request.urlopen(f"{self.ui}/json/", timeout=5) as response:
            return json.load(response)


def wait_for(check, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{what} not ready after {seconds:.0f} s")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    home = tmp_path_factory.mktemp("standalone")
    env = {
        **os.environ,
        **QUICK_JVMS,
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": sys.executable,
    }
    port, ui_port = free_port(), free_port()
    processes: list[subprocess.Popen] = []

    def launch(name: str, *args: str) -> None:
        log = (home / f"{name}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [str(SPARK_CLASS), *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: executors are stopped with it
            )
        )

    launch(
        "master",
        *("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1"),
        *("--port", str(port), "--webui-port", str(ui_port)),
    )
    url = f"spark://127.0.0.1:{port}"
    work_dirs = [home / f"worker-{i}" for i in (1, 2)]
    try:
        cluster = Cluster(url, f"http://127.0.0.1:{ui_port}", work_dirs)
        wait_for(lambda: cluster.state()["status"] == "ALIVE", "master")
        for i, work_dir in enumerate(work_dirs, 1):
            launch(
                f"worker-{i}",
                *("org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1"),
                *("--webui-port", str(free_port()), "--cores", "1", "--memory", "1536m"),
                *("--work-dir", str(work_dir), url),
            )
        wait_for(lambda: cluster.state()["aliveworkers"] == 2, "two workers")
        yield cluster
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert all(p.poll() is not None for p in processes)


def table(output: Path, name: str, drop: tuple[str, ...] = ()) -> list[dict]:
    """A table's rows (read through the output's catalog), in one stable order."""
    rows = [{k: v for k, v in row.items() if k not in drop} for row in catalog_rows(output, name)]
    return sorted(rows, key=lambda r: json.dumps(r, default=str, sort_keys=True))


@pytest.mark.slow
def test_job_on_a_standalone_cluster_writes_the_local_mode_tables(cluster, sample_month, tmp_path):
    """The demo's last day once more, on the cluster: the rows of the demo's local run."""
    logs, local = sample_month["logs"], sample_month["tables"]
    on_cluster = subprocess.run(
        [
            *(sys.executable, str(NO_GX_CLI), "run", "--logs", str(logs), "--quiet"),
            *("--output", str(tmp_path / "cluster"), "--pricing", str(PRICES)),
            *("--profiles", str(logs / "profiles.csv"), "--start-date", DAY, "--end-date", DAY),
        ],
        env={
            **os.environ,
            **QUICK_JVMS,
            "BEDROCK_COSTS_SPARK_MASTER": cluster.url,
            "PYSPARK_PYTHON": sys.executable,
            "SPARK_LOCAL_IP": "127.0.0.1",
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert on_cluster.returncode == 0, on_cluster.stderr[-3000:]

    # The executors ran on both workers: each wrote its logs under its own work dir.
    applications = cluster.state()["completedapps"]
    assert [a["name"] for a in applications] == ["bedrock-costs"]
    for work_dir in cluster.work_dirs:
        assert list(work_dir.glob(f"{applications[0]['id']}/*/stderr")), work_dir

    calls = table(tmp_path / "cluster", "invocations")
    assert len(calls) > 50 and {str(c["usage_date"]) for c in calls} == {DAY}
    assert calls == [c for c in table(local, "invocations") if str(c["usage_date"]) == DAY]
    quarantined = table(tmp_path / "cluster", "quarantine", drop=("detected_at",))
    in_window = [
        q
        for q in table(local, "quarantine", drop=("detected_at",))
        if str(q["usage_date"]) in (DAY, "None")
    ]
    assert quarantined == in_window
