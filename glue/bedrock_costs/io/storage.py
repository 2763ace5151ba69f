"""Small file operations on a local path or an s3:// URI: listing, text files, folders."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import BinaryIO

from bedrock_costs.contract.errors import UsageError
from bedrock_costs.io import aws

_GLOB = re.compile(r"([\\\[\]{}*?])")


def is_s3(path: str) -> bool:
    return path.startswith(("s3://", "s3a://"))


def local(path: str) -> Path:
    """A local path from a path or a `file:` URI (`file:///a` as pyiceberg writes it, `file:/a`
    as Spark does)."""
    for scheme in ("file://", "file:"):
        if path.startswith(scheme):
            return Path(path[len(scheme) :])
    return Path(path)


def join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *parts])


def read_text(path: str) -> str:
    return aws.read_text(path) if is_s3(path) else local(path).read_text(encoding="utf-8")


def open_bytes(path: str) -> BinaryIO:
    """A file's bytes as a stream, local or on S3."""
    return aws.open_object(path) if is_s3(path) else local(path).open("rb")


def write_text(path: str, text: str) -> None:
    if is_s3(path):
        aws.write_text(path, text)
        return
    target = local(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)


def exists(path: str) -> bool:
    if not is_s3(path):
        return local(path).exists()
    try:
        return aws.exists(path)
    except Exception as exc:  # botocore's errors: no credentials, no such bucket, no network
        raise UsageError(f"cannot reach it ({exc.__class__.__name__}: {exc})", file=path) from exc


def list_dir(path: str) -> tuple[list[str], list[str]]:
    """Immediate sub-folders and files of a folder, as full paths, sorted."""
    if is_s3(path):
        dirs, files = aws.list_dir(path)
        return sorted(dirs), sorted(files)
    dirs, files = [], []
    with os.scandir(local(path)) as entries:
        for entry in entries:
            (dirs if entry.is_dir() else files).append(join(path, entry.name))
    return sorted(dirs), sorted(files)


def file_times(path: str) -> dict[str, float]:
    """The files directly in a folder and when each was last written (epoch seconds)."""
    if is_s3(path):
        return aws.file_times(path)
    with os.scandir(local(path)) as entries:
        return {join(path, e.name): e.stat().st_mtime for e in entries if e.is_file()}


def spark_path(path: str) -> str:
    """The form Spark's readers and writers want: absolute local paths, s3:// untouched."""
    return path if is_s3(path) else str(local(path).resolve())


def spark_file(path: str) -> str:
    """A listed file as Spark's file readers must be given it: they read a path as a glob
    pattern, so `[`, `]`, `{`, `}`, `*`, `?` and `\\` in a name are escaped (Hadoop's glob
    syntax) — `a[1].json.gz` was PATH_NOT_FOUND, `b*.json.gz` could read other files."""
    return _GLOB.sub(r"\\\1", spark_path(path))


def file_uri(path: str) -> str:
    """A file as Spark names it in `_metadata.file_path` (decoded): local ones as `file:`."""
    return path if is_s3(path) else f"file:{local(path).resolve()}"
