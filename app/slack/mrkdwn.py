"""Markdown (as the model writes it) to Slack mrkdwn: bold, headings, links, tables, length."""

from __future__ import annotations

import re

MAX_CHARS = 3500
TRUNCATED = "\n_(answer truncated; the full text is in the Dash session)_"
BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")
LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def to_mrkdwn(markdown: str, limit: int = MAX_CHARS) -> str:
    """The answer as Slack shows it, at most `limit` characters (a note says when it was cut)."""
    blocks, in_code = [], False
    for line in _tables_to_code(markdown.splitlines()):
        if line.startswith("```"):
            in_code = not in_code
        blocks.append(line if in_code or line.startswith("```") else _inline(line))
    return truncate("\n".join(blocks), limit)


def _inline(line: str) -> str:
    heading = HEADING.match(line)
    if heading:
        line = f"**{heading.group(1).strip('*')}**"
    line = BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", line)
    return LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", line)


def _tables_to_code(lines: list[str]) -> list[str]:
    """Markdown tables become aligned code blocks (Slack has no tables)."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _is_row(lines[i]) and i + 1 < len(lines) and TABLE_RULE.match(lines[i + 1].strip()):
            rows = [_cells(lines[i])]
            i += 2
            while i < len(lines) and _is_row(lines[i]):
                rows.append(_cells(lines[i]))
                i += 1
            out.extend(["```", *_aligned(rows), "```"])
        else:
            out.append(lines[i])
            i += 1
    return out


def _is_row(line: str) -> bool:
    return line.strip().startswith("|") and line.strip().count("|") >= 2


def _cells(line: str) -> list[str]:
    return [c.strip().replace("**", "") for c in line.strip().strip("|").split("|")]


def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[c]) if c < len(r) else 0 for r in rows) for c in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=False)).rstrip() for r in rows]


def truncate(text: str, limit: int = MAX_CHARS) -> str:
    """`text`, cut to `limit` characters with a note; an open code block is closed."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(TRUNCATED) - 4]
    if cut.count("```") % 2:
        cut += "\n```"
    return cut + TRUNCATED


def sql_block(statements: tuple[str, ...] | list[str], limit: int = MAX_CHARS) -> str:
    """The SQL that ran, as one code block for a follow-up message."""
    body = "\n\n".join(s.strip().rstrip(";") + ";" for s in statements)
    return truncate(f"SQL that ran:\n```\n{body}\n```", limit)
