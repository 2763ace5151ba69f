"""What AWS would decide on the requests a job made: moto_server records each request (it
enforces no IAM conditions), each is turned into the IAM action(s), resource ARN(s) and
condition keys AWS authorizes it by (the Service Authorization Reference: S3 and Glue), and a
maintained simulator of AWS's policy evaluation (@cloud-copilot/iam-simulate, tests/iam/)
evaluates them against the role's policy as deploy.sh makes it (deploy.role_policy).

    with recorded(endpoint, file) as requests: ...run the job...
    assert denied(policy, requests) == []
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree

ACCOUNT = "123456789012"  # moto's
REGION = "us-east-1"
SIMULATOR = Path(__file__).parent / "iam" / "simulate.mjs"
# A KMS key is used only if its key policy allows it too: AWS's default key policy, which
# leaves the decision to the account's IAM policies (docs/deploy.md, "KMS")
DEFAULT_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ],
}


@dataclass(frozen=True)
class Request:
    """One authorization AWS makes for a request: action, resource ARN, condition keys."""

    action: str
    resource: str
    context: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    what: str = field(default="", hash=False, compare=False)  # the HTTP request, to read


def entries(text: str) -> Iterator[dict]:
    """The recorded requests: JSON objects one after the other. moto_server's threads append
    an object and its newline in two writes, so two requests at once can share a line."""
    decoder, at = json.JSONDecoder(), 0
    while (at := _skip_space(text, at)) < len(text):
        entry, at = decoder.raw_decode(text, at)
        yield entry


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def calls(entry: dict) -> list[Request]:
    """A recorded request as `service:Operation` (JSON protocols: the target; query protocols:
    the Action; REST protocols: the method and path), no resource: the order of calls."""
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    credential = re.search(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/", headers.get("authorization", ""))
    service = credential.group(1) if credential else "?"
    if "x-amz-target" in headers:
        operation = headers["x-amz-target"].rsplit(".", 1)[-1]
    elif action := re.search(r"(?:^|&)Action=([A-Za-z]+)", _body(entry)):
        operation = action.group(1)
    else:
        operation = f"{entry['method']} {urlsplit(entry['url']).path}"
    return [Request(f"{service}:{operation}", "", {}, entry["url"])]


@contextmanager
def recorded(
    endpoint: str, file: Path, parse: Callable[[dict], list[Request]] | None = None
) -> Iterator[list[Request]]:
    """Record moto_server's requests while the block runs; the list fills when it ends, each
    request parsed by `parse` (default: the authorizations AWS makes for it)."""
    for step in ("reset-recording", "start-recording"):
        urllib.request.urlopen(
            urllib.request.Request(f"{endpoint}/moto-api/recorder/{step}", method="POST")
        )
    found: list[Request] = []
    try:
        yield found
    finally:
        stop = urllib.request.Request(f"{endpoint}/moto-api/recorder/stop-recording", method="POST")
        urllib.request.urlopen(stop)
        for entry in entries(file.read_text()):
            found += (parse or authorizations)(entry)


def authorizations(entry: dict) -> list[Request]:
    """The authorizations one recorded HTTP request needs (S3 REST or Glue JSON)."""
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    target = headers.get("x-amz-target", "")
    if target.startswith("AWSGlue."):
        return _glue(target.removeprefix("AWSGlue."), json.loads(_body(entry) or "{}"))
    credential = re.search(r"Credential=[^/]+/\d+/[^/]+/([^/]+)/", headers.get("authorization", ""))
    service = credential.group(1) if credential else "s3"
    if service != "s3":
        raise AssertionError(f"a request to {service} the IAM check does not map: {entry['url']}")
    return _s3(entry, headers)


def _body(entry: dict) -> str:
    import base64

    body = entry.get("body") or ""
    return base64.b64decode(body).decode("utf-8", "replace") if entry.get("body_encoded") else body


def _s3(entry: dict, headers: dict[str, str]) -> list[Request]:
    url = urlsplit(entry["url"])
    method = entry["method"]
    bucket, _, key = unquote(url.path).lstrip("/").partition("/")
    query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
    what = f"{method} {unquote(url.path)}{'?' + url.query if url.query else ''}"
    bucket_arn, object_arn = f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/{key}"

    def one(action: str, resource: str, context: dict | None = None) -> list[Request]:
        return [Request(f"s3:{action}", resource, context or {}, what)]

    if not key:  # bucket operations
        if "delete" in query and method == "POST":
            keys = [
                e.text or ""
                for e in ElementTree.fromstring(_body(entry)).iter()
                if e.tag.endswith("Key")
            ]
            return [Request("s3:DeleteObject", f"{bucket_arn}/{k}", {}, what) for k in keys]
        if "location" in query:
            return one("GetBucketLocation", bucket_arn)
        if "uploads" in query:
            return one("ListBucketMultipartUploads", bucket_arn)
        if method in ("GET", "HEAD"):  # ListObjects(V2), HeadBucket
            context = {"s3:prefix": query["prefix"]} if "prefix" in query else {}
            if "delimiter" in query:
                context["s3:delimiter"] = query["delimiter"]
            return one("ListBucket", bucket_arn, context)
        raise AssertionError(f"an S3 bucket request the IAM check does not map: {what}")
    if method == "DELETE":
        return one("AbortMultipartUpload" if "uploadId" in query else "DeleteObject", object_arn)
    if method in ("PUT", "POST"):  # PutObject, multipart upload steps, CopyObject
        found = one("PutObject", object_arn)
        if "x-amz-copy-source" in headers:
            found += one(
                "GetObject", f"arn:aws:s3:::{unquote(headers['x-amz-copy-source']).lstrip('/')}"
            )
        return found
    if method in ("GET", "HEAD"):
        if "tagging" in query:
            return one("GetObjectTagging", object_arn)
        return one("GetObject", object_arn)
    raise AssertionError(f"an S3 object request the IAM check does not map: {what}")


def _glue(operation: str, body: dict) -> list[Request]:
    """Glue authorizes a Data Catalog call on the catalog and on each database and table it
    touches (Service Authorization Reference, "Actions defined by AWS Glue")."""
    arn = f"arn:aws:glue:{REGION}:{body.get('CatalogId') or ACCOUNT}"
    resources = [f"{arn}:catalog"]
    if operation == "GetDatabases":
        resources.append(f"{arn}:database/*")
    elif operation.endswith("Database"):  # Get/Create/Update/DeleteDatabase
        name = body.get("Name") or (body.get("DatabaseInput") or {}).get("Name")
        resources.append(f"{arn}:database/{name}")
    elif operation.endswith(("Table", "Tables")):
        database = body["DatabaseName"]
        table = "*" if operation == "GetTables" else body.get("Name") or body["TableInput"]["Name"]
        resources += [f"{arn}:database/{database}", f"{arn}:table/{database}/{table}"]
    else:
        raise AssertionError(f"a Glue request the IAM check does not map: {operation}")
    what = f"Glue {operation} {json.dumps(body)[:160]}"
    return [Request(f"glue:{operation}", r, {}, what) for r in resources]


def evaluate(
    policy: dict,
    requests: list[Request],
    role: str = "bedrock-costs-glue-jobs",
    *,
    resource_policy: dict | None = None,
    resource_account: str | None = None,
) -> list[str]:
    """The simulator's decision on each distinct (action, resource, context): "Allowed",
    "ImplicitlyDenied", "ExplicitlyDenied" (or an error it reports), in order. A KMS request
    meets AWS's default key policy unless `resource_policy` (a bucket's or a key's policy, of
    `resource_account` when the resource is another account's) is given."""
    default = {"resourcePolicy": resource_policy} if resource_policy else {}
    if resource_account:
        default["resourceAccount"] = resource_account
    node = shutil.which("node")
    assert node, "Node.js is required by the IAM check (make test installs the simulator with npm)"
    assert (SIMULATOR.parent / "node_modules").is_dir(), (
        "run `make test` once: it installs tests/iam/"
    )
    payload = {
        "policy": policy,
        "principal": f"arn:aws:iam::{ACCOUNT}:role/{role}",
        "account": ACCOUNT,
        "requests": [
            {
                "action": r.action,
                "resource": r.resource,
                "context": r.context,
                **(
                    {"resourcePolicy": DEFAULT_KEY_POLICY}
                    if r.action.startswith("kms:") and not resource_policy
                    else {}
                ),
                **default,
            }
            for r in requests
        ],
    }
    done = subprocess.run(
        [node, SIMULATOR],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [r["result"] for r in json.loads(done.stdout)]


def distinct(requests: list[Request]) -> list[Request]:
    seen: dict[tuple, Request] = {}
    for r in requests:
        seen.setdefault((r.action, r.resource, tuple(sorted(r.context.items()))), r)
    return list(seen.values())


def denied(policy: dict, requests: list[Request]) -> list[str]:
    """Each distinct request the policy would not allow, readable: [] when all are allowed."""
    unique = distinct(requests)
    return [
        f"{r.action} {r.resource} {r.context} -> {result} ({r.what})"
        for r, result in zip(unique, evaluate(policy, unique), strict=True)
        if result != "Allowed"
    ]


def granted_actions(policy: dict) -> set[str]:
    """Every action an Allow statement of the policy names."""
    found: set[str] = set()
    for statement in policy["Statement"]:
        if statement["Effect"] == "Allow":
            actions = statement["Action"]
            found.update([actions] if isinstance(actions, str) else actions)
    return found
