"""Iceberg snapshots and branches, through the table's own Java API (each call one commit).

A run writes its rows to a branch of its own (readers of `main` cannot see them), checks them
there, then publishes by fast-forwarding `main` to the branch: one atomic metadata commit. A
failed run removes its branch and expires the snapshots only that branch had, which deletes
the data files they added.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import SparkSession

from bedrock_costs.contract.errors import PublishConflict

MAIN = "main"
BRANCH_PREFIX = "wap-"  # wap-<UTC time>…: a run's branch; `maintain` removes ones a killed run left
_STARTED = re.compile(rf"^{re.escape(BRANCH_PREFIX)}(\d{{8}}T\d{{6}}Z)")


def _table(spark: SparkSession, database: str, table: str) -> Any:
    """The org.apache.iceberg.Table behind a catalog table, freshly loaded."""
    jvm = spark.sparkContext._jvm
    if jvm is None:  # only before a session exists
        raise RuntimeError("no Spark session")
    util = jvm.org.apache.iceberg.spark.Spark3Util
    return util.loadIcebergTable(spark._jsparkSession, f"`{database}`.`{table}`")


def snapshot_id(spark: SparkSession, database: str, table: str, ref: str = MAIN) -> int | None:
    """The snapshot a branch or tag points at (None: the table has none yet)."""
    found = _table(spark, database, table).snapshot(ref)
    return None if found is None else int(found.snapshotId())


def as_of(spark: SparkSession, database: str, table: str, millis: int) -> int | None:
    """The snapshot `main` pointed at, at a time (epoch milliseconds); None before the first."""
    found = None
    for entry in _table(spark, database, table).history():  # main's log, oldest first
        if int(entry.timestampMillis()) <= millis:
            found = int(entry.snapshotId())
    return found


def exists(spark: SparkSession, database: str, table: str, snapshot: int) -> bool:
    return _table(spark, database, table).snapshot(snapshot) is not None


def create_branch(spark: SparkSession, database: str, table: str, branch: str) -> int:
    """A branch at `main`'s current snapshot (an empty one on a new table); returns it."""
    handle = _table(spark, database, table)
    handle.manageSnapshots().createBranch(branch).commit()
    handle.refresh()
    return int(handle.snapshot(branch).snapshotId())


def publish(spark: SparkSession, database: str, table: str, branch: str) -> int:
    """`main` fast-forwarded to the branch and the branch removed, in one commit; returns the
    snapshot now published."""
    handle = _table(spark, database, table)
    head = int(handle.snapshot(branch).snapshotId())
    current = handle.snapshot(MAIN)
    if current is not None and not _descends(handle, head, int(current.snapshotId())):
        raise PublishConflict(
            f"{table}: another run published since this one started; nothing of this run "
            "was published (run it again)"
        )
    handle.manageSnapshots().fastForwardBranch(MAIN, branch).removeBranch(branch).commit()
    return head


def discard(spark: SparkSession, database: str, table: str, branch: str, base: int) -> None:
    """The branch removed and the snapshots it added since `base` expired with their files."""
    handle = _table(spark, database, table)
    head = handle.snapshot(branch)
    if head is None:
        return
    added = _since(handle, int(head.snapshotId()), base)
    handle.manageSnapshots().removeBranch(branch).commit()
    _expire(handle, added)


def branch_started(branch: str) -> datetime | None:
    """When the run of a `wap-<run id>` branch started (run ids begin with the UTC time)."""
    found = _STARTED.match(branch)
    if found is None:
        return None
    return datetime.strptime(found[1], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def branches(spark: SparkSession, database: str, table: str) -> list[str]:
    """The table's branches other than `main`."""
    refs = _table(spark, database, table).refs()
    return sorted(str(n) for n in refs.keySet() if str(n) != MAIN and refs.get(n).isBranch())


def discard_unpublished(spark: SparkSession, database: str, table: str, branch: str) -> None:
    """A branch no run will publish any more (its run was killed): removed, and the snapshots
    only it had expired with their files."""
    handle = _table(spark, database, table)
    head, main = handle.snapshot(branch), handle.snapshot(MAIN)
    published = set() if main is None else set(_since(handle, int(main.snapshotId()), -1))
    own = [] if head is None else _since(handle, int(head.snapshotId()), -1)
    handle.manageSnapshots().removeBranch(branch).commit()
    _expire(handle, [s for s in own if s not in published])


def restore(spark: SparkSession, database: str, table: str, base: int, published: int) -> None:
    """`main` back at `base` (undoing a publish of this run) and the published snapshot
    expired with its files."""
    handle = _table(spark, database, table)
    handle.manageSnapshots().replaceBranch(MAIN, base).commit()
    _expire(handle, _since(handle, published, base))


def tag(spark: SparkSession, database: str, table: str, name: str, snapshot: int) -> None:
    """Tag a snapshot (created, or moved if the tag exists): tagged snapshots are kept."""
    handle = _table(spark, database, table)
    manage = handle.manageSnapshots()
    if handle.refs().containsKey(name):
        manage.replaceTag(name, snapshot).commit()
    else:
        manage.createTag(name, snapshot).commit()


def metadata_file(spark: SparkSession, database: str, table: str) -> str:
    """The table's current metadata file: what DuckDB's iceberg_scan and register_table read."""
    return str(_table(spark, database, table).operations().current().metadataFileLocation())


def register(spark: SparkSession, database: str, table: str, metadata: str) -> None:
    """An existing Iceberg table (its metadata file) entered in the session's catalog, through
    the catalog's Java API (no SQL extension needed)."""
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS `{database}`")
    jvm = spark.sparkContext._jvm
    if jvm is None:  # only before a session exists
        raise RuntimeError("no Spark session")
    manager = spark._jsparkSession.sessionState().catalogManager()
    catalog = manager.catalog(spark.catalog.currentCatalog()).icebergCatalog()
    identifier = jvm.org.apache.iceberg.catalog.TableIdentifier.parse(f"{database}.{table}")
    catalog.registerTable(identifier, metadata)


def _since(handle: Any, head: int, base: int) -> list[int]:
    """Snapshot ids from `head` back to (not including) `base`."""
    ids, current = [], handle.snapshot(head)
    while current is not None and int(current.snapshotId()) != base:
        ids.append(int(current.snapshotId()))
        parent = current.parentId()
        current = None if parent is None else handle.snapshot(parent)
    return ids


def _descends(handle: Any, head: int, ancestor: int) -> bool:
    current = handle.snapshot(head)
    while current is not None:
        if int(current.snapshotId()) == ancestor:
            return True
        parent = current.parentId()
        current = None if parent is None else handle.snapshot(parent)
    return False


def _expire(handle: Any, ids: list[int]) -> None:
    if not ids:
        return
    expire = handle.expireSnapshots().expireOlderThan(0)  # none by age: only these
    for snapshot in ids:
        expire = expire.expireSnapshotId(snapshot)
    expire.cleanExpiredFiles(True).commit()
