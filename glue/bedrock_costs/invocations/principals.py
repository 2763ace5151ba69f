"""Who made the call, from identity.arn: principal type, name and session."""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

from bedrock_costs.contract.vocabulary import member

_PARTITION = r"^arn:aws[a-z-]*:"
_USER = _PARTITION + r"iam::[0-9]*:user/(?:.*/)?([^/]+)$"
_ASSUMED_ROLE = _PARTITION + r"sts::[0-9]*:assumed-role/([^/]+)/(.+)$"
_FEDERATED_USER = _PARTITION + r"sts::[0-9]*:federated-user/(.+)$"
_ROOT = _PARTITION + r"iam::[0-9]*:root$"


def _kind(name: str) -> Column:
    return F.lit(member("principal_type", name))


def principal(arn: Column) -> tuple[Column, Column, Column]:
    """(principal_type, principal_name, session_name) for an IAM or STS caller ARN."""
    is_user, is_role = arn.rlike(_USER), arn.rlike(_ASSUMED_ROLE)
    is_federated, is_root = arn.rlike(_FEDERATED_USER), arn.rlike(_ROOT)
    federated_name = F.regexp_extract(arn, _FEDERATED_USER, 1)
    kind = (
        F.when(is_user, _kind("iam_user"))
        .when(is_role, _kind("assumed_role"))
        .when(is_federated, _kind("federated_user"))
        .when(is_root, _kind("root"))
        .otherwise(_kind("unknown"))
    )
    name = (
        F.when(is_user, F.regexp_extract(arn, _USER, 1))
        .when(is_role, F.regexp_extract(arn, _ASSUMED_ROLE, 1))
        .when(is_federated, federated_name)
        .when(is_root, F.lit("root"))
    )
    session = F.when(is_role, F.regexp_extract(arn, _ASSUMED_ROLE, 2)).when(
        is_federated, federated_name
    )
    return kind, name, session
