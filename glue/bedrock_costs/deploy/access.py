"""Row-level access per tenant or account, from a small TOML file (deploy.sh --access FILE).

    tenant_tag = "tenant"    # the requestMetadata key naming a call's tenant (default "tenant")

    [[grant]]                # a QuickSight group sees its tenants' rows in the dashboards
    group = "acme-analysts"
    tenants = ["acme"]

    [[grant]]                # a QuickSight user sees one account's rows, reconciliation included
    user = "finance/alice"
    accounts = ["111122223333"]

    [[grant]]                # an IAM role querying Athena: Lake Formation data-cell filters
    principal = "arn:aws:iam::111122223333:role/acme-athena"
    tenants = ["acme"]

    [[grant]]
    group = "finops"
    all = true               # every row

A grant names one `user`, `group` (QuickSight) or `principal` (IAM, for Lake Formation) and
either `tenants` and/or `accounts` (both: rows matching both) or `all = true`. Nothing is
granted by default: a QuickSight reader without a rule sees no rows.

Tenant rows are per call, so a tenant-scoped grant sees the per-call views and tables only;
the reconciliation (per account, across tenants) needs an account or `all` grant.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bedrock_costs.contract.errors import UsageError

DEFAULT_TENANT_TAG = "tenant"
KINDS = ("user", "group", "principal")
_ACCOUNT = re.compile(r"^\d{12}$")
_IAM_PRINCIPAL = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}$")
_QUICKSIGHT_NAME = re.compile(r"^[\w+=,.@/-]{1,256}$")
_KEYS = {"user", "group", "principal", "tenants", "accounts", "all"}


@dataclass(frozen=True)
class Grant:
    kind: str  # user | group | principal
    name: str
    tenants: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not self.tenants and not self.accounts


@dataclass(frozen=True)
class Access:
    tenant_tag: str
    grants: tuple[Grant, ...]

    @property
    def tenant_column(self) -> str:
        """The invocations column the job writes the tenant tag to (tags.sanitized_key)."""
        return "tag_" + sanitized(self.tenant_tag)

    def of_kind(self, *kinds: str) -> tuple[Grant, ...]:
        return tuple(g for g in self.grants if g.kind in kinds)


def sanitized(key: str) -> str:
    """Python twin of tags.sanitized_key: lower case, runs outside [a-z0-9] to one `_`."""
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")


def load(path: str | Path) -> Access:
    """Read and validate an access file; any problem is one UsageError naming file and grant."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such access file") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: not valid TOML: {error}") from None
    unknown = set(document) - {"tenant_tag", "grant"}
    if unknown:
        raise UsageError(f"{path}: unknown setting {sorted(unknown)[0]!r} (tenant_tag, grant)")
    tenant_tag = document.get("tenant_tag", DEFAULT_TENANT_TAG)
    if not isinstance(tenant_tag, str) or not sanitized(tenant_tag):
        raise UsageError(f"{path}: tenant_tag must be a non-empty tag key")
    entries = document.get("grant", [])
    if not isinstance(entries, list) or not entries:
        raise UsageError(f"{path}: no [[grant]] entries")
    grants = tuple(_grant(entry, f"{path}: grant {n}") for n, entry in enumerate(entries, 1))
    seen: set[tuple[str, str]] = set()
    for n, grant in enumerate(grants, 1):
        if (grant.kind, grant.name) in seen:
            raise UsageError(f"{path}: grant {n}: {grant.kind} {grant.name!r} is granted twice")
        seen.add((grant.kind, grant.name))
    return Access(tenant_tag, grants)


def _grant(entry: object, where: str) -> Grant:
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: must be a table of settings")
    unknown = set(entry) - _KEYS
    if unknown:
        raise UsageError(f"{where}: unknown setting {sorted(unknown)[0]!r}")
    named = [kind for kind in KINDS if kind in entry]
    if len(named) != 1:
        raise UsageError(f"{where}: name exactly one of user, group or principal")
    kind = named[0]
    name = entry[kind]
    pattern = _IAM_PRINCIPAL if kind == "principal" else _QUICKSIGHT_NAME
    if not isinstance(name, str) or not pattern.match(name):
        wanted = "an IAM role or user ARN" if kind == "principal" else "a QuickSight name"
        raise UsageError(f"{where}: {kind} must be {wanted}, got {name!r}")
    tenants = _values(entry, "tenants", where)
    accounts = _values(entry, "accounts", where)
    for account in accounts:
        if not _ACCOUNT.match(account):
            raise UsageError(f"{where}: account {account!r} is not a 12-digit account id")
    everything = entry.get("all", False)
    if not isinstance(everything, bool):
        raise UsageError(f"{where}: all must be true or false")
    if everything and (tenants or accounts):
        raise UsageError(f"{where}: all = true cannot be combined with tenants or accounts")
    if not everything and not (tenants or accounts):
        raise UsageError(f"{where}: grants nothing: give tenants, accounts or all = true")
    return Grant(kind, name, tenants, accounts)


def _values(entry: dict, key: str, where: str) -> tuple[str, ...]:
    values = entry.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise UsageError(f"{where}: {key} must be a list of non-empty strings")
    for value in values:
        # QuickSight reads a comma in a rule as a list of values; quotes would break the filters
        if "," in value or "'" in value:
            raise UsageError(f"{where}: {key} value {value!r} contains a comma or a quote")
    if len(set(values)) != len(values):
        raise UsageError(f"{where}: {key} lists a value twice")
    return tuple(values)


# --- QuickSight row-level security rules -------------------------------------------------
# Two rules tables: per-call views filter on tenant and account; the reconciliation view has
# accounts only, and only account-scoped or `all` grants see it. An empty cell means any value.
RULE_COLUMNS = {
    "access_rules": ("username", "groupname", "tenant", "account_id"),
    "access_rules_accounts": ("username", "groupname", "account_id"),
}


def rules(access: Access, table: str) -> list[dict[str, str]]:
    """The rows of one rules table: one per (grantee, tenant, account)."""
    rows = []
    for grant in access.of_kind("user", "group"):
        who = {"username": grant.name if grant.kind == "user" else ""}
        who["groupname"] = grant.name if grant.kind == "group" else ""
        if table == "access_rules_accounts" and grant.tenants:
            continue  # a tenant sees its own calls, not account-wide billing
        for tenant in grant.tenants or ("",):
            for account in grant.accounts or ("",):
                row = who | {"tenant": tenant, "account_id": account}
                rows.append({column: row[column] for column in RULE_COLUMNS[table]})
    return rows


def rules_csv(access: Access, table: str) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, RULE_COLUMNS[table], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rules(access, table))
    return buffer.getvalue()


def rules_table_input(table: str, location: str) -> dict:
    """Glue TableInput of a rules table over its CSV (empty cells read as NULL = any value)."""
    return {
        "Name": table,
        "Description": "bedrock-costs QuickSight row-level security rules (from the access file)",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "csv", "skip.header.line.count": "1", "EXTERNAL": "TRUE"},
        "StorageDescriptor": {
            "Columns": [{"Name": c, "Type": "string"} for c in RULE_COLUMNS[table]],
            "Location": location,
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                "Parameters": {"field.delim": ",", "serialization.null.format": ""},
            },
        },
    }
