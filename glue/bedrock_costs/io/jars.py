"""The Java libraries a local SparkSession needs, from Maven Central by Spark's own resolver.

pip's `pyspark` has neither Apache Iceberg nor an S3 filesystem; AWS Glue 5.0 brings both
(`--datalake-formats iceberg`, and S3 natively), so none of this runs there. Locally the first
session resolves the pinned packages with Spark's resolver (Apache Ivy, `spark.jars.packages`)
into a cache folder and records the jar files it got; every later session puts those files on
its classpath directly (`spark.jars`: no resolution, no network). A lock keeps two first
sessions (two test workers, two terminals) from resolving into the same cache at once.

    python -m bedrock_costs.io.jars [--s3]    # resolve now (`make` does, once per machine)
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ICEBERG_VERSION = "1.7.1"  # the Iceberg of AWS Glue 5.0
# The Iceberg runtime for Spark 3.5 and the SQLite driver of the embedded catalog.
TABLE_PACKAGES = (
    f"org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:{ICEBERG_VERSION}",
    "org.xerial:sqlite-jdbc:3.50.3.0",
)
# s3:// paths: Iceberg's S3 and Glue clients (AWS SDK v2), and Hadoop's S3A filesystem at
# pyspark's Hadoop version (3.3.4, which brings its AWS SDK v1 bundle) for Spark's own reads.
S3_PACKAGES = (
    f"org.apache.iceberg:iceberg-aws-bundle:{ICEBERG_VERSION}",
    "org.apache.hadoop:hadoop-aws:3.3.4",
)
CACHE_VARIABLE = "BEDROCK_COSTS_JAR_CACHE"


def packages(*, s3: bool) -> tuple[str, ...]:
    return (*TABLE_PACKAGES, *S3_PACKAGES) if s3 else TABLE_PACKAGES


def cache_dir() -> Path:
    """$BEDROCK_COSTS_JAR_CACHE, else bedrock-costs/jars under $XDG_CACHE_HOME or ~/.cache."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bedrock-costs" / "jars"


@dataclass(frozen=True)
class Classpath:
    """Spark settings that put the packages on a new session's classpath; `record` is called
    with the session once it started (it saves what the resolver fetched)."""

    settings: dict[str, str]
    manifest: Path
    resolving: bool
    packages: tuple[str, ...] = ()

    def record(self, spark: SparkSession) -> None:
        if not self.resolving:
            return
        jars = spark.sparkContext.getConf().get("spark.jars") or ""
        files = [j.removeprefix("file://") for j in jars.split(",") if j]
        names = {Path(f).name for f in files}
        wanted = {_jar_name(p) for p in self.packages}
        # a JVM resolves once, when it starts: a later session in the same process has only
        # the jars of the first, and then nothing is recorded
        if wanted <= names and all(Path(f).is_file() for f in files):
            partial = self.manifest.with_suffix(".part")
            partial.write_text("\n".join(files) + "\n", encoding="utf-8")
            partial.replace(self.manifest)


def _jar_name(package: str) -> str:
    """Where Spark's resolver puts a package: <group>_<artifact>-<version>.jar."""
    group, artifact, version = package.split(":")
    return f"{group}_{artifact}-{version}.jar"


def _manifest(s3: bool) -> Path:
    digest = hashlib.sha256("\n".join(packages(s3=s3)).encode()).hexdigest()[:12]
    return cache_dir() / f"{'s3' if s3 else 'tables'}-{digest}.jars"


def _cached(manifest: Path) -> list[str] | None:
    if not manifest.is_file():
        return None
    files = manifest.read_text(encoding="utf-8").split()
    return files if files and all(Path(f).is_file() for f in files) else None


@contextmanager
def classpath(*, s3: bool = False) -> Iterator[Classpath]:
    """The settings for a session about to start: hold the block while it starts."""
    manifest = _manifest(s3)
    files = _cached(manifest)
    if files:
        yield Classpath({"spark.jars": ",".join(files)}, manifest, resolving=False)
        return
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with (manifest.parent / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        files = _cached(manifest)  # another process may have resolved while this one waited
        if files:
            yield Classpath({"spark.jars": ",".join(files)}, manifest, resolving=False)
            return
        settings = {
            "spark.jars.packages": ",".join(packages(s3=s3)),
            "spark.jars.ivy": str(manifest.parent),
        }
        yield Classpath(settings, manifest, resolving=True, packages=packages(s3=s3))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bedrock_costs.io.jars")
    parser.add_argument("--s3", action="store_true", help="also the S3 and Glue catalog jars")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from bedrock_costs.io.session import resolve_jars

    if args.one:  # in a process of its own: a JVM resolves only when it starts
        resolve_jars(s3=args.s3)
        return 0
    for s3 in (False, True) if args.s3 else (False,):
        if _cached(_manifest(s3)) is None:
            one = [sys.executable, "-m", "bedrock_costs.io.jars", "--one"]
            subprocess.run([*one, "--s3"] if s3 else one, check=False)
        files = _cached(_manifest(s3))
        if not files:
            print(f"could not resolve {', '.join(packages(s3=s3))} from Maven Central")
            return 1
        print(f"{len(files)} jars in {cache_dir()}{' (with S3)' if s3 else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
