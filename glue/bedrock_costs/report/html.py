"""The report page's small pieces: money and counts as shown, tables, sections, assets."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from html import escape
from importlib import resources
from typing import Any

PLACES = Decimal("0.000001")


def usd(value: str | Decimal | None, places: Decimal = PLACES) -> str:
    """Exact decimal text to a display string, rounded half-up (as the page's script does)."""
    if value is None:
        return "–"
    return f"{Decimal(value).quantize(places, rounding=ROUND_HALF_UP):,}"


def count(value: Any) -> str:
    return f"{int(value or 0):,}"


def asset(name: str) -> str:
    return (
        resources.files("bedrock_costs")
        .joinpath("report", "assets", name)
        .read_text(encoding="utf-8")
    )


def table(headers: list[str], rows: list[list[str]], numeric: set[int], table_id: str = "") -> str:
    if not rows:
        return '<p class="empty">none</p>'
    head = "".join(
        f'<th class="n">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="n">{escape(c)}</td>' if i in numeric else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    ident = f' id="{table_id}"' if table_id else ""
    return f"<table{ident}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def section(title: str, note: str, body: str, section_id: str) -> str:
    return (
        f'<section id="{section_id}"><h2>{escape(title)}</h2>'
        f'<p class="note">{escape(note)}</p>{body}</section>'
    )
