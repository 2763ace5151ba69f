"""What a table's location already holds before the catalog knows the table: the newest Iceberg
metadata file (a table whose catalog entry was lost or deleted: registered again, never
re-created over its data) or Hive-style partition folders (a table an earlier version wrote:
imported). A listing of two folders, no Spark: deploy.sh's helpers use it too."""

from __future__ import annotations

import re

from bedrock_costs.io import storage

# <version>-<uuid>.metadata.json (catalog tables: Spark, pyiceberg) or v<version>.metadata.json
_METADATA = re.compile(r"^(?:v(\d+)|(\d+)-[0-9a-f-]+)\.metadata\.json(?:\.gz)?$")


def _listing(path: str) -> tuple[list[str], list[str]]:
    try:
        return storage.list_dir(path)
    except (FileNotFoundError, NotADirectoryError):
        return [], []


def latest_metadata(location: str) -> str | None:
    """The metadata file of the newest table version under `<location>/metadata`, or None."""
    found = []
    for path in _listing(storage.join(location, "metadata"))[1]:
        match = _METADATA.match(path.rsplit("/", 1)[-1])
        if match:
            found.append((int(match[1] or match[2]), path))
    return max(found)[1] if found else None


def hive_partitions(location: str, column: str) -> list[str]:
    """The `<column>=<value>` folders directly under `location` (Hive-style layout), sorted."""
    prefix = f"{column}="
    return [d for d in _listing(location)[0] if d.rsplit("/", 1)[-1].startswith(prefix)]
