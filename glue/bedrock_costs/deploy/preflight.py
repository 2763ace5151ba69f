"""`deploy.sh --check`: with the deployer's credentials and reading only, what a first deploy
needs and lacks, each as `ok` or `missing` with its fix:

- the buckets (logs, CUR, output) reachable, and how each encrypts (a KMS key is granted to the
  jobs' role); invocation logs present under `--logs`;
- Bedrock model invocation logging on in each Region asked (`--region` and `--logging-region`),
  writing to S3 under `--logs` (GetModelInvocationLoggingConfiguration);
- a CUR 2.0 export writing to `--cur`, as Parquet, with the IAM principal column
  (Data Exports' ListExports/GetExport; in a member account the export is usually the payer's);
- with `--lake-formation`, the deploying identity a Lake Formation administrator;
- with `--quicksight-principal`, a QuickSight subscription (Enterprise for row-level security)
  and that user or group.

Exit 0 when nothing is missing, 1 otherwise; a bad argument is exit 2 (deploy.sh's own checks).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass

from bedrock_costs.deploy.governance import deployer_principal
from bedrock_costs.deploy.role_policy import Location, location
from bedrock_costs.io import aws

DATA_EXPORTS_REGION = "us-east-1"  # Data Exports' one endpoint
FIX_PAYER = (
    "the export is usually the payer account's: check there that it writes to --cur as "
    "Parquet with the IAM principal column, and run deploy.sh --cur-bucket-policy"
)
FIX_NO_EXPORT = (
    "create one in Billing and Cost Management > Data Exports (CUR 2.0, Parquet, include IAM "
    "principal data) writing there"
)
FIX_PRINCIPAL = (
    "edit the export: include IAM principal data and select line_item_iam_principal (without "
    "it, costs are allocated by account and tags)"
)
FIX_ADMIN = (
    "make the deploying identity a data lake administrator (Lake Formation > Administrative "
    "roles and tasks)"
)


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    fix: str = ""

    def line(self) -> str:
        found = f"  {'ok' if self.ok else 'missing':<10} {self.what}"
        return found if self.ok else f"{found}\n  {'':<10} fix: {self.fix}"


@dataclass(frozen=True)
class Wanted:
    account: str
    region: str
    logs: Location
    output: Location
    cur: Location | None = None
    logging_regions: tuple[str, ...] = ()
    lake_formation: bool = False
    principal: str = ""  # a QuickSight user or group ARN
    row_level_security: bool = False


def _refused(error: Exception) -> str:
    """An AWS error's code, or the error raised again when it is not one."""
    code = aws.error_code(error)
    if code is None:
        raise error
    return code


def buckets(w: Wanted) -> list[Finding]:
    s3 = aws.client("s3")
    found = []
    places = {"logs": w.logs, "output": w.output, **({"CUR": w.cur} if w.cur else {})}
    for name, where in places.items():
        try:
            s3.head_bucket(Bucket=where.bucket)
        except Exception as error:
            why = {"404": "does not exist", "403": "is not readable by you"}.get(_refused(error))
            fix = "create it, or check --" + name.lower() if why == "does not exist" else ""
            what = f"{name} bucket {where.bucket} {why or _refused(error)}"
            found.append(Finding(False, what, fix or "allow yourself s3:ListBucket on it"))
            continue
        try:
            key = aws.bucket_kms_key(where.bucket)
        except Exception as error:
            what = f"{name} bucket {where.bucket}: its default encryption cannot be read"
            fix = "allow s3:GetEncryptionConfiguration, or pass --kms-key ARN"
            found.append(Finding(False, f"{what} ({_refused(error)})", fix))
            continue
        how = f"KMS key {key} (granted to the jobs' role)" if key else "SSE-S3 (no key to grant)"
        found.append(Finding(True, f"{name} bucket {where.bucket}: encrypted with {how}"))
    if found and found[0].ok:  # the logs bucket is readable: are there logs yet?
        present = aws.exists(w.logs.uri)
        what = f"invocation logs under {w.logs.uri}" + ("" if present else ": none yet")
        found.append(Finding(present, what, "turn invocation logging on to it, or check --logs"))
    return found


def invocation_logging(w: Wanted) -> list[Finding]:
    found = []
    for region in dict.fromkeys((w.region, *w.logging_regions)):
        what = f"Bedrock invocation logging in {region}"
        prefix = w.logs.key.split("AWSLogs/")[0].rstrip("/")
        turn_on = (
            f"aws bedrock put-model-invocation-logging-configuration --region {region} "
            f'--logging-config \'{{"s3Config": {{"bucketName": "{w.logs.bucket}", '
            f'"keyPrefix": "{prefix}"}}, "textDataDeliveryEnabled": true}}\''
        )
        try:
            answer = aws.client("bedrock", region).get_model_invocation_logging_configuration()
        except Exception as error:
            allow = "allow bedrock:GetModelInvocationLoggingConfiguration"
            found.append(Finding(False, f"{what}: cannot be read ({_refused(error)})", allow))
            continue
        s3 = (answer.get("loggingConfig") or {}).get("s3Config") or {}
        if not s3.get("bucketName"):
            found.append(Finding(False, f"{what}: off, or not to S3", turn_on))
            continue
        key = s3.get("keyPrefix", "").strip("/")
        writes = Location(s3["bucketName"], f"{key}/" if key else "")
        under = writes.contains(w.logs) or w.logs.contains(writes)
        what += f": writes to {writes.uri}" + ("" if under else f", not under --logs {w.logs.uri}")
        found.append(Finding(under, what, f"pass --logs {writes.uri}AWSLogs/, or: {turn_on}"))
    return found


