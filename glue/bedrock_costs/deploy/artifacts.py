"""deploy.sh's artifacts: the folder it staged (the zip of wheels, the job scripts, the price
tables, the access file's rules tables) put under `<artifacts>`, each file only when its content
changed. An object's sha256 is kept as its metadata (`x-amz-meta-sha256`) and read back with
HeadObject, so a redeploy of the same code reports every artifact unchanged and uploads nothing.
Objects under `<artifacts>` that the stage no longer has are left alone (the location may be
shared; nothing reads them)."""

from __future__ import annotations

import shutil
from pathlib import Path

from bedrock_costs.deploy import glue_wheels
from bedrock_costs.deploy.access import RULE_COLUMNS, Access, rules_csv
from bedrock_costs.deploy.glue_wheels import BundleError, digest
from bedrock_costs.deploy.plan import Plan
from bedrock_costs.io import aws

UNIT_PRICES = "bedrock_unit_prices.csv"


def upload(stage: Path, artifacts: str, plan: Plan) -> None:
    """Each staged file created, updated or left unchanged under `artifacts` (s3://…/)."""
    s3 = aws.client("s3")
    bucket, prefix = aws.split_s3(artifacts)
    for path in sorted(p for p in stage.rglob("*") if p.is_file()):
        key = prefix + path.relative_to(stage).as_posix()
        wanted = digest(path)
        try:
            have = s3.head_object(Bucket=bucket, Key=key)["Metadata"].get("sha256")
            action = "unchanged" if have == wanted else "update"
        except Exception as error:
            if not aws.is_missing(error):
                raise
            action = "create"
        plan.say(action, f"s3 object s3://{bucket}/{key}")
        if action != "unchanged" and not plan.dry_run:
            s3.upload_file(str(path), bucket, key, ExtraArgs={"Metadata": {"sha256": wanted}})


def stage(
    to: Path,
    *,
    home: Path,
    pricing: Path,
    wheel: Path,
    modules: str,
    cache: Path,
    access: Access | None,
) -> list[str]:
    """Lay out the artifacts under `to` as they are deployed: wheels/<modules> (the package's
    wheel and its locked dependencies, deploy/glue_wheels.py), jobs/ (the entry points of the
    checkout `home`), pricing/ (the price table used and the unit prices) and, with an access
    file, access/<table>/<table>.csv (the QuickSight rules tables' data). Returns what the jobs
    rely on Glue 5.0 for."""
    if not modules.endswith(".gluewheels.zip"):
        raise BundleError(f"{modules}: Glue takes a zip of wheels named *.gluewheels.zip")
    relied = glue_wheels.build(wheel, to / "wheels" / modules, cache)
    (to / "jobs").mkdir()
    for script in sorted((home / "jobs").glob("*.py")):
        shutil.copyfile(script, to / "jobs" / script.name)
    (to / "pricing").mkdir()
    shutil.copyfile(pricing, to / "pricing" / "bedrock_prices.csv")
    shutil.copyfile(home / "pricing" / UNIT_PRICES, to / "pricing" / UNIT_PRICES)
    if access is not None:
        for table in RULE_COLUMNS:
            folder = to / "access" / table
            folder.mkdir(parents=True)
            (folder / f"{table}.csv").write_text(rules_csv(access, table), encoding="utf-8")
    return relied
