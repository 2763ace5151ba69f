"""Hadoop's S3 connector for local runs on s3:// paths, fetched from PyPI.

The pip `pyspark` ships no S3 filesystem. The `sagemaker_pyspark` source distribution on PyPI
carries `hadoop-aws` 3.3.1 and the matching AWS SDK bundle; those two jars (the rest of that
package is not used) give Spark's Hadoop 3.3 client the `s3a` filesystem. Glue needs none of this.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "sagemaker_pyspark==1.4.5"
JARS = ("hadoop-aws-3.3.1.jar", "aws-java-sdk-bundle-1.11.901.jar")


def default_folder() -> Path:
    return Path(sys.prefix) / "s3a-jars"


def fetch_jars(folder: Path | None = None) -> list[str]:
    """The two jars under `folder` (downloaded once), as absolute paths for spark.jars."""
    folder = folder or default_folder()
    paths = [folder / name for name in JARS]
    if all(p.is_file() for p in paths):
        return [str(p) for p in paths]
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as download:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                PACKAGE,
                "-d",
                download,
            ],
            check=True,
            capture_output=True,
        )
        (archive,) = Path(download).glob("sagemaker_pyspark-*.tar.gz")
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                name = member.name.rsplit("/", 1)[-1]
                if name in JARS:
                    extracted = tar.extractfile(member)
                    if extracted is None:
                        raise RuntimeError(f"{archive.name}: {member.name} is not a file")
                    partial = folder / f".{name}.part"
                    partial.write_bytes(extracted.read())
                    partial.replace(folder / name)
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise RuntimeError(f"{PACKAGE} did not contain {', '.join(missing)}")
    return [str(p) for p in paths]


if __name__ == "__main__":
    print(f"export BEDROCK_COSTS_SPARK_JARS={','.join(fetch_jars())}")
