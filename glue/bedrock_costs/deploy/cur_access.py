"""The CUR export in another account (usually the payer, management account): what its owner
adds so that the jobs' role may read it. Cross-account S3 needs both sides: the role's own
policy grants the CUR folder already (deploy/role_policy.py); the bucket's policy must grant
the role too, and a customer-managed KMS key of that bucket must let the role decrypt through S3.

`deploy.sh --cur-bucket-policy` prints both as JSON (nothing is changed): the bucket policy's
two statements to add beside Data Exports' own, and the key policy's statement."""

from __future__ import annotations

import argparse
import json
import sys

from bedrock_costs.contract.errors import EXIT_USAGE, UsageError
from bedrock_costs.deploy.role_policy import Location, location

SID = "BedrockCosts"


def bucket_policy(role_arn: str, cur: Location) -> dict:
    """The statements the CUR bucket's policy needs: the role lists and reads the export's
    folder only, named as the role's own policy names it."""
    principal = {"AWS": role_arn}
    listing: dict = {
        "Sid": f"{SID}ListCur",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:ListBucket",
        "Resource": f"arn:aws:s3:::{cur.bucket}",
    }
    prefixes = cur.prefixes()
    if prefixes is not None:
        listing["Condition"] = {"StringLike": {"s3:prefix": prefixes}}
    reading = {
        "Sid": f"{SID}ReadCur",
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": cur.objects(),
    }
    return {"Version": "2012-10-17", "Statement": [listing, reading]}


def key_statement(role_arn: str, bucket_region: str) -> dict:
    """The statement a customer-managed key of the CUR bucket needs in its key policy."""
    return {
        "Sid": f"{SID}DecryptCur",
        "Effect": "Allow",
        "Principal": {"AWS": role_arn},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": f"s3.{bucket_region}.amazonaws.com"}},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bedrock_costs.deploy.cur_access")
    parser.add_argument("--role-arn", required=True)
    parser.add_argument("--cur", required=True)
    parser.add_argument("--region", required=True, help="the CUR bucket's Region")
    args = parser.parse_args(argv)
    try:
        cur = location("--cur", args.cur)
    except UsageError as exc:
        print(f"deploy.sh: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    found = {
        "BucketPolicyStatements": bucket_policy(args.role_arn, cur)["Statement"],
        "KeyPolicyStatement": key_statement(args.role_arn, args.region),
    }
    print(json.dumps(found, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
