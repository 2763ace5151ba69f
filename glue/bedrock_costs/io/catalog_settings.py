"""Where the tables' catalog is, as Spark settings: the embedded catalog (Iceberg's JDBC catalog
on one SQLite file) or the Glue Data Catalog (Iceberg's Glue catalog and S3 FileIO). No Spark
here: deploy.sh writes the Glue jobs' `--conf` from the same settings.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path

from bedrock_costs.io import storage

EMBEDDED_URI = "jdbc:sqlite:"  # the embedded catalog's JDBC URI, before the file's path
CATALOG = "bedrock"  # the Spark catalog holding the tables: the session's default catalog
EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
CATALOG_VARIABLE = "BEDROCK_COSTS_CATALOG"  # `glue`: Iceberg's Glue catalog (a moto_server, AWS)


def catalog_dir(output_path: str) -> Path:
    """Where the embedded catalog lives: under a local output, else in ./.bedrock-costs."""
    if storage.is_s3(output_path):
        return Path.cwd() / ".bedrock-costs" / "catalog"
    return storage.local(output_path).resolve() / "_catalog"


def catalog_file(output_path: str) -> Path:
    """The embedded catalog: one SQLite file (Iceberg's JDBC catalog; pyiceberg reads it too)."""
    return catalog_dir(output_path) / "catalog.db"


def tables_elsewhere(output_path: str) -> list[tuple[str, str]]:
    """The tables (name, metadata file) of a local output's embedded catalog that are not in
    the output folder: a copied folder's catalog still names the original's tables (Iceberg
    metadata holds absolute paths, so the copy's data is never read and a run on the copy
    would change the original). Read with SQLite alone, before Spark starts."""
    file = catalog_file(output_path)
    if storage.is_s3(output_path) or not file.exists():
        return []
    here = f"{storage.local(output_path).resolve()}/"
    try:
        with closing(sqlite3.connect(f"{file.as_uri()}?mode=ro", uri=True)) as db:
            rows = db.execute(
                "SELECT table_namespace, table_name, metadata_location FROM iceberg_tables"
            ).fetchall()
    except sqlite3.Error:  # no table yet (a catalog Spark has not initialised)
        return []
    return [
        (f"{space}.{name}", location)
        for space, name, location in rows
        if not f"{storage.local(location or '')}/".startswith(here)
    ]


def is_embedded(uri: str) -> bool:
    """Whether a catalog's `uri` setting is the embedded catalog's (local_catalog)."""
    return uri.startswith(EMBEDDED_URI)


def local_catalog(file: Path, warehouse: str, *, s3: bool = False) -> dict[str, str]:
    """Spark settings for the embedded catalog in `file`, the session's default catalog."""
    key = f"spark.sql.catalog.{CATALOG}"
    return {
        key: "org.apache.iceberg.spark.SparkCatalog",
        f"{key}.type": "jdbc",
        f"{key}.uri": f"{EMBEDDED_URI}{file}",
        f"{key}.jdbc.schema-version": "V1",  # with views (the dashboards' views, tested locally)
        # SQLite takes one writer at a time: one connection per catalog, a wait (not an
        # error) while another connection commits, and write-ahead logging, so that a reader
        # never blocks a commit (Spark's cache clones the session, and with it the catalog)
        f"{key}.clients": "1",
        f"{key}.jdbc.busy_timeout": "60000",
        f"{key}.jdbc.journal_mode": "WAL",
        f"{key}.warehouse": warehouse,
        **(_s3_file_io(key, os.environ) if s3 else {}),
        "spark.sql.defaultCatalog": CATALOG,
    }


def glue_catalog(warehouse: str, environ: Mapping[str, str]) -> dict[str, str]:
    """Spark settings for the Glue Data Catalog through Iceberg's Glue catalog and S3 FileIO.

    Runtime settings (Spark loads a catalog on first use), so the Glue job sets them on the
    session Glue built; AWS_ENDPOINT_URL_GLUE / _S3 / AWS_ENDPOINT_URL point them at a
    moto_server in the tests."""
    key = f"spark.sql.catalog.{CATALOG}"
    settings = {
        key: "org.apache.iceberg.spark.SparkCatalog",
        f"{key}.catalog-impl": "org.apache.iceberg.aws.glue.GlueCatalog",
        f"{key}.warehouse": warehouse,
        **_s3_file_io(key, environ),
        "spark.sql.defaultCatalog": CATALOG,
    }
    endpoint = environ.get("AWS_ENDPOINT_URL_GLUE") or environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        settings[f"{key}.glue.endpoint"] = endpoint
    return settings


def _s3_file_io(key: str, environ: Mapping[str, str]) -> dict[str, str]:
    settings = {f"{key}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO"}
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if region:
        settings[f"{key}.client.region"] = region
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        settings |= {f"{key}.s3.endpoint": endpoint, f"{key}.s3.path-style-access": "true"}
    return settings


def uses_glue_catalog() -> bool:
    return os.environ.get(CATALOG_VARIABLE) == "glue"


def glue_job_arguments(warehouse: str, region: str) -> dict[str, str]:
    """The Glue job arguments that give a job Glue's own Iceberg jars, the Iceberg SQL
    extensions (a static setting: only at the session's start) and this catalog. Glue takes one
    `--conf` argument: further settings follow inside its value, each after ` --conf `."""
    settings = {
        "spark.sql.extensions": EXTENSIONS,
        **glue_catalog(warehouse, {"AWS_REGION": region}),
    }
    conf = " --conf ".join(f"{key}={value}" for key, value in settings.items())
    return {"--datalake-formats": "iceberg", "--conf": conf}
