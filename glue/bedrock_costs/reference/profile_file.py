"""The application inference profiles CSV (CONTRACT §2.3): profile ARN to what it was made from."""

from __future__ import annotations

import json
import re

from bedrock_costs.contract import identifiers
from bedrock_costs.io.csv_file import CsvRow, read_rows

COLUMNS = ("profile_arn", "model_id")
Profiles = dict[str, tuple[str, dict[str, str]]]  # profile_arn -> (model_id, tags)


def load_profile_table(path: str | None) -> Profiles:
    """profile_arn -> (model_id, tags); `tags` is an optional column holding a JSON object."""
    if path is None:
        return {}
    found: Profiles = {}
    for row in read_rows(path, required=COLUMNS, optional=("tags",)):
        arn, model_id = row.values["profile_arn"], row.values["model_id"]
        if not re.match(identifiers.APPLICATION_PROFILE_ARN, arn):
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
            re.match(identifiers.FOUNDATION_MODEL_ARN, model_id)
            or (
                re.match(identifiers.INFERENCE_PROFILE_ARN, model_id)
                and ":application-inference-profile/" not in model_id
            )
        )
    return bool(re.match(identifiers.SYSTEM_MODEL_ID, model_id))
