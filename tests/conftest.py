"""One local SparkSession per test process, and the data several test modules read, built once
per test run (also across pytest-xdist workers: the first worker builds, the others wait)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

sys.path.insert(0, str(Path(__file__).parent))

from helpers import QUICK_JVM

BIN = Path(sys.executable).parent
TEST_CATALOG_FILE = "bedrock.tests.catalog-file"
SAMPLE_RECORDS = 600  # the demo's calls: enough for every planted gap of the sample CUR

# The longest test files first: `make test` runs one file per worker (pytest-xdist --dist
# loadfile --no-loadscope-reorder: files in this order, each worker starting with two), so a
# long file started last would leave the other core idle at the end. The demo (test_report)
# goes first: while it runs in its own process the other worker runs deploy.sh (the AWS CLI, no
# Spark), and the demo's tables are there when the files that read them start.
LONGEST_FIRST = (
    "test_report.py",
    "test_deploy.py",
    "test_invocation_costs.py",
    "test_s3.py",
    "test_cluster.py",
    "test_concurrency.py",
    "test_reconcile.py",
    "test_cli.py",
    "test_quality.py",
    "test_glue.py",
    "test_focus.py",
    "test_invocation_tables.py",
    "test_sample_cur.py",
    "test_views.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: the order within a file is kept


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    from bedrock_costs.io import jars
    from bedrock_costs.io.catalog_settings import EXTENSIONS, local_catalog
    from bedrock_costs.io.session import SPARK_SETTINGS

    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors' Python: this one
    home = tmp_path_factory.mktemp("spark-home")
    with jars.classpath() as classpath:
        builder = (
            SparkSession.builder.master("local[1]")
            .appName("bedrock-costs-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            # Test data is a few rows: one task thread (the other core runs the other
            # pytest-xdist worker), one shuffle partition and no adaptive re-planning halve the
            # time of each Spark job here. The demo, the standalone-cluster and the S3 tests run
            # in processes of their own with the job's own settings.
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "1")
            .config("spark.sql.adaptive.enabled", "false")
            # Tiny inputs: compiling generated Java for every query costs more than running it,
            # so expressions are interpreted here (the same results by Spark's own guarantee).
            # The demo, the standalone cluster and the S3 runs keep whole-stage code generation.
            .config("spark.sql.codegen.wholeStage", "false")
            .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.extensions", EXTENSIONS)
            .config("spark.driver.extraJavaOptions", QUICK_JVM["JAVA_TOOL_OPTIONS"])
        )
        # every test's tables in one embedded catalog (each test its own database)
        settings = {
            **SPARK_SETTINGS,  # the run settings every job applies to its session
            **classpath.settings,
            **local_catalog(home / "catalog.db", str(home)),
        }
        for key, value in settings.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
        classpath.record(session)
    # where this session's catalog lives (an in-process local_session rewrites the catalog's
    # settings, not the catalog Spark has loaded: one catalog per process)
    session.conf.set(TEST_CATALOG_FILE, str(home / "catalog.db"))
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture()
def no_gx(monkeypatch: pytest.MonkeyPatch) -> None:
    """The jobs' quality checks evaluated by nothing (see helpers.NoChecks)."""
    from bedrock_costs.quality import runner
    from helpers import NoChecks

    monkeypatch.setattr(runner, "DEFAULT", NoChecks)


def shared(
    factory: pytest.TempPathFactory, worker_id: str, name: str, build: Callable[[Path], dict]
) -> dict:
    """`build(folder)` once per test run, whichever worker asks first; every caller gets what
    it returned (JSON, saved beside the folder). Callers must not change the folder: copy it."""
    root = factory.getbasetemp() if worker_id == "master" else factory.getbasetemp().parent
    folder = root / "shared" / name
    folder.parent.mkdir(parents=True, exist_ok=True)
    done = folder.parent / f"{name}.json"
    with (folder.parent / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            done.write_text(json.dumps({**build(folder), "folder": str(folder)}))
    return json.loads(done.read_text())


@pytest.fixture(scope="session")
def sample_month(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict:
    """`bedrock-costs demo` in its own process, the real thing end to end (great_expectations
    included): the sample's logs, its CUR 2.0 export, every table, the report."""

    def build(folder: Path) -> dict:
        run = subprocess.run(
            [
                BIN / "bedrock-costs",
                "demo",
                "--output",
                str(folder),
                "--records",
                str(SAMPLE_RECORDS),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            env={**os.environ, **QUICK_JVM},
        )
        assert run.returncode == 0, _first_error(run.stderr)
        return {"stdout": run.stdout, "stderr": run.stderr}

    found = shared(tmp_path_factory, worker_id, "sample-month", build)
    root = Path(found["folder"])
    return {
        **found,
        "root": root,
        "logs": root / "sample-logs",
        "tables": root / "tables",
        "cur": root / "sample-cur",
    }


@pytest.fixture(scope="session")
def hand_month(spark, tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict:
    """The hand-made month of months.py: logs, run, CUR, reconciled (no great_expectations),
    its tables registered in this process's catalog."""
    import months

    found = shared(tmp_path_factory, worker_id, "hand-month", lambda f: months.build(spark, f))
    months.attach(spark, found)
    return {**found, "root": Path(found["folder"])}


def _first_error(stderr: str) -> str:
    """A failed subprocess's stderr for the assertion: the first Python or Java error line and
    what follows it, then the end (a JVM that dies mid-run buries its cause under later errors)."""
    lines = stderr.splitlines()
    first = next((i for i, line in enumerate(lines) if "Error" in line or "Exception" in line), 0)
    head = "\n".join(lines[first : first + 40])
    return f"{head}\n...\n{stderr[-2000:]}"
