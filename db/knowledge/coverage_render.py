"""Measured data coverage as a few prompt lines: most relevant first, capped for big warehouses."""

from __future__ import annotations

import re
from datetime import UTC

from db.knowledge.coverage import DATE_COLUMNS_SHOWN, Coverage, DateRange, TableCoverage


def coverage_lines(coverage: Coverage, question: str, limit: int) -> list[str]:
    """One line per relation: those the question names first, then the largest; at most `limit`
    lines, then a note of how many more there are."""
    if not coverage.tables:
        return ["No table or view has been measured yet: check dates with SQL before you rely on them."]
    words = {singular(w) for w in re.findall(r"[a-z0-9]+", question.lower())}
    ranked = sorted(coverage.tables, key=lambda t: (-relevance(t, words), -(t.row_count or 0), t.qualified))
    lines = [table_line(t) for t in ranked[:limit]]
    if len(ranked) > limit:
        lines.append(f"- ... and {len(ranked) - limit} more tables and views (list_tables shows them all)")
    at = coverage.measured_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if coverage.measured_at else "?"
    return [f"Measured from the data at {at}: rows, and first .. last value of each date column.", *lines]


def relevance(table: TableCoverage, words: set[str]) -> float:
    """The share of the table name's words the question uses (singular or plural): "orders" names
    `orders` fully and `order_lines` half."""
    parts = [singular(p) for p in re.split(r"[^a-z0-9]+", table.name.lower()) if p]
    return sum(1 for p in parts if p in words) / len(parts) if parts else 0.0


def singular(word: str) -> str:
    """A rough English singular, enough to match "salary" with salaries and "order" with orders."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def table_line(table: TableCoverage) -> str:
    if table.error:
        return f"- {table.qualified} ({table.kind}): not measured ({table.error})"
    if not table.row_count:
        return (
            f"- {table.qualified}: empty" if table.row_count == 0 else f"- {table.qualified}: no rows counted"
        )
    about = "about " if table.rows_estimated else ""
    parts = [f"{about}{table.row_count:,} rows"]
    parts += [date_range(d) for d in table.dates[:DATE_COLUMNS_SHOWN]]
    if len(table.dates) > DATE_COLUMNS_SHOWN:
        parts.append(f"{len(table.dates) - DATE_COLUMNS_SHOWN} more date columns")
    view = "" if table.kind == "table" else f" ({table.kind})"
    return f"- {table.qualified}{view}: " + "; ".join(parts)


def date_range(d: DateRange) -> str:
    if d.min is None:
        return f"{d.column} always empty"
    about = "about " if d.approximate else ""
    return f"{d.column} {about}{_day(d.min)} .. {_day(d.max)}"


def _day(value: str | None) -> str:
    # Days are the grain questions are asked in; the time of day would only lengthen the prompt.
    return (value or "?")[:10]
