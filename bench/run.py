"""The benchmark: the job against its references on the same data, in one run.

    python bench/run.py [--records 100,200000,1000000] [--data bench/data] [--skip naive]
                        [--naive-max 1000000]

For each size it generates realistic logs once (cached under --data: about 4 KB of JSON per
record, the sample's model, operation and tag mix; a small size is one log object), then
times, each in a fresh process and one after the other, `bedrock-costs run`, the same job in
DuckDB (`duckdb_job.py`), the AWS sample's approach on Spark (`naive_spark.py`) and the Spark
floor (`spark_floor.py`: start a session, one trivial job, stop), sampling the resident memory
of each process tree. It prints the ratios and writes bench/RESULTS.md (machine, versions,
numbers).
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import platform
import re
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
TARGETS = {"duckdb": 1.5, "naive": 0.25, "floor": 2.0}
SMALL = 1_000  # up to this many records: one log object, and the Spark-floor target applies
REPLICATE_ABOVE = 1_000_000
REQUEST_ID = re.compile(rb'"requestId"\s*:\s*"')  # the job's time over each reference's, at most


@dataclass
class Measure:
    name: str
    seconds: float
    peak_mb: float
    ok: bool
    detail: str = ""


def generate(folder: Path, records: int) -> dict[str, float]:
    """Logs of `records` calls over 3 days (cached: regenerated only when missing).

    Sizes above REPLICATE_ABOVE that are a multiple of it are copies of that size's logs with
    distinct request ids (the generator holds its objects in memory until it writes them).
    """
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        started = time.monotonic()
        if records > REPLICATE_ABOVE and records % REPLICATE_ABOVE == 0:
            base = folder.parent / f"logs-{REPLICATE_ABOVE}"
            generate(base, REPLICATE_ABOVE)
            replicate(base, folder, records // REPLICATE_ABOVE)
        else:
            sys.path.insert(0, str(ROOT / "glue"))
            from bedrock_costs.sample.logs import write_sample

            write_sample(str(folder), records=records, days=3, seed=2026, body_scale=BODY_SCALE)
            if records <= SMALL:
                into_one_object(folder)
        print(f"  generated {records:,} records in {time.monotonic() - started:.0f} s")
        done.write_text("")
    files = log_objects(folder)
    sample = files[: max(1, len(files) // 50)]
    lines = raw = 0
    for path in sample:
        with gzip.open(path, "rb") as fh:
            for line in fh:
                lines, raw = lines + 1, raw + len(line)
    gzipped = sum(p.stat().st_size for p in files)
    return {"files": len(files), "gzip_mb": gzipped / 1e6, "json_bytes_per_record": raw / lines}


def log_objects(folder: Path) -> list[Path]:
    """The log objects, without the large-body side objects under …/data/."""
    return [p for p in folder.rglob("*.json.gz") if p.parent.name != "data"]


def into_one_object(folder: Path) -> None:
    """Every log object's lines in the first one (a small run: one object), the others removed."""
    objects = sorted(log_objects(folder))
    lines: list[bytes] = []
    for path in objects:
        with gzip.open(path, "rb") as fh:
            lines += fh.readlines()
    with gzip.open(objects[0], "wb") as out:
        out.writelines(lines)
    for path in objects[1:]:
        path.unlink()


def replicate(base: Path, folder: Path, copies: int) -> None:
    """`copies` copies of every log object of `base`, each copy's request ids made distinct."""
    for path in log_objects(base):
        relative = path.relative_to(base)
        (folder / relative.parent).mkdir(parents=True, exist_ok=True)
        stem = relative.name.removesuffix(".json.gz")
        targets = [folder / relative.parent / f"{stem}-{c}.json.gz" for c in range(copies)]
        markers = [b'"requestId":"c%d-' % c for c in range(copies)]
        with gzip.open(path, "rb") as source:
            lines = source.readlines()
        for target, marker in zip(targets, markers, strict=True):
            with gzip.open(target, "wb", compresslevel=1) as out:
                out.writelines(REQUEST_ID.sub(marker, line, count=1) for line in lines)
    shutil.copy(base / "profiles.csv", folder / "profiles.csv")


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
    detail = "" if ok else failure(output)
    return Measure(name, seconds, peak / 1e6, ok, detail)


