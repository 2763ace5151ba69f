"""bench/run.py's data and report code (the timings themselves are never asserted)."""

import gzip
import importlib.util
import json
import sys
from pathlib import Path

from helpers import key, record, write_logs

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
assert _spec and _spec.loader
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench_run"] = bench  # dataclasses look their module up
_spec.loader.exec_module(bench)


def lines(folder: Path) -> list[str]:
    found = []
    for path in sorted(bench.log_objects(folder)):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            found += fh.read().splitlines()
    return found


def test_replicate_copies_every_object_with_distinct_request_ids(tmp_path):
    base = write_logs(
        tmp_path / "base",
        {
            key("us-east-1", "2026-07-14"): [record("r1"), record("r2"), '{"requestId":"r3", '],
            key("us-east-1", "2026-07-14", "11"): [record("r1")],  # a duplicate stays one
            key("us-east-1", "2026-07-14", "11").replace(".json.gz", "/data/x.json.gz"): ["{}"],
        },
    )
    (base / "profiles.csv").write_text("profile_arn,model_id\n")

    bench.replicate(base, tmp_path / "copies", 3)

    copied = lines(tmp_path / "copies")
    assert len(bench.log_objects(tmp_path / "copies")) == 3 * 2  # side objects are not copied
    assert len(copied) == 3 * 4
    ids = [json.loads(line)["requestId"] for line in copied if line.endswith("}")]
    assert sorted(ids) == sorted(f"c{c}-{r}" for c in range(3) for r in ("r1", "r2", "r1"))
    assert sum('"requestId":"c2-r3", ' in line for line in copied) == 1  # malformed stays so
    assert (tmp_path / "copies" / "profiles.csv").read_text() == "profile_arn,model_id\n"


def test_report_keeps_each_size_with_its_ratios_targets_and_profile():
    def entry(records, job, duckdb, naive=None):
        results = [
            {"name": "job", "seconds": job, "peak_mb": 1800.0, "ok": True, "detail": ""},
            {"name": "duckdb", "seconds": duckdb, "peak_mb": 400.0, "ok": True, "detail": ""},
        ]
        if naive:
            results.append(
                {"name": "naive", "seconds": naive, "peak_mb": 1500.0, "ok": True, "detail": ""}
            )
        return {
            "measured_at": f"2026-11-2{records} 10:00 UTC",
            "commit": f"abc{records}",
            "machine": f"machine {records}",
            "versions": {"pyspark": "3.5.4"},
            "shape": {"files": 10, "gzip_mb": 1.5, "json_bytes_per_record": 4200.0},
            "results": results,
        }

    text = bench.report({"1000000": entry(3, 30.0, 20.0, 200.0), "200000": entry(2, 8.0, 4.0)})
    rows = [line for line in text.splitlines() if line.startswith("| 200,000") or "| 1,0" in line]
    assert [r.split("|")[5].strip() for r in rows] == ["job", "duckdb", "job", "duckdb", "naive"]
    assert "| 2.00 | ≤ 1.5 missed | 2026-11-22 10:00 UTC `abc2` |" in rows[1]
    assert "| 1.50 | ≤ 1.5 met |" in rows[3] and "| 0.15 | ≤ 0.25 met |" in rows[4]
    assert "- Machine: machine 3" in text  # the latest measurement's machine
    assert "## Where the job's time goes" in text  # bench/profile.md follows the table


def test_a_small_size_is_one_log_object_with_every_line(tmp_path):
    logs = write_logs(
        tmp_path / "logs",
        {
            key("us-east-1", "2026-07-14"): [record("r1"), record("r2")],
            key("us-east-1", "2026-07-14", "11"): [record("r3")],
            key("us-west-2", "2026-07-15"): [record("r4")],
        },
    )
    before = sorted(lines(logs))
    bench.into_one_object(logs)
    assert len(bench.log_objects(logs)) == 1
    assert sorted(lines(logs)) == before


def test_a_small_run_is_judged_against_the_spark_floor_only():
    def entry(job, floor):
        return {
            "measured_at": "2026-12-02 10:00 UTC",
            "commit": "abc",
            "machine": "m",
            "versions": {},
            "shape": {"files": 1, "gzip_mb": 0.1, "json_bytes_per_record": 4200.0},
            "results": [
                {"name": "job", "seconds": job, "peak_mb": 900.0, "ok": True, "detail": ""},
                {"name": "floor", "seconds": floor, "peak_mb": 300.0, "ok": True, "detail": ""},
                {"name": "duckdb", "seconds": 0.5, "peak_mb": 80.0, "ok": True, "detail": ""},
            ],
        }

    text = bench.report({"100": entry(12.0, 7.5), "200000": entry(60.0, 7.5)})
    floors = [line for line in text.splitlines() if "| floor |" in line]
    assert "| 1.60 | ≤ 2.0 met |" in floors[0]
    assert "| 8.00 |  |" in floors[1]  # the ratio is shown, no target at 200,000 records
    duckdb = [line for line in text.splitlines() if "| duckdb |" in line]
    assert "| 24.00 |  |" in duckdb[0]  # at 100 records DuckDB's ratio has no target
    assert "| 120.00 | ≤ 1.5 missed |" in duckdb[1]
