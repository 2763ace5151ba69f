"""The Glue jobs' IAM role as data: its trust policy and its one inline policy, least privilege.

What the jobs may do, and why each grant has its shape (docs/deploy.md, "The jobs' role"):
- read the logs, the CUR export and the deployed artifacts; read and write the output. Each
  S3 location is granted as AWS's home-directory example does: the folder's name itself and
  everything under it, for objects (`<key>` and `<key>/*`) and for listing (`s3:prefix`
  `<key>` and `<key>/*`), never the bucket around it. An output at a bucket's root is refused
  (it would grant the whole bucket); locations are validated (no `"`, `*`, `?` or `$`: they
  would change the policy's meaning);
- never overwrite their own code: when the artifacts lie under the output, writing there is
  denied explicitly;
- use the KMS keys that encrypt those buckets (found by the deployer from each bucket's default
  encryption, or named with --kms-key), through S3 only (`kms:ViaService`);
- their own Glue database and its tables, and a look at `default` (Spark asks for it at start);
- Lake Formation's `GetDataAccess` when the output is governed by it.
The trust policy lets Glue assume the role, for this account only where Glue says which
account it acts for (`aws:SourceAccount`, IfExists: docs/deploy.md says why).

deploy.sh (deploy/apply.py) makes the policy before it writes anything: an invalid location is
a one-line error, exit 2.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bedrock_costs.contract.errors import UsageError

BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
KEY_SEGMENT = re.compile(r"[A-Za-z0-9!_.'()=@+,;:-]+")  # S3's safe characters, * excepted
KMS_KEY = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+")
POLICY_NAME = "{prefix}-access"


@dataclass(frozen=True)
class Location:
    """An s3:// folder: its bucket and its key (empty, or ending in one /)."""

    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def objects(self) -> list[str]:
        """The folder's name itself and everything under it, as object ARNs."""
        if not self.key:
            return [f"arn:aws:s3:::{self.bucket}/*"]
        return [
            f"arn:aws:s3:::{self.bucket}/{self.key[:-1]}",
            f"arn:aws:s3:::{self.bucket}/{self.key}*",
        ]

    def prefixes(self) -> list[str] | None:
        """The `s3:prefix` values a listing may ask for, or None: the whole bucket."""
        return None if not self.key else [self.key[:-1], f"{self.key}*"]

    def contains(self, other: Location) -> bool:
        return self.bucket == other.bucket and other.key.startswith(self.key)


def location(option: str, uri: str) -> Location:
    """An s3:// URI as a folder, or a UsageError naming the option and what is wrong."""
    rest = uri.removeprefix("s3://") if uri.startswith("s3://") else None
    if rest is None:
        raise UsageError(f"{option} must be an s3:// URI, got {uri!r}")
    bucket, _, key = rest.partition("/")
    if not BUCKET.fullmatch(bucket) or ".." in bucket:
        raise UsageError(f"{option}: {bucket!r} is not an S3 bucket name")
    segments = [s for s in key.split("/")]
    if segments and segments[-1] == "":
        segments.pop()  # the one trailing slash
    for segment in segments:
        if not KEY_SEGMENT.fullmatch(segment) or segment in (".", ".."):
            raise UsageError(
                f"{option}: the folder {segment!r} of {uri!r} has a character the role's policy "
                "cannot name exactly (use letters, digits and !_.'()=@+,;:-)"
            )
    return Location(bucket, "".join(f"{s}/" for s in segments))


@dataclass(frozen=True)
class RoleSettings:
    account: str
    region: str
    prefix: str
    database: str
    logs: Location
    output: Location
    artifacts: Location
    cur: Location | None = None
    lake_formation: bool = False
    read_keys: tuple[str, ...] = ()  # KMS keys of the buckets read
    write_keys: tuple[str, ...] = field(default_factory=tuple)  # of the output's bucket

    def __post_init__(self) -> None:
        if not self.output.key:
            raise UsageError(
                f"--output {self.output.uri!r} is a bucket's root: name a folder in it "
                "(the jobs' role would otherwise be granted the whole bucket)"
            )
        for key in (*self.read_keys, *self.write_keys):
            if not KMS_KEY.fullmatch(key):
                raise UsageError(
                    f"--kms-key must be a KMS key ARN (arn:aws:kms:…:key/…), got {key!r}"
                )


def _statement(
    sid: str,
    actions: list[str],
    resource: str | list[str],
    condition: dict | None = None,
    *,
    deny: bool = False,
) -> dict:
    found = {
        "Sid": sid,
        "Effect": "Deny" if deny else "Allow",
        "Action": actions,
        "Resource": resource,
    }
    return {**found, "Condition": condition} if condition else found


def _read(sid: str, where: Location) -> list[dict]:
    return [
        _statement(f"{sid}Objects", ["s3:GetObject"], where.objects()),
        _list(f"{sid}List", where),
    ]


