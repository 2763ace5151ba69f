"""Whole numbers as users type them: ASCII digits only, bounded.

`str.isdigit` accepts '²' and other Unicode digits (int() then raises), and nothing bounds
Python's int: a value beyond a bigint passed validation and crashed the Spark job that used it.
"""

from __future__ import annotations

import re

# what a Spark/Iceberg bigint column holds
BIGINT_LIMIT = 2**63
_DIGITS = re.compile(r"[0-9]+")


def whole_number(text: str, *, below: int = BIGINT_LIMIT) -> int | None:
    """The number `text` spells in ASCII digits when it is below `below`, else None."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value < below else None
