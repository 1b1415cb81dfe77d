"""`dash knowledge draft --describe`: ask the model to propose descriptions a person then reviews.

Only empty descriptions are filled, and every filled one is listed under `drafted` (`table_description`,
`table_columns.<name>.description`) so `dash knowledge validate` keeps pointing at it until a person
has read it and taken it off the list. The model sees the table's name, columns, types and profile
facts (value lists, ranges); personal-data columns have no values in a profile to begin with.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from agents.model import complete, create_model_client, json_object
from core.settings import Settings
from db.knowledge.draft import Describe

INSTRUCTIONS = (
    "You document database tables for analysts. Given a table, its columns and measured facts, propose"
    " a one- or two-sentence description of what one row is and what the table is for, and a short"
    " description of each listed column. Do not invent business rules you cannot see. Answer with JSON"
    ' only: {"table_description": "...", "columns": {"<column>": "..."}}.'
)


def make_describer(settings: Settings) -> Describe:
    """A function that fills a table file's empty descriptions with the model's proposals."""

    def describe(value: dict[str, Any]) -> dict[str, Any]:
        missing = undescribed(value)
        if not missing:
            return value
        answer = asyncio.run(_ask(settings, describe_prompt(value, missing)))
        return apply_proposals(value, json_object(answer))

    return describe


def undescribed(value: dict[str, Any]) -> list[str]:
    """Field paths still empty: `table_description`, `table_columns.<name>.description`."""
    paths = [] if value.get("table_description", "").strip() else ["table_description"]
    paths += [
        f"table_columns.{c['name']}.description"
        for c in value.get("table_columns", [])
        if not str(c.get("description", "")).strip()
    ]
    return paths


def describe_prompt(value: dict[str, Any], missing: list[str]) -> str:
    stats = (value.get("profile") or {}).get("columns", {})
    lines = [f"Table: {value['table_name']}"]
    if value.get("table_description", "").strip():
        lines.append(f"Description (keep): {value['table_description']}")
    for column in value.get("table_columns", []):
        facts = {k: v for k, v in (stats.get(column["name"]) or {}).items() if k in ("values", "min", "max")}
        lines.append(f"- {column['name']} ({column['type']}) {json.dumps(facts) if facts else ''}".rstrip())
    lines.append("Describe: " + ", ".join(missing))
    return "\n".join(lines)


async def _ask(settings: Settings, prompt: str) -> str:
    client = create_model_client(settings)
    messages = [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": prompt}]
    try:
        return await complete(client, settings, messages)
    finally:
        await client.close()


def apply_proposals(value: dict[str, Any], proposals: dict[str, Any]) -> dict[str, Any]:
    """Fill only empty fields, recording each under `drafted`; what people wrote is never touched."""
    out = {**value, "table_columns": [dict(c) for c in value.get("table_columns", [])]}
    drafted = list(value.get("drafted", []))
    table = proposals.get("table_description")
    if isinstance(table, str) and table.strip() and not out.get("table_description", "").strip():
        out["table_description"] = table.strip()
        drafted.append("table_description")
    found = proposals.get("columns")
    columns: dict[str, Any] = found if isinstance(found, dict) else {}
    for column in out["table_columns"]:
        proposal = columns.get(column["name"])
        if isinstance(proposal, str) and proposal.strip() and not str(column.get("description", "")).strip():
            column["description"] = proposal.strip()
            drafted.append(f"table_columns.{column['name']}.description")
    if drafted:
        out["drafted"] = list(dict.fromkeys(drafted))
    return out
