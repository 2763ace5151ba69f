"""The benchmark: the job against two references on the same data, in one run.

    python bench/run.py [--records 200000,1000000] [--data bench/data] [--skip naive]

For each size it generates realistic logs once (cached under --data: about 4 KB of JSON per
record, the sample's model, operation and tag mix), then times, each in a fresh process and one
after the other, `bedrock-costs run`, the same job in DuckDB (`duckdb_job.py`) and the AWS
sample's approach on Spark (`naive_spark.py`), sampling the resident memory of each process tree.
It prints the ratios and writes bench/RESULTS.md (machine, versions, numbers).
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
PRICES = ROOT / "pricing" / "bedrock_prices.csv"
BODY_SCALE = 2  # prompts and answers twice the sample's: about 4 KB of JSON per record
TARGETS = {"duckdb": 1.5, "naive": 0.25}  # the job's time over each reference's, at most


@dataclass
class Measure:
    name: str
    seconds: float
    peak_mb: float
    ok: bool
    detail: str = ""


def generate(folder: Path, records: int) -> dict[str, float]:
    """Logs of `records` calls over 3 days (cached: regenerated only when missing)."""
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        sys.path.insert(0, str(ROOT / "glue"))
        from bedrock_costs.sample import write_sample

        started = time.monotonic()
        write_sample(str(folder), records=records, days=3, seed=2026, body_scale=BODY_SCALE)
        print(f"  generated {records:,} records in {time.monotonic() - started:.0f} s")
        done.write_text("")
    files = [p for p in folder.rglob("*.json.gz") if p.parent.name != "data"]  # side objects
    sample = files[: max(1, len(files) // 50)]
    lines = raw = 0
    for path in sample:
        with gzip.open(path, "rb") as fh:
            for line in fh:
                lines, raw = lines + 1, raw + len(line)
    gzipped = sum(p.stat().st_size for p in files)
    return {"files": len(files), "gzip_mb": gzipped / 1e6, "json_bytes_per_record": raw / lines}


def measure(name: str, command: list[str], env: dict[str, str] | None = None) -> Measure:
    """Wall time and peak resident memory (the whole process tree, sampled every 50 ms)."""
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(process.pid)
        while not stop.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.monotonic() - started
    stop.set()
    sampler.join()
    ok = process.returncode == 0
    detail = "" if ok else output.strip().splitlines()[-1][:200]
    return Measure(name, seconds, peak / 1e6, ok, detail)


def run_size(records: int, data: Path, skip: set[str]) -> tuple[dict[str, float], list[Measure]]:
    logs = data / f"logs-{records}"
    print(f"{records:,} records")
    shape = generate(logs, records)
    out = data / "out"
    results = []
    commands = {
        "job": [
            *(str(BIN / "bedrock-costs"), "run", "--logs", str(logs), "--quiet"),
            *("--profiles", str(logs / "profiles.csv")),
        ],
        "duckdb": [sys.executable, str(HERE / "duckdb_job.py"), str(logs)],
        "naive": [sys.executable, str(HERE / "naive_spark.py"), str(logs)],
    }
    for name, command in commands.items():
        if name in skip:
            continue
        shutil.rmtree(out, ignore_errors=True)
        if name == "job":
            command += ["--output", str(out), "--pricing", str(PRICES)]
        else:
            command += [str(out), str(PRICES)]
        result = measure(name, command)
        results.append(result)
        state = "" if result.ok else f"  FAILED: {result.detail}"
        print(f"  {name:<7} {result.seconds:7.1f} s  peak {result.peak_mb:7.0f} MB{state}")
    shutil.rmtree(out, ignore_errors=True)
    return shape, results


def versions() -> dict[str, str]:
    import duckdb
    import pyspark

    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    return {
        "python": platform.python_version(),
        "pyspark": pyspark.__version__,
        "duckdb": duckdb.__version__,
        "java": java.splitlines()[0] if java else "?",
    }


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GB RAM, {platform.system()}"


def report(rows: list[tuple[int, dict[str, float], list[Measure]]]) -> str:
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"- Machine: {machine()}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()),
        "- Each command runs in a fresh process, one after the other, on the same files; "
        "time is wall-clock, memory the peak resident set of the process tree.",
        "",
        "| records | files | gzip MB | JSON B/record | command | seconds | peak MB "
        "| job ÷ this | target |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    for records, shape, results in rows:
        by_name = {r.name: r for r in results}
        job = by_name.get("job")
        for r in results:
            ratio = target = ""
            if job and r.name != "job" and r.ok and job.ok:
                ratio = f"{job.seconds / r.seconds:.2f}"
                met = job.seconds / r.seconds <= TARGETS[r.name]
                target = f"≤ {TARGETS[r.name]} {'met' if met else 'missed'}"
            seconds = f"{r.seconds:.1f}" if r.ok else f"failed ({r.detail})"
            lines.append(
                f"| {records:,} | {shape['files']:,} | {shape['gzip_mb']:.0f} | "
                f"{shape['json_bytes_per_record']:.0f} | {r.name} | {seconds} | "
                f"{r.peak_mb:.0f} | {ratio} | {target} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__)
    parser.add_argument("--records", default="200000,1000000", help="comma-separated sizes")
    parser.add_argument("--data", default=str(HERE / "data"), help="where generated logs stay")
    parser.add_argument("--skip", default="", help="comma-separated: job, duckdb, naive")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}
    rows = []
    for size in (int(s) for s in args.records.split(",")):
        shape, results = run_size(size, Path(args.data), skip)
        rows.append((size, shape, results))
    text = report(rows)
    Path(args.results).write_text(text, encoding="utf-8")
    print(f"written {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
