"""Billing and Price List model names to Bedrock model ids (pricing/model_names.csv).

Names are compared folded: lower-case, an "(Amazon Bedrock Edition)" suffix dropped, `+` read as
"plus", and all but letters and digits removed, so `Claude 3.7 Sonnet` and `Claude3.7Sonnet` are
one name, and `Command R+` (`Command R Plus`) is not `Command R`.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from bedrock_costs.io.csv_file import read_rows


def fold(name: str) -> str:
    name = re.sub(r"\(?amazon bedrock( edition)?\)?\s*$", "", name.strip(), flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]", "", name.lower().replace("+", "plus"))


def default_names_path() -> str:
    return str(resources.files("bedrock_costs").joinpath("pricing", "model_names.csv"))


@cache
def model_names(path: str | None = None) -> dict[str, str]:
    """Folded name -> model id; a name mapped to two models is an error, not a guess."""
    names: dict[str, str] = {}
    for row in read_rows(
        path or default_names_path(), required=("name", "model"), optional=("source",)
    ):
        key = fold(row.values["name"])
        model = row.values["model"]
        if names.get(key, model) != model:
            raise row.error("name", f"{row.values['name']!r} is already mapped to {names[key]}")
        names[key] = model
    return names
