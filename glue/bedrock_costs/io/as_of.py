"""`--as-of`: a point in a table's history, a snapshot id or a time (no Spark needed)."""

from __future__ import annotations

from argparse import ArgumentTypeError
from dataclasses import dataclass
from datetime import UTC, datetime

from bedrock_costs.contract.numbers import whole_number


@dataclass(frozen=True)
class AsOf:
    """A point in a table's history: a snapshot id, or a time (the snapshot current then)."""

    snapshot: int | None = None
    time: datetime | None = None

    @classmethod
    def parse(cls, text: str) -> AsOf:
        """`--as-of`: a snapshot id (digits) or an ISO-8601 time (UTC unless it says)."""
        snapshot = whole_number(text)
        if snapshot is not None:
            return cls(snapshot=snapshot)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:  # argparse's way for an option's type: usage and exit 2
            raise ArgumentTypeError(
                f"{text!r} is neither a snapshot id nor an ISO-8601 time"
            ) from None
        return cls(time=moment)

    def text(self) -> str:
        return str(self.snapshot) if self.snapshot is not None else f"{self.time}"

    def millis(self) -> int:
        """The time as epoch milliseconds (a time without a zone is UTC)."""
        if self.time is None:
            raise ValueError("a snapshot id, not a time")
        moment = self.time if self.time.tzinfo else self.time.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
