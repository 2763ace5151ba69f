"""Resolving a logged modelId to the base model and routing that prices it (CONTRACT §3.1)."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

GEO_PREFIXES = ("us", "eu", "apac", "jp", "au", "ca", "us-gov")
_ARN = r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:[0-9]*:"
FOUNDATION_MODEL_ARN = _ARN + r"foundation-model/(.+)$"
INFERENCE_PROFILE_ARN = _ARN + r"inference-profile/(.+)$"
APPLICATION_PROFILE_ARN = (
    r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:[0-9]{12}:application-inference-profile/[A-Za-z0-9]+$"
)
PLAIN_MODEL_ID = r"^[a-z0-9-]+\.[A-Za-z0-9][A-Za-z0-9._:-]*$"
_GEO_ID = r"^(" + "|".join(GEO_PREFIXES) + r")\.(.+)$"
_GLOBAL_ID = r"^global\.(.+)$"


def routed_model(model_id: Column) -> tuple[Column, Column]:
    """(base model, routing) of a model id, profile id or ARN (CONTRACT §3.1); else nulls."""
    arn_model = F.regexp_extract(model_id, FOUNDATION_MODEL_ARN, 1)
    arn_profile = F.regexp_extract(model_id, INFERENCE_PROFILE_ARN, 1)
    is_arn = model_id.startswith("arn:")
    identifier = (
        F.when(arn_model != "", arn_model)
        .when(arn_profile != "", arn_profile)
        .when(~is_arn, model_id)
    )
    global_base = F.regexp_extract(identifier, _GLOBAL_ID, 1)
    geo_base = F.regexp_extract(identifier, _GEO_ID, 2)
    is_global = global_base.rlike(PLAIN_MODEL_ID)
    is_geo = geo_base.rlike(PLAIN_MODEL_ID)
    is_plain = identifier.rlike(PLAIN_MODEL_ID)
    model = F.when(is_global, global_base).when(is_geo, geo_base).when(is_plain, identifier)
    routing = (
        F.when(is_global, F.lit("global"))
        .when(is_geo, F.lit("geo"))
        .when(is_plain, F.lit("in_region"))
    )
    return model, routing


def resolve_models(invocations: DataFrame, profiles: DataFrame) -> DataFrame:
    """Adds model, routing, inference_profile_arn, profile_tags and unresolved_reason per call.

    `profiles` (profile_arn, profile_model_id) is unique on profile_arn (validated on load),
    so the left join keeps one row per call.
    """
    is_application_profile = F.col("model_id").rlike(APPLICATION_PROFILE_ARN)
    effective_id = F.when(is_application_profile, F.col("profile_model_id")).otherwise(
        F.col("model_id")
    )
    model, routing = routed_model(effective_id)
    joined = invocations.join(
        F.broadcast(profiles), on=F.col("model_id") == F.col("profile_arn"), how="left"
    )
    unresolved_reason = F.when(
        is_application_profile & F.col("profile_model_id").isNull(), F.lit("unresolved_profile")
    ).when(model.isNull(), F.lit("unresolved_model"))
    return joined.select(
        *invocations.columns,
        model.alias("model"),
        routing.alias("routing"),
        F.when(is_application_profile, F.col("model_id")).alias("inference_profile_arn"),
        "profile_tags",
        unresolved_reason.alias("unresolved_reason"),
    )
