"""JSON as people like to review it: indented, with short lists and flat objects (a column) on one line."""

from __future__ import annotations

import json
from typing import Any

WIDTH = 110


def dumps(value: Any) -> str:
    return _format(value, 0) + "\n"


def _format(value: Any, indent: int) -> str:
    flat = json.dumps(value, ensure_ascii=False)
    if not isinstance(value, dict | list) or not value or indent + len(flat) <= WIDTH or _flat_object(value):
        return flat
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, list):
        items = [inner + _format(item, indent + 2) for item in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    fields = [
        f"{inner}{json.dumps(k, ensure_ascii=False)}: {_format(v, indent + 2)}" for k, v in value.items()
    ]
    return "{\n" + ",\n".join(fields) + f"\n{pad}}}"


def _flat_object(value: Any) -> bool:
    """An object of scalars and lists of scalars (a column, its statistics) reads best on one line."""
    return isinstance(value, dict) and all(_scalars(v) for v in value.values())


def _scalars(value: Any) -> bool:
    if isinstance(value, list):
        return not any(isinstance(v, dict | list) for v in value)
    return not isinstance(value, dict)
