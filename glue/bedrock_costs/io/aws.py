"""The only module that calls the AWS SDK (boto3 is on every Glue worker)."""

from __future__ import annotations

from typing import Any


def _client() -> Any:
    import boto3  # the one module allowed to (import-linter: aws-sdk)

    return boto3.client("s3")


def split_s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").removeprefix("s3a://").partition("/")
    return bucket, key


def read_text(uri: str) -> str:
    bucket, key = split_s3(uri)
    body = _client().get_object(Bucket=bucket, Key=key)["Body"].read()
    return body.decode("utf-8")


def write_text(uri: str, text: str) -> None:
    bucket, key = split_s3(uri)
    _client().put_object(Bucket=bucket, Key=key, Body=text.encode("utf-8"))


def list_dir(uri: str) -> tuple[list[str], list[str]]:
    """Immediate sub-folders and objects of an S3 prefix, as full URIs."""
    bucket, key = split_s3(uri.rstrip("/") + "/")
    key = "" if key == "/" else key
    dirs: list[str] = []
    files: list[str] = []
    paginator = _client().get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=key, Delimiter="/"):
        dirs += [f"s3://{bucket}/{p['Prefix'].rstrip('/')}" for p in page.get("CommonPrefixes", [])]
        files += [
            f"s3://{bucket}/{o['Key']}"
            for o in page.get("Contents", [])
            if not o["Key"].endswith("/")
        ]
    return dirs, files


def exists(uri: str) -> bool:
    bucket, key = split_s3(uri)
    page = _client().list_objects_v2(Bucket=bucket, Prefix=key.rstrip("/"), MaxKeys=1)
    return page.get("KeyCount", 0) > 0


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
