"""The application inference profiles CSV (CONTRACT §2.3): profile ARN to what it was made from."""

from __future__ import annotations

import json
import re

from pyspark.sql import DataFrame, SparkSession

from bedrock_costs import resolve
from bedrock_costs.csvfile import CsvRow, read_rows

COLUMNS = ("profile_arn", "model_id")
_SYSTEM_ID = (
    r"^((" + "|".join((*resolve.GEO_PREFIXES, "global")) + r")\.)?" + resolve.PLAIN_MODEL_ID[1:]
)


def load_profiles(path: str | None) -> dict[str, str]:
    """profile_arn -> model_id; validated: ARN shapes, one row per profile."""
    return {arn: model_id for arn, (model_id, _) in load_profile_table(path).items()}


def load_profile_table(path: str | None) -> dict[str, tuple[str, dict[str, str]]]:
    """profile_arn -> (model_id, tags); `tags` is an optional column holding a JSON object."""
    if path is None:
        return {}
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for row in read_rows(path, required=COLUMNS, optional=("tags",)):
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
        found[arn] = (model_id, _tags(row))
    return found


def _tags(row: CsvRow) -> dict[str, str]:
    text = row.values.get("tags", "")
    if not text:
        return {}
    try:
        tags = json.loads(text)
    except json.JSONDecodeError:
        tags = None
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise row.error(
            "tags", f'expected a JSON object of strings such as {{"team": "data"}}, got {text!r}'
        )
    return tags


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


def profiles_frame(
    spark: SparkSession, profiles: dict[str, tuple[str, dict[str, str]]]
) -> DataFrame:
    """One row per profile: profile_arn (unique), profile_model_id, profile_tags."""
    rows = [(arn, model_id, tags) for arn, (model_id, tags) in sorted(profiles.items())]
    return spark.createDataFrame(
        rows, "profile_arn string, profile_model_id string, profile_tags map<string,string>"
    )
