"""`forget ...` in a DM to Dash: the user deletes what Dash remembers about them, without a question.

`forget everything`, `forget 12` (an id from `dash memory list` or the REST API) or `forget <words>`
(every fact of theirs containing those words). Only the sender's own memory is ever touched.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine

from db.knowledge.memory import forget, forget_everything, forget_matching

FORGET = re.compile(r"^\s*forget\b[\s:]*(.*)$", re.IGNORECASE | re.DOTALL)
HOW = "Say `forget everything`, `forget <id>` or `forget <words>` to delete what I remember about you."


def is_forget(text: str) -> bool:
    return FORGET.match(text) is not None


def forget_reply(engine: Engine, user_id: str, text: str) -> str:
    """Do what the `forget` message asks and say what was forgotten."""
    match = FORGET.match(text)
    what = match.group(1).strip().strip("\"'`") if match else ""
    if not what:
        return HOW
    if what.lower() in ("everything", "all", "all of it"):
        return (
            f"Done: I forgot everything I remembered about you ({forget_everything(engine, user_id)} facts)."
        )
    if what.lstrip("#").isdigit():
        memory_id = int(what.lstrip("#"))
        if forget(engine, user_id, memory_id):
            return f"Done: I forgot memory #{memory_id}."
        return f"I remember nothing of yours with id {memory_id}. {HOW}"
    gone = forget_matching(engine, user_id, what)
    if not gone:
        return f"I remember nothing of yours containing “{what}”. {HOW}"
    return "Done: I forgot " + "; ".join(f"#{m.id} “{m.fact}”" for m in gone) + "."