def _list(sid: str, where: Location) -> dict:
    prefixes = where.prefixes()
    condition = {"StringLike": {"s3:prefix": prefixes}} if prefixes is not None else None
    return _statement(sid, ["s3:ListBucket"], f"arn:aws:s3:::{where.bucket}", condition)


def _kms(sid: str, actions: list[str], keys: Sequence[str], region: str) -> list[dict]:
    through_s3 = {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}}
    return [_statement(sid, actions, sorted(set(keys)), through_s3)] if keys else []


GLUE_CATALOG_ACTIONS = [  # what Iceberg's Glue catalog calls (no partitions: Iceberg has none)
    "glue:GetDatabase",
    "glue:GetDatabases",
    "glue:GetTable",
    "glue:GetTables",
    "glue:CreateTable",
    "glue:UpdateTable",
]


def role_policy(s: RoleSettings) -> dict:
    """The role's inline policy document."""
    glue = f"arn:aws:glue:{s.region}:{s.account}"
    out_objects = s.output.objects()
    writes = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    statements = [
        *_read("ReadLogs", s.logs),
        *(_read("ReadCur", s.cur) if s.cur is not None else []),
        *_read("ReadArtifacts", s.artifacts),
        _statement("ReadOutput", ["s3:GetObject"], out_objects),
        _statement("WriteOutput", writes, out_objects[-1]),  # under the folder, not its name
        _list("ListOutput", s.output),
    ]
    if s.output.contains(s.artifacts):
        code = f"arn:aws:s3:::{s.artifacts.bucket}/{s.artifacts.key}*"
        statements.append(_statement("KeepDeployedCode", writes[:2], code, deny=True))
    statements += _kms("DecryptInputs", ["kms:Decrypt"], s.read_keys, s.region)
    statements += _kms(
        "EncryptOutput", ["kms:Decrypt", "kms:GenerateDataKey"], s.write_keys, s.region
    )
    own = [f"{glue}:catalog", f"{glue}:database/{s.database}", f"{glue}:table/{s.database}/*"]
    statements += [
        _statement("OwnCatalogDatabase", GLUE_CATALOG_ACTIONS, own),
        _statement(
            "DefaultDatabaseLookup",
            ["glue:GetDatabase"],
            [f"{glue}:catalog", f"{glue}:database/default"],
        ),
        _statement(
            "JobLogs",
            ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            f"arn:aws:logs:{s.region}:{s.account}:log-group:/aws-glue/*",
        ),
    ]
    writers = [f"{glue}:job/{s.prefix}-{job}" for job in ("invocation-costs", "cur-reconcile")]
    statements.append(_statement("MaintainWaitsForWriters", ["glue:GetJobRuns"], writers))
    if s.lake_formation:
        statements.append(_statement("LakeFormationData", ["lakeformation:GetDataAccess"], "*"))
    metrics = {"StringEquals": {"cloudwatch:namespace": "Glue"}}
    statements.append(_statement("JobMetrics", ["cloudwatch:PutMetricData"], "*", metrics))
    return {"Version": "2012-10-17", "Statement": statements}


def trust_policy(account: str) -> dict:
    """Who may assume the role: Glue, acting for this account."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "glue.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEqualsIfExists": {"aws:SourceAccount": account}},
            }
        ],
    }


def deployed(
    account: str,
    region: str,
    prefix: str,
    database: str,
    places: dict[str, str],
    *,
    lake_formation: bool = False,
    kms_keys: tuple[str, ...] = (),
    detect_kms: bool = True,
) -> RoleSettings:
    """The settings of the role deploy.sh makes: `places` the s3:// folders by name (logs,
    output, artifacts and, with a CUR, cur), each validated; the KMS keys given and, with
    `detect_kms`, each bucket's default key. A UsageError names what is wrong."""
    where = {name: location(f"--{name}", uri) for name, uri in places.items()}
    read_keys, write_keys = _keys(where, kms_keys, detect_kms)
    return RoleSettings(
        account=account,
        region=region,
        prefix=prefix,
        database=database,
        logs=where["logs"],
        output=where["output"],
        artifacts=where["artifacts"],
        cur=where.get("cur"),
        lake_formation=lake_formation,
        read_keys=read_keys,
        write_keys=write_keys,
    )


def _keys(
    places: dict[str, Location], given: tuple[str, ...], detect: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(keys to decrypt with, keys to encrypt the output with): the given ones for both, and
    with `detect` each bucket's default key for what the role does there."""
    read, write = list(given), list(given)
    if detect:
        from bedrock_costs.io import aws

        for name, where in places.items():
            try:
                key = aws.bucket_kms_key(where.bucket)
            except Exception as exc:  # the deployer may lack s3:GetEncryptionConfiguration
                raise UsageError(
                    f"could not read the default encryption of the {name} bucket "
                    f"{where.bucket} ({exc}); name its key with --kms-key"
                ) from exc
            if key:
                (write if name == "output" else read).append(key)
    return tuple(dict.fromkeys(read)), tuple(dict.fromkeys(write))
