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
from datetime import date
from pathlib import Path

import pyarrow.dataset as ds
import pyspark
import pytest

from bedrock_costs.config import RunConfig
from bedrock_costs.job import run_invocation_costs
from bedrock_costs.sample import write_sample
from helpers import unique_database

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SPARK_CLASS = Path(pyspark.__file__).parent / "bin" / "spark-class"
PRICES = ROOT / "pricing" / "bedrock_prices.csv"


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
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable}
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


def table(folder: Path, drop: tuple[str, ...] = ()) -> list[dict]:
    """A table's rows, partition column included, in one stable order."""
    frame = ds.dataset(folder, format="parquet", partitioning="hive").to_table()
    rows = [
        {k: v for k, v in row.items() if k not in drop}
        for row in frame.select(sorted(frame.column_names)).to_pylist()
    ]
    return sorted(rows, key=lambda r: json.dumps(r, default=str, sort_keys=True))


@pytest.mark.slow
def test_job_on_a_standalone_cluster_writes_the_local_mode_tables(cluster, spark, tmp_path):
    logs = tmp_path / "logs"
    written = write_sample(str(logs), records=1_000, days=2, seed=7, end=date(2026, 10, 20))
    assert written["duplicates"] > 0 and written["malformed"] > 0
    profiles = str(logs / "profiles.csv")

    on_cluster = subprocess.run(
        [
            *(str(BIN / "bedrock-costs"), "run", "--logs", str(logs), "--quiet"),
            *("--output", str(tmp_path / "cluster"), "--pricing", str(PRICES)),
            *("--profiles", profiles),
        ],
        env={
            **os.environ,
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

    run_invocation_costs(
        spark,
        RunConfig(
            str(logs),
            str(tmp_path / "local"),
            str(PRICES),
            profiles,
            None,
            None,
            unique_database(),
            50,
        ),
    )
    calls = table(tmp_path / "cluster" / "invocations")
    assert len(calls) == written["records"]
    assert calls == table(tmp_path / "local" / "invocations")
    quarantined = table(tmp_path / "cluster" / "quarantine", drop=("detected_at",))
    assert len(quarantined) == written["malformed"]
    assert quarantined == table(tmp_path / "local" / "quarantine", drop=("detected_at",))
