"""Writing the application inference profiles CSV from the Bedrock API (`profiles export`).

The API lists an application profile's foundation-model ARNs, not what it was copied from, so
the routing is read from where those models run: one Region is an in-Region profile, several
Regions of one geography a geographic profile, several geographies a global one. The id written
(`us.<model>`, `global.<model>` or a foundation-model ARN) resolves to the same base model and
routing, which is all that pricing needs.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bedrock_costs.io import aws

_GEOGRAPHIES = (("us-gov-", "us-gov"), ("us-", "us"), ("eu-", "eu"), ("ap-", "apac"), ("ca-", "ca"))


@dataclass(frozen=True)
class ExportedProfile:
    profile_arn: str
    model_id: str
    tags: dict[str, str]


def model_source(model_arns: list[str]) -> str | None:
    """What a profile's model ARNs say it was made from, as a profiles-CSV model_id (or None)."""
    models = {
        arn.split("foundation-model/", 1)[-1] for arn in model_arns if "foundation-model/" in arn
    }
    if len(models) != 1:
        return None
    model = models.pop()
    regions = {arn.split(":")[3] for arn in model_arns}
    if len(regions) == 1 and "" not in regions:
        return f"arn:aws:bedrock:{regions.pop()}::foundation-model/{model}"
    geographies = {_geography(r) for r in regions}
    if len(geographies) == 1 and None not in geographies:
        return f"{geographies.pop()}.{model}"
    return f"global.{model}"


def _geography(region: str) -> str | None:
    return next((name for prefix, name in _GEOGRAPHIES if region.startswith(prefix)), None)


def export_profiles(
    regions: Iterable[str],
    client_for: Callable[[str], Any] = aws.bedrock_client,
    warn: Callable[[str], None] = lambda _: None,
) -> list[ExportedProfile]:
    """Application profiles of every Region, with their tags; one warning per profile skipped."""
    exported = []
    for region in regions:
        client = client_for(region)
        for summary in aws.application_profiles(client):
            arn = summary["inferenceProfileArn"]
            source = model_source([m["modelArn"] for m in summary.get("models", [])])
            if source is None:
                warn(f"{arn}: cannot tell one model from {summary.get('models')}; left out")
                continue
            exported.append(ExportedProfile(arn, source, aws.resource_tags(client, arn)))
    return sorted(exported, key=lambda p: p.profile_arn)


def to_csv(profiles: list[ExportedProfile]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["profile_arn", "model_id", "tags"])
    for p in profiles:
        writer.writerow(
            [p.profile_arn, p.model_id, json.dumps(p.tags, sort_keys=True) if p.tags else ""]
        )
    return out.getvalue()
