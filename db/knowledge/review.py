"""What a person still has to do in a valid table file: warnings, never errors.

A draft leaves descriptions empty, a model's proposals wait under `drafted`, and a column dropped
from the table stays in the file (with its description) until a person removes it.
"""

from __future__ import annotations

from typing import Any

from db.knowledge.problems import Problem
from db.knowledge.schema import Path_, field_name


def table_warnings(value: dict[str, Any], file: str, lines: dict[Path_, int]) -> list[Problem]:
    """Warnings for a table file that passed validation."""
    found: list[tuple[Path_, str]] = []
    if not value["table_description"].strip():
        found.append((("table_description",), "no description yet: say what one row is and what it is for"))
    measured = (value.get("profile") or {}).get("columns")
    for index, column in enumerate(value["table_columns"]):
        if not column["description"].strip():
            found.append(
                (("table_columns", index, "description"), f"column {column['name']} has no description yet")
            )
        if isinstance(measured, dict) and column["name"] not in measured:
            found.append(
                (("table_columns", index, "name"), f"column {column['name']} is no longer in the table")
            )
    for index, drafted in enumerate(value.get("drafted", [])):
        found.append(
            (("drafted", index), f"{drafted} was drafted by a model: review it, then remove it from drafted")
        )
    return [_warning(file, lines, path, message) for path, message in found]


def _warning(file: str, lines: dict[Path_, int], path: Path_, message: str) -> Problem:
    line = lines.get(path) or lines.get(path[:-1]) or lines.get(path[:1]) or 1
    return Problem(file, line, field_name(path), message, severity="warning")