def cur_export(w: Wanted) -> list[Finding]:
    if w.cur is None:
        return []
    client = aws.client("bcm-data-exports", DATA_EXPORTS_REGION)
    try:
        pages = client.get_paginator("list_exports").paginate()
        listed = [r["ExportArn"] for page in pages for r in page.get("Exports", [])]
        exports = [client.get_export(ExportArn=arn)["Export"] for arn in listed]
    except Exception as error:
        what = f"CUR 2.0 export: Data Exports cannot be read here ({_refused(error)})"
        return [Finding(False, what, FIX_PAYER)]
    for export in exports:
        dest = export["DestinationConfigurations"]["S3Destination"]
        prefix = dest.get("S3Prefix", "").strip("/")
        root = Location(dest["S3Bucket"], f"{prefix}/" if prefix else "")
        root = Location(root.bucket, f"{root.key}{export['Name']}/")
        if root.contains(w.cur) or w.cur.contains(root):
            return _export_findings(export, root)
    what = f"CUR 2.0 export: none of the {len(exports)} exports writes to {w.cur.uri}"
    return [Finding(False, what, FIX_NO_EXPORT)]


def _export_findings(export: dict, root: Location) -> list[Finding]:
    name = export["Name"]
    output = export["DestinationConfigurations"]["S3Destination"]["S3OutputConfigurations"]
    query = export["DataQuery"]
    table = (query.get("TableConfigurations") or {}).get("COST_AND_USAGE_REPORT") or {}
    principal = table.get("INCLUDE_IAM_PRINCIPAL_DATA") == "TRUE" and (
        "line_item_iam_principal" in query["QueryStatement"]
    )
    parquet = output.get("Format") == "PARQUET"
    return [
        Finding(True, f"CUR 2.0 export {name} writes to {root.uri} ({output.get('Overwrite')})"),
        Finding(parquet, f"CUR 2.0 export {name} as Parquet", "gzip CSV is not read: use Parquet"),
        Finding(principal, f"CUR 2.0 export {name} with the IAM principal column", FIX_PRINCIPAL),
    ]


def lake_formation(w: Wanted) -> list[Finding]:
    if not w.lake_formation:
        return []
    try:
        me = deployer_principal()
        settings = aws.client("lakeformation").get_data_lake_settings()["DataLakeSettings"]
    except Exception as error:
        what = f"Lake Formation settings cannot be read ({_refused(error)})"
        return [Finding(False, what, "allow lakeformation:GetDataLakeSettings and iam:GetRole")]
    admins = {a["DataLakePrincipalIdentifier"] for a in settings.get("DataLakeAdmins", [])}
    return [Finding(me in admins, f"Lake Formation administrator: {me}", FIX_ADMIN)]


def quicksight(w: Wanted) -> list[Finding]:
    if not w.principal:
        return []
    qs = aws.client("quicksight")
    try:
        info = qs.describe_account_subscription(AwsAccountId=w.account)["AccountInfo"]
    except Exception as error:
        fix = f"sign up for QuickSight (Enterprise edition) in {w.region}"
        return [Finding(False, f"QuickSight subscription ({_refused(error)})", fix)]
    status, edition = info.get("AccountSubscriptionStatus"), info.get("Edition")
    what = f"QuickSight subscription: {status}"
    found = [Finding(status == "ACCOUNT_CREATED", what, "finish the QuickSight sign-up")]
    if w.row_level_security:
        what = f"QuickSight edition {edition} (row-level security)"
        found.append(Finding(edition != "STANDARD", what, "row-level security needs Enterprise"))
    kind, namespace, name = w.principal.split(":", 5)[5].split("/", 2)
    ask = {"AwsAccountId": w.account, "Namespace": namespace}
    try:
        if kind == "user":
            qs.describe_user(UserName=name, **ask)
        else:
            qs.describe_group(GroupName=name, **ask)
        found.append(Finding(True, f"QuickSight {kind} {name} in namespace {namespace}"))
    except Exception as error:
        found.append(
            Finding(
                False,
                f"QuickSight {kind} {name} in namespace {namespace}: {_refused(error)}",
                "register it, or fix --quicksight-principal",
            )
        )
    return found


CHECKS: tuple[Callable[[Wanted], list[Finding]], ...] = (
    buckets,
    invocation_logging,
    cur_export,
    lake_formation,
    quicksight,
)


def check(w: Wanted) -> list[Finding]:
    return [finding for one in CHECKS for finding in one(w)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bedrock_costs.deploy.preflight")
    for option in ("account", "region", "logs", "output"):
        parser.add_argument(f"--{option}", required=True)
    parser.add_argument("--cur", default="")
    parser.add_argument("--logging-region", action="append", default=[])
    parser.add_argument("--lake-formation", action="store_true")
    parser.add_argument("--quicksight-principal", default="")
    parser.add_argument("--row-level-security", action="store_true")
    args = parser.parse_args(argv)
    wanted = Wanted(
        args.account,
        args.region,
        location("--logs", args.logs),
        location("--output", args.output),
        location("--cur", args.cur) if args.cur else None,
        tuple(r for r in args.logging_region if r),
        args.lake_formation,
        args.quicksight_principal,
        args.row_level_security,
    )
    findings = check(wanted)
    for finding in findings:
        print(finding.line())
    missing = sum(not f.ok for f in findings)
    print(f"{len(findings) - missing} ok, {missing} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
