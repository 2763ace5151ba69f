"""The application inference profiles CSV (CONTRACT §2.3): profile ARN to what it was made from."""

from __future__ import annotations

import re

from pyspark.sql import DataFrame, SparkSession

from bedrock_costs import resolve
from bedrock_costs.csvfile import read_rows

COLUMNS = ("profile_arn", "model_id")
_SYSTEM_ID = (
    r"^((" + "|".join((*resolve.GEO_PREFIXES, "global")) + r")\.)?" + resolve.PLAIN_MODEL_ID[1:]
)


def load_profiles(path: str | None) -> dict[str, str]:
    """profile_arn -> model_id; validated: ARN shapes, one row per profile."""
    if path is None:
        return {}
    found: dict[str, str] = {}
    for row in read_rows(path, required=COLUMNS, optional=()):
        arn, model_id = row.values["profile_arn"], row.values["model_id"]
        if not re.match(resolve.APPLICATION_PROFILE_ARN, arn):
            raise row.error(
                "profile_arn",
                "expected an application inference profile ARN "
                "(arn:aws:bedrock:<region>:<account>:application-inference-profile/<id>), "
                f"got {arn!r}",
            )
        if not model_id:
            raise row.error("model_id", "a value is required")
        if not _is_model_source(model_id):
            raise row.error(
                "model_id",
                "expected a base model id, a foundation-model ARN or a "
                f"system inference profile id or ARN, got {model_id!r}",
            )
        if arn in found:
            raise row.error("profile_arn", f"profile {arn} is listed twice")
        found[arn] = model_id
    return found


def _is_model_source(model_id: str) -> bool:
    if model_id.startswith("arn:"):
        return bool(
            re.match(resolve.FOUNDATION_MODEL_ARN, model_id)
            or (
                re.match(resolve.INFERENCE_PROFILE_ARN, model_id)
                and ":application-inference-profile/" not in model_id
            )
        )
    return bool(re.match(_SYSTEM_ID, model_id))


def profiles_frame(spark: SparkSession, profiles: dict[str, str]) -> DataFrame:
    """One row per profile: profile_arn (unique), profile_model_id."""
    return spark.createDataFrame(
        sorted(profiles.items()), "profile_arn string, profile_model_id string"
    )
