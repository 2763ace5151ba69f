"""The shapes of model ids, inference-profile ids and ARNs the contract accepts (CONTRACT §3.1).

Regular expressions shared by the Spark resolution of logged ids and the Python validation of
the profiles and price files, so both accept exactly the same ids.
"""

from __future__ import annotations

from bedrock_costs.contract.vocabulary import GEO_PREFIXES, GLOBAL

_BEDROCK_ARN = r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:[0-9]*:"
FOUNDATION_MODEL_ARN = _BEDROCK_ARN + r"foundation-model/(.+)$"
INFERENCE_PROFILE_ARN = _BEDROCK_ARN + r"inference-profile/(.+)$"
APPLICATION_PROFILE_ARN = (
    r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:[0-9]{12}:application-inference-profile/[A-Za-z0-9]+$"
)
PLAIN_MODEL_ID = r"^[a-z0-9-]+\.[A-Za-z0-9][A-Za-z0-9._:-]*$"
GEO_PROFILE_ID = r"^(" + "|".join(GEO_PREFIXES) + r")\.(.+)$"  # group 2: the base model id
GLOBAL_PROFILE_ID = rf"^{GLOBAL}\.(.+)$"  # group 1: the base model id
# a base model id, or a system inference profile id (`us.<model>`, `global.<model>`)
SYSTEM_MODEL_ID = r"^((" + "|".join((*GEO_PREFIXES, GLOBAL)) + r")\.)?" + PLAIN_MODEL_ID[1:]
# a base model id as a price file names it: no routing prefix, no ARN
PRICED_MODEL_ID = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
REGION = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$"
