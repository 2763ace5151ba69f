import gzip
import json
import re
from datetime import date

from bedrock_costs.invocations.log_files import list_log_files, read_lines, read_problem
from helpers import key, record


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


def test_list_log_files_accepts_a_single_file_whatever_its_name(tmp_path):
    """`--logs calls.log` read nothing and exited 0 (issue 17): a file named is a file read."""
    touch(tmp_path, "one.jsonl", "calls.log")
    for name in ("one.jsonl", "calls.log"):
        assert list_log_files(str(tmp_path / name)) == [str(tmp_path / name)]


def test_the_layout_is_known_when_the_logs_path_is_below_awslogs(tmp_path):
    """`--logs` at `BedrockModelInvocationLogs/` or a Region folder read the `data/` side
    objects as records (issue 17); the window still prunes by folder."""
    hour = "AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2026/07/14/10"
    touch(
        tmp_path,
        f"{hour}/a.json.gz",
        f"{hour}/data/b.json.gz",
        "AWSLogs/1/BedrockModelInvocationLogs/us-east-1/2026/07/20/10/c.json.gz",
    )
    for below in (
        "AWSLogs/1/BedrockModelInvocationLogs",
        "AWSLogs/1/BedrockModelInvocationLogs/us-east-1",
        hour,
    ):
        window = (date(2026, 7, 14), date(2026, 7, 14))
        assert names(tmp_path, list_log_files(str(tmp_path / below), window)) == [
            f"{hour}/a.json.gz"
        ]


def _gzip_lines(n: int) -> bytes:
    return gzip.compress(
        "".join(json.dumps(record(f"t{i}", inp=1)) + "\n" for i in range(n)).encode()
    )


def test_read_problem_says_how_far_an_object_was_read_and_why(tmp_path):
    whole = _gzip_lines(300)
    files = {
        "whole.json.gz": whole,
        "cut.json.gz": whole[: len(whole) // 2],
        "plain.json.gz": b'{"not": "gzip"}\n',
        "empty.json.gz": b"",  # Spark reads it as no lines: nothing to report
        "text.json": b"{}\n",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    problems = {name: read_problem(str(tmp_path / name)) for name in [*files, "gone.json"]}
    assert problems["whole.json.gz"] is problems["empty.json.gz"] is problems["text.json"] is None
    assert re.fullmatch(
        r"unreadable after [\d,]+ bytes of text: EOFError: Compressed file ended before the "
        r"end-of-stream marker was reached",
        problems["cut.json.gz"],
    )
    assert problems["plain.json.gz"].startswith(
        "unreadable after 0 bytes of text: BadGzipFile: Not a gzipped file"
    )
    assert problems["gone.json"].startswith("unreadable after 0 bytes of text: FileNotFoundError")


def test_read_lines_reads_names_with_glob_characters_literally_and_names_them_as_listed(
    spark, tmp_path
):
    """Spark reads a path as a glob: `a[1].json.gz` was PATH_NOT_FOUND and `b*.json` could
    read another file; Spark names files as URIs (`%20`, `%5B`): source_file is the name."""
    names = ["a[1].json", "b*.json", "bx.json", "c?.json", "d{e,f}.json", "g+h i.json", "j\\k.json"]
    for n, name in enumerate(names):
        (tmp_path / name).write_text(json.dumps({"n": n}) + "\n")
    files = [str(tmp_path / name) for name in names if name != "bx.json"]
    rows = read_lines(spark, files).collect()
    assert sorted((r.source_file, json.loads(r.value)["n"]) for r in rows) == sorted(
        (f"file:{tmp_path / name}", n) for n, name in enumerate(names) if name != "bx.json"
    )
