"""The readable page of one run's quality results (self-contained HTML, no network)."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any


def render_html(data: Mapping[str, Any]) -> str:
    """A small self-contained page of one run's quality results."""
    rows = "\n".join(result_row(r) for r in data["results"])
    title = f"bedrock-costs quality — {data['job']} — run {data['run_id']}"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{QUALITY_CSS}</style></head>
<body><h1>{html.escape(title)}</h1>
<p class="status {data["status"]}">{html.escape(data["status"].upper())}: {data["checks"]} checks,
{len(data["failed"])} failed, {len(data["warned"])} warned
(great_expectations {html.escape(data["great_expectations_version"])})</p>
{quality_table(rows)}
</body></html>
"""


QUALITY_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#1d2733}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #dde3ea;padding:4px 8px;
text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
.passed{color:#1a7f37}.warned{color:#9a6700}.failed{color:#cf222e}.status{font-weight:600}
"""


def quality_table(rows: str) -> str:
    return (
        '<table class="quality"><thead><tr><th>table</th><th>check</th><th>policy</th>'
        "<th>result</th><th>rows</th><th>unexpected</th><th>examples</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def result_row(result: Mapping[str, Any]) -> str:
    outcome = (
        "passed" if result["success"] else ("failed" if result["policy"] == "fail" else "warned")
    )
    examples = result.get("error") or ", ".join(str(v) for v in result.get("examples") or [])
    count = result.get("element_count")
    unexpected = result.get("unexpected_count")
    return (
        f"<tr><td>{html.escape(result['table'])}</td>"
        f'<td title="{html.escape(result["expectation"])}">{html.escape(result["name"])}'
        f"<br><small>{html.escape(result['description'])}</small></td>"
        f'<td>{result["policy"]}</td><td class="{outcome}">{outcome}</td>'
        f'<td class="n">{"" if count is None else f"{count:,}"}</td>'
        f'<td class="n">{"" if unexpected is None else f"{unexpected:,}"}</td>'
        f"<td>{html.escape(examples)}</td></tr>"
    )
