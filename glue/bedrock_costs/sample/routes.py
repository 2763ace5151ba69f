"""The sample's traffic mix: which model ids are called from where, how, how often, and what
AWS bills for them. `routes` is a table (one Route per kind of traffic), long by design."""

from __future__ import annotations

from dataclasses import dataclass

ACCOUNTS = ("111122223333", "444455556666", "777788889999")


@dataclass(frozen=True)
class Route:
    """One kind of traffic: a modelId form, where it is called from, and how."""

    model_id: str
    regions: tuple[str, ...]
    operations: tuple[str, ...]
    weight: float
    cache: bool = False
    embedding: bool = False
    image: bool = False
    billed: str | None = None  # the base model AWS bills; None: not billed per call
    billed_routing: str = "in_region"  # in_region, geo or global, as the price table says


# long: a table, not logic: one Route per kind of traffic in the sample
def routes(account: str) -> list[Route]:
    sonnet, haiku = (
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "anthropic.claude-haiku-4-5-20251001-v1:0",
    )
    chat, stream = ("Converse", "ConverseStream"), ("InvokeModel", "InvokeModelWithResponseStream")
    opus, claude35, llama = (
        "anthropic.claude-opus-4-5-20251101-v1:0",
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "meta.llama3-3-70b-instruct-v1:0",
    )
    micro, lite, pro = ("amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0")
    embed, image = ("amazon.titan-embed-text-v2:0", "amazon.titan-image-generator-v2:0")
    east, west = ("us-east-1",), ("us-west-2",)
    return [
        Route(
            f"global.{sonnet}",
            (*east, *west),
            chat,
            18,
            True,
            billed=sonnet,
            billed_routing="global",
        ),
        Route(
            f"us.{haiku}",
            (*east, *west),
            chat + stream,
            16,
            True,
            billed=haiku,
            billed_routing="geo",
        ),
        Route(f"eu.{haiku}", ("eu-central-1",), chat, 8, True, billed=haiku, billed_routing="geo"),
        Route(f"us.{sonnet}", ("us-east-2",), chat, 5, True, billed=sonnet, billed_routing="geo"),
        Route(claude35, west, stream, 6, billed=claude35),
        Route(f"us.{micro}", east, chat, 10, billed=micro, billed_routing="geo"),
        Route(lite, east, chat, 7, billed=lite),
        Route(pro, east, chat, 4, cache=True, billed=pro),
        Route(llama, east, ("InvokeModel",), 3, billed=llama),
        Route(
            f"arn:aws:bedrock:us-east-1::foundation-model/{embed}",
            east,
            ("InvokeModel",),
            8,
            embedding=True,
            billed=embed,
        ),
        Route(image, east, ("InvokeModel",), 2, image=True, billed=image),
        Route(
            f"arn:aws:bedrock:us-west-2:{account}:inference-profile/global.{opus}",
            west,
            chat,
            3,
            cache=True,
            billed=opus,
            billed_routing="global",
        ),
        Route(
            _app_profile(account, "us-east-1", 0),
            east,
            chat,
            6,
            cache=True,
            billed=sonnet,
            billed_routing="geo",
        ),
        Route(_app_profile(account, "us-west-2", 1), west, chat, 4, billed=pro),
        Route(
            f"arn:aws:bedrock:us-east-1:{account}:provisioned-model/pt{account[:4]}abcdef",
            ("us-east-1",),
            ("InvokeModel",),
            0.5,
        ),
    ]


def _app_profile(account: str, region: str, n: int) -> str:
    return (
        f"arn:aws:bedrock:{region}:{account}:application-inference-profile/{account[-6:]}app{n:03d}"
    )


def profile_rows() -> list[tuple[str, str]]:
    """What each sample application profile was created from (the profiles CSV)."""
    rows = []
    for account in ACCOUNTS:
        rows.append(
            (_app_profile(account, "us-east-1", 0), "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
        )
        rows.append(
            (
                _app_profile(account, "us-west-2", 1),
                "arn:aws:bedrock:us-west-2::foundation-model/amazon.nova-pro-v1:0",
            )
        )
    return rows


# The synthetic CUR's tags (sample/cur.py): cost allocation tags of the two application profiles
# (by the profile's number) and the IAM principal tags of the sample's roles and users. `tenant`
# is also a requestMetadata key of the logs: the two are kept apart (docs/reconciliation.md).
PROFILE_TAGS = {
    0: {"user:application": "support-assistant", "user:tenant": "acme"},
    1: {"user:application": "catalogue-search", "user:tenant": "globex"},
}
PRINCIPAL_TAGS = {
    "SupportBotRole": {"team": "support", "cost-center": "CC-1001"},
    "SearchServiceRole": {"team": "search", "cost-center": "CC-2040"},
    "DataPipelineRole": {"team": "data", "cost-center": "CC-3300"},
    "teams/ml/bob": {"team": "ml"},
    "carol": {"team": "finance"},
}


def bill_tags(principal: str | None, resource: str | None) -> dict[str, str]:
    """The tags AWS would put on the CUR line of this principal's use of this resource."""
    tags: dict[str, str] = {}
    if resource and "application-inference-profile/" in resource:
        tags.update(PROFILE_TAGS[int(resource[-3:])])
    if principal:
        name = principal.split(":", 5)[-1].split("/", 1)[-1]  # role/session or user path
        role = name.split("/", 1)[0] if principal.startswith("arn:aws:sts") else name
        tags.update({f"iamPrincipal/{k}": v for k, v in PRINCIPAL_TAGS.get(role, {}).items()})
    return tags
