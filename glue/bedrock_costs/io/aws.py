"""The only module that calls the AWS SDK (boto3 is on every Glue worker)."""

from __future__ import annotations

from typing import Any


def _client() -> Any:
    return client("s3")


def client(service: str, region: str | None = None) -> Any:
    """A client of the service, with the process's credentials, Region (or `region`) and
    endpoint (the deployer's steps use these; AWS_ENDPOINT_URL points the tests at moto)."""
    import boto3  # the one module allowed to (import-linter: aws-sdk)

    return boto3.client(service, region_name=region) if region else boto3.client(service)


# HeadObject answers a missing key with its bare HTTP status
NOT_FOUND = ("EntityNotFoundException", "ResourceNotFoundException", "NoSuchEntity", "404")


def is_missing(exc: BaseException) -> bool:
    """An SDK error saying the resource asked for does not exist (Glue, QuickSight, IAM…)."""
    return error_code(exc) in NOT_FOUND


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of an SDK error (e.g. ResourceNotFoundException), else None."""
    response = getattr(exc, "response", None)
    return (response or {}).get("Error", {}).get("Code") if isinstance(response, dict) else None


def split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").removeprefix("s3a://").partition("/")
    return bucket, key


def read_text(uri: str) -> str:
    bucket, key = split_s3(uri)
    body = _client().get_object(Bucket=bucket, Key=key)["Body"].read()
    return body.decode("utf-8")


def open_object(uri: str) -> Any:
    """The object's body as a stream (read(n), close())."""
    bucket, key = split_s3(uri)
    return _client().get_object(Bucket=bucket, Key=key)["Body"]


def write_text(uri: str, text: str) -> None:
    bucket, key = split_s3(uri)
    _client().put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))


def _listing(uri: str) -> tuple[list[str], dict[str, float]]:
    """One ListObjectsV2 pass over a folder's immediate contents: its sub-folders, and its
    objects with when each was written (epoch seconds)."""
    bucket, key = split_s3(uri.rstrip("/") + "/")
    key = "" if key == "/" else key
    dirs: list[str] = []
    times: dict[str, float] = {}
    paginator = _client().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=key, Delimiter="/"):
        dirs += [f"s3://{bucket}/{p['Prefix'].rstrip('/')}" for p in page.get("CommonPrefixes", [])]
        for o in page.get("Contents", []):
            if not o["Key"].endswith("/"):
                times[f"s3://{bucket}/{o['Key']}"] = o["LastModified"].timestamp()
    return dirs, times


def list_dir(uri: str) -> tuple[list[str], list[str]]:
    """Immediate sub-folders and objects of an S3 prefix, as full URIs."""
    dirs, times = _listing(uri)
    return dirs, list(times)


def file_times(uri: str) -> dict[str, float]:
    """The objects directly under an S3 prefix and when each was written, from the listing
    itself (no other permission than s3:ListBucket)."""
    return _listing(uri)[1]


ACTIVE_RUN_STATES = ("STARTING", "RUNNING", "STOPPING", "WAITING")


def active_job_runs(job: str) -> list[str]:
    """The ids of a Glue job's runs in progress (none for a job that does not exist)."""
    try:
        runs = client("glue").get_job_runs(JobName=job, MaxResults=50)["JobRuns"]
    except Exception as exc:
        if is_missing(exc):
            return []
        raise
    return [r["Id"] for r in runs if r.get("JobRunState") in ACTIVE_RUN_STATES]


def exists(uri: str) -> bool:
    """A folder with at least one object under it, or (a URI without a trailing /) one object.

    Lists `<key>/` first, never a bare `<key>` prefix that would also match `<key>-other`; a
    role granted a folder as AWS's home-directory example does (`<key>` and `<key>/*`) may ask
    both (docs/deploy.md, "The jobs' role")."""
    bucket, key = split_s3(uri)
    client = _client()
    folder = f"{key.strip('/')}/" if key.strip("/") else ""
    if client.list_objects_v2(Bucket=bucket, Prefix=folder, MaxKeys=1).get("KeyCount", 0) > 0:
        return True
    if not folder or key.endswith("/"):
        return False
    page = client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
    return any(o["Key"] == key for o in page.get("Contents", []))


def bucket_kms_key(bucket: str) -> str | None:
    """The ARN of the KMS key a bucket encrypts new objects with by default, or None (SSE-S3
    or no default). An alias or key id is resolved to the key's ARN (kms:DescribeKey)."""
    import boto3  # the one module allowed to (import-linter: aws-sdk)
    from botocore.exceptions import ClientError

    s3 = boto3.client("s3")
    try:
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ServerSideEncryptionConfigurationNotFoundError":
            return None
        raise
    for rule in rules.get("Rules", []):
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("SSEAlgorithm", "").startswith("aws:kms") and default.get("KMSMasterKeyID"):
            key = default["KMSMasterKeyID"]
            if ":key/" in key:
                return key
            region = s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") or "us-east-1"
            return boto3.client("kms", region_name=region).describe_key(KeyId=key)["KeyMetadata"][
                "Arn"
            ]
    return None


def bedrock_client(region: str) -> Any:
    import boto3  # the one module allowed to (import-linter: aws-sdk)

    return boto3.client("bedrock", region_name=region)


def application_profiles(client: Any) -> list[dict]:
    """Every application inference profile in the client's Region (ListInferenceProfiles)."""
    paginator = client.get_paginator("list_inference_profiles")
    profiles: list[dict] = []
    for page in paginator.paginate(typeEquals="APPLICATION"):
        profiles += page.get("inferenceProfileSummaries", [])
    return profiles


def resource_tags(client: Any, arn: str) -> dict[str, str]:
    return {
        t["key"]: t["value"] for t in client.list_tags_for_resource(resourceARN=arn).get("tags", [])
    }
