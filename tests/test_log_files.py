from datetime import date

from bedrock_costs.invocations.log_files import list_log_files
from helpers import key


def touch(root, *paths):
    for rel in paths:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}\n")


def names(root, files):
    return [f.removeprefix(str(root) + "/") for f in files]


def test_list_log_files_skips_side_objects_marker_and_other_files(tmp_path):
    base = "prefix/AWSLogs/111122223333/BedrockModelInvocationLogs"
    touch(
        tmp_path,
        f"x/{key('us-east-1', '2026-07-14')}",
        f"{base}/us-east-1/2026/07/14/10/data/r1_input.json.gz",
        f"{base}/us-east-1/2026/07/14/10/data/r1_output.json.gz",
        f"{base}/amazon-bedrock-logs-permission-check",
        f"{base}/us-east-1/2026/07/14/10/_SUCCESS",
        f"{base}/us-east-1/2026/07/14/10/.hidden.json",
        f"{base}/us-east-1/2026/07/14/10/notes.txt",
        "flat/a.jsonl",
        "flat/b.json",
        "flat/data/c.json",
    )
    assert names(tmp_path, list_log_files(str(tmp_path))) == [
        "flat/a.jsonl",
        "flat/b.json",
        "flat/data/c.json",
        f"x/{key('us-east-1', '2026-07-14')}",
    ]


def test_list_log_files_reads_only_the_window_plus_a_day_either_side(tmp_path):
    days = [
        "2025-12-31",
        "2026-06-30",
        "2026-07-12",
        "2026-07-13",
        "2026-07-14",
        "2026-07-15",
        "2026-07-16",
        "2026-07-17",
        "2026-08-01",
    ]
    touch(tmp_path, *[key("us-east-1", d) for d in days], "undated/logs.json.gz")
    found = names(tmp_path, list_log_files(str(tmp_path), (date(2026, 7, 14), date(2026, 7, 15))))
    assert found == [
        key("us-east-1", d) for d in ("2026-07-13", "2026-07-14", "2026-07-15", "2026-07-16")
    ] + ["undated/logs.json.gz"]


def test_list_log_files_crosses_month_and_year_edges(tmp_path):
    touch(
        tmp_path,
        key("eu-west-1", "2025-12-31", "23"),
        key("eu-west-1", "2026-01-01", "00"),
        key("eu-west-1", "2026-01-02"),
        key("eu-west-1", "2026-01-03"),
    )
    found = names(tmp_path, list_log_files(str(tmp_path), (date(2026, 1, 1), date(2026, 1, 1))))
    assert found == [
        key("eu-west-1", "2025-12-31", "23"),
        key("eu-west-1", "2026-01-01", "00"),
        key("eu-west-1", "2026-01-02"),
    ]


def test_list_log_files_accepts_a_single_file(tmp_path):
    touch(tmp_path, "one.jsonl")
    assert list_log_files(str(tmp_path / "one.jsonl")) == [str(tmp_path / "one.jsonl")]
