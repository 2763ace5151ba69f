"""deploy.sh's steps 2 and 3, through the SDK: the jobs' IAM role and the Glue database.

- The role `<prefix>-glue-jobs`: read (GetRole, GetRolePolicy), its inline policy
  `<prefix>-access` and trust policy compared with those deploy/role_policy.py made, and
  created, updated in place (PutRolePolicy, UpdateAssumeRolePolicy) or left alone; an update
  shows what changes, statement by statement.
- The database: created if missing; under Lake Formation with empty
  `CreateTableDefaultPermissions` (deploy/governance.py updates an existing one later).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from bedrock_costs.deploy.plan import Plan
from bedrock_costs.io import aws


def _document(found: Any) -> Any:
    """A policy document as IAM returned it: a dict (boto3 decodes it) or URL-encoded JSON."""
    return json.loads(unquote(found)) if isinstance(found, str) else found


def _read(call: Any, key: str) -> Any:
    try:
        return call()[key]
    except Exception as error:
        if aws.is_missing(error):
            return None
        raise


def ensure_role(iam: Any, role: str, prefix: str, policy: dict, trust: dict, plan: Plan) -> None:
    name = f"{prefix}-access"
    found = _read(lambda: iam.get_role(RoleName=role), "Role")
    if found is None:
        plan.say("create", f"iam role {role} (inline policy {name})")
        if not plan.dry_run:
            tags = [{"Key": "app", "Value": "bedrock-costs"}, {"Key": "prefix", "Value": prefix}]
            iam.create_role(
                RoleName=role,
                AssumeRolePolicyDocument=json.dumps(trust),
                Description=f"bedrock-costs Glue jobs ({prefix})",
                Tags=tags,
            )
            iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(policy))
        return
    have = {
        "Policy": _document(
            _read(lambda: iam.get_role_policy(RoleName=role, PolicyName=name), "PolicyDocument")
        ),
        "Trust": _document(found["AssumeRolePolicyDocument"]),
    }
    want = {"Policy": policy, "Trust": trust}
    if have == want:
        plan.say("unchanged", f"iam role {role} (inline policy {name})")
        return
    plan.update(f"iam role {role} (inline policy {name}, trust policy)", have, want, tuple(want))
    if not plan.dry_run:
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(policy))
        iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps(trust))


def ensure_database(
    glue: Any, database: str, prefix: str, lake_formation: bool, plan: Plan
) -> None:
    if _read(lambda: glue.get_database(Name=database), "Database") is not None:
        plan.say("unchanged", f"glue database {database}")
        return
    plan.say("create", f"glue database {database}")
    wanted: dict[str, Any] = {"Name": database, "Description": f"bedrock-costs tables ({prefix})"}
    if lake_formation:  # governed: no IAM_ALLOWED_PRINCIPALS grant on the tables made in it
        wanted["CreateTableDefaultPermissions"] = []
    if not plan.dry_run:
        glue.create_database(DatabaseInput=wanted)