def failure(output: str) -> str:
    """The first line naming an error or exception, else the last line."""
    lines = output.strip().splitlines() or [""]
    named = [line for line in lines if re.search(r"(Error|Exception)\b", line)]
    return (named or lines[-1:])[0].strip()[:200]


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
        "floor": [sys.executable, str(HERE / "spark_floor.py")],
    }
    for name, command in commands.items():
        if name in skip:
            continue
        shutil.rmtree(out, ignore_errors=True)
        if name == "job":
            command += ["--output", str(out), "--pricing", str(PRICES)]
        elif name != "floor":
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


def report(stored: dict[str, dict]) -> str:
    """RESULTS.md from every size measured so far (each with its date and commit), then the
    hand-written profile (bench/profile.md)."""
    latest = max(stored.values(), key=lambda entry: entry["measured_at"])
    lines = [
        "# Benchmark results",
        "",
        "Written by `python bench/run.py` from `bench/results.json` (the latest measurement "
        "of each size); the profile below is `bench/profile.md`.",
        "",
        f"- Machine: {latest['machine']}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in latest["versions"].items()),
        "- Each command runs in a fresh process, one after the other, on the same files; "
        "time is wall-clock, memory the peak resident set of the process tree.",
        "",
        "| records | files | gzip MB | JSON B/record | command | seconds | peak MB "
        "| job ÷ this | target | measured |",
        "|---:|---:|---:|---:|---|---:|---:|---:|---|---|",
    ]
    for records in sorted(stored, key=int):
        entry = stored[records]
        shape, results = entry["shape"], [Measure(**r) for r in entry["results"]]
        measured = f"{entry['measured_at']} `{entry['commit']}`"
        job = next((r for r in results if r.name == "job"), None)
        for r in results:
            ratio = target = ""
            if job and r.name != "job" and r.ok and job.ok:
                ratio = f"{job.seconds / r.seconds:.2f}"
                small = int(records) <= SMALL  # judged against the floor only, and only it
                if (r.name == "floor") == small:
                    met = job.seconds / r.seconds <= TARGETS[r.name]
                    target = f"≤ {TARGETS[r.name]} {'met' if met else 'missed'}"
            seconds = f"{r.seconds:.1f}" if r.ok else f"failed ({r.detail})"
            lines.append(
                f"| {int(records):,} | {shape['files']:,} | {shape['gzip_mb']:.0f} | "
                f"{shape['json_bytes_per_record']:.0f} | {r.name} | {seconds} | "
                f"{r.peak_mb:.0f} | {ratio} | {target} | {measured} |"
            )
    profile = HERE / "profile.md"
    if profile.exists():
        lines += ["", profile.read_text(encoding="utf-8").rstrip()]
    return "\n".join(lines) + "\n"


def commit() -> str:
    found = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True
    )
    return found.stdout.strip() or "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/run.py", description=__doc__)
    parser.add_argument("--records", default="100,200000,1000000", help="comma-separated sizes")
    parser.add_argument("--data", default=str(HERE / "data"), help="where generated logs stay")
    parser.add_argument("--skip", default="", help="comma-separated: job, duckdb, naive, floor")
    parser.add_argument(
        "--naive-max",
        type=int,
        default=1_000_000,
        help="largest size the naive reference runs at (it caches every raw record)",
    )
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"))
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite RESULTS.md from results.json and profile.md, measuring nothing",
    )
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}
    store = Path(args.results).with_name("results.json")
    stored = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    sizes = [] if args.report_only else [int(s) for s in args.records.split(",")]
    for size in sizes:
        too_big = {"naive"} if size > args.naive_max else set()
        shape, results = run_size(size, Path(args.data), skip | too_big)
        stored[str(size)] = {
            "measured_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "commit": commit(),
            "machine": machine(),
            "versions": versions(),
            "shape": shape,
            "results": [dataclasses.asdict(r) for r in results],
        }
        store.write_text(json.dumps(stored, indent=1) + "\n", encoding="utf-8")
    if not stored:
        print(f"nothing measured yet: {store} is missing", file=sys.stderr)
        return 1
    Path(args.results).write_text(report(stored), encoding="utf-8")
    print(f"written {args.results} and {store}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
