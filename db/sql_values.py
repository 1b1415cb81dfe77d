"""Turn database values into JSON-safe ones, and bound how much of a result reaches a model."""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from decimal import Decimal
from typing import Any

MAX_CELL_CHARS = 2_000
# Decimals with more significant digits than a float holds exactly are kept as strings.
FLOAT_DIGITS = 15


def json_safe(row: tuple[Any, ...] | list[Any]) -> tuple[Any, ...]:
    """One row, every value converted by `value()`."""
    return tuple(value(v) for v in row)


def value(v: Any) -> Any:
    """A JSON-safe equivalent of a value psycopg returned."""
    if v is None or isinstance(v, bool | int | str):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else str(v)
    if isinstance(v, Decimal):
        return _decimal(v)
    if isinstance(v, dt.datetime | dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return _interval(v)
    if isinstance(v, bytes | bytearray | memoryview):
        return "base64:" + base64.b64encode(bytes(v)).decode("ascii")
    if isinstance(v, dict):
        return {str(k): value(x) for k, x in v.items()}
    if isinstance(v, list | tuple | set | frozenset):
        return [value(x) for x in v]
    return str(v)  # UUID, IP addresses, ranges, enums and anything else with a text form


def _decimal(d: Decimal) -> int | float | str:
    if not d.is_finite():
        return str(d)
    if d == d.to_integral_value() and abs(d) < 10**FLOAT_DIGITS:
        return int(d)
    return float(d) if len(d.as_tuple().digits) <= FLOAT_DIGITS else str(d)


def _interval(td: dt.timedelta) -> str:
    """Postgres-style text ("3 days 04:05:06") that people and models read correctly."""
    sign = "-" if td < dt.timedelta(0) else ""
    td = abs(td)
    hours, rest = divmod(td.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}" + (
        f".{td.microseconds:06d}" if td.microseconds else ""
    )
    days = f"{td.days} day{'s' if td.days != 1 else ''} " if td.days else ""
    return f"{sign}{days}{clock}"


def cap_rows(rows: list[tuple[Any, ...]], max_chars: int) -> tuple[list[tuple[Any, ...]], bool]:
    """Keep whole rows while their JSON stays under `max_chars`; clip very long cells.

    Returns the rows kept and whether anything was cut.
    """
    kept: list[tuple[Any, ...]] = []
    used, cut = 2, False  # counted as json.dumps renders a list of rows: "[" row ", " row "]"
    for row in rows:
        clipped = tuple(_clip(v) for v in row)
        cut = cut or clipped != row
        used += len(json.dumps(clipped, default=str)) + 2
        if used > max_chars:
            return kept, True
        kept.append(clipped)
    return kept, cut


def _clip(v: Any) -> Any:
    if isinstance(v, str) and len(v) > MAX_CELL_CHARS:
        return v[:MAX_CELL_CHARS] + f"... [{len(v) - MAX_CELL_CHARS} more characters]"
    return v
