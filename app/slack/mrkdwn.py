"""Markdown (as the model writes it) to Slack mrkdwn: bold, headings, links, tables; and how
much of it fits in one message."""

from __future__ import annotations

import re

# Slack advises at most 4,000 characters a message (longer ones are cut or refused); this leaves room.
MAX_CHARS = 3500
BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")
LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def to_mrkdwn(markdown: str) -> str:
    """The answer as Slack shows it, whole (see `shorten` for what fits in one message)."""
    blocks, in_code = [], False
    for line in _tables_to_code(markdown.splitlines()):
        if line.startswith("```"):
            in_code = not in_code
        blocks.append(line if in_code or line.startswith("```") else _inline(line))
    return "\n".join(blocks)


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


def fits(text: str, limit: int = MAX_CHARS) -> bool:
    return len(text) <= limit


def shorten(text: str, note: str, limit: int = MAX_CHARS) -> str:
    """The beginning of `text` and then `note`, in at most `limit` characters.

    Cut at a line break when one is in the second half, so no row or sentence is split; an open
    code block is closed so the note does not land inside it.
    """
    if fits(text, limit):
        return text
    cut = text[: limit - len(note) - len("\n```\n")]
    line_end = cut.rfind("\n")
    if line_end > len(cut) // 2:
        cut = cut[:line_end]
    if cut.count("```") % 2:
        cut += "\n```"
    return f"{cut}\n{note}"


def sql_script(statements: tuple[str, ...] | list[str]) -> str:
    """The SQL that ran as a script: one statement after another, each ending in `;`."""
    return "\n\n".join(s.strip().rstrip(";") + ";" for s in statements)


def sql_block(statements: tuple[str, ...] | list[str]) -> str:
    """The SQL that ran, as one code block for a follow-up message (whole; may need `shorten`)."""
    return f"SQL that ran:\n```\n{sql_script(statements)}\n```"
