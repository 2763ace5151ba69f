"""Resolving a logged modelId to the base model and routing that prices it (CONTRACT §3.1)."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from bedrock_costs.contract.identifiers import (
    APPLICATION_PROFILE_ARN,
    FOUNDATION_MODEL_ARN,
    GEO_PROFILE_ID,
    GLOBAL_PROFILE_ID,
    INFERENCE_PROFILE_ARN,
    PLAIN_MODEL_ID,
)
from bedrock_costs.contract.vocabulary import (
    GEO,
    GLOBAL,
    IN_REGION,
    UNRESOLVED_MODEL,
    UNRESOLVED_PROFILE,
)
from bedrock_costs.reference.profile_file import Profiles


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
    global_base = F.regexp_extract(identifier, GLOBAL_PROFILE_ID, 1)
    geo_base = F.regexp_extract(identifier, GEO_PROFILE_ID, 2)
    is_global = global_base.rlike(PLAIN_MODEL_ID)
    is_geo = geo_base.rlike(PLAIN_MODEL_ID)
    is_plain = identifier.rlike(PLAIN_MODEL_ID)
    model = F.when(is_global, global_base).when(is_geo, geo_base).when(is_plain, identifier)
    routing = (
        F.when(is_global, F.lit(GLOBAL)).when(is_geo, F.lit(GEO)).when(is_plain, F.lit(IN_REGION))
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
        is_application_profile & F.col("profile_model_id").isNull(), F.lit(UNRESOLVED_PROFILE)
    ).when(model.isNull(), F.lit(UNRESOLVED_MODEL))
    return joined.select(
        *invocations.columns,
        model.alias("model"),
        routing.alias("routing"),
        F.when(is_application_profile, F.col("model_id")).alias("inference_profile_arn"),
        "profile_tags",
        unresolved_reason.alias("unresolved_reason"),
    )


def profiles_frame(spark: SparkSession, profiles: Profiles) -> DataFrame:
    """One row per profile: profile_arn (unique), profile_model_id, profile_tags."""
    rows = [(arn, model_id, tags) for arn, (model_id, tags) in sorted(profiles.items())]
    return spark.createDataFrame(
        rows, "profile_arn string, profile_model_id string, profile_tags map<string,string>"
    )
