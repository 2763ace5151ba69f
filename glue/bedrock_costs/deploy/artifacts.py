"""deploy.sh's artifacts: the folder it staged (the zip of wheels, the job scripts, the price
tables, the access file's rules tables) put under `<artifacts>`, each file only when its content
changed. An object's sha256 is kept as its metadata (`x-amz-meta-sha256`) and read back with
HeadObject, so a redeploy of the same code reports every artifact unchanged and uploads nothing.
Objects under `<artifacts>` that the stage no longer has are left alone (the location may be
shared; nothing reads them)."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from bedrock_costs.deploy.plan import Plan, run_step
from bedrock_costs.io import aws


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bedrock_costs.deploy.artifacts")
    parser.add_argument("--from", dest="stage", type=Path, required=True)
    parser.add_argument("--to", dest="artifacts", required=True, help="s3://bucket/prefix/")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    plan = Plan(dry_run=args.dry_run)
    return run_step("s3", lambda: upload(args.stage, args.artifacts, plan))


if __name__ == "__main__":
    sys.exit(main())
