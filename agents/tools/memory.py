"""The `remember` tool: a fact or preference the user stated about themselves, kept for them only.

"I work on EMEA enterprise accounts", "amounts in EUR": saved to ai.user_memory under the asking
user and shown in that user's context from then on (agents.context.user_memory), never anyone else's.
"""

from __future__ import annotations

from collections.abc import Callable

from db.engines import Engines
from db.knowledge.learnings import CreatedBy
from db.knowledge.memory import remember


def memory_tool(engines: Engines, created_by: CreatedBy) -> Callable[..., str]:
    """`remember` bound to the asking user and run."""

    def remember_tool(fact: str) -> str:
        """Remember a fact or preference the user just stated about themselves or their work, for their
        later questions (only this user ever sees it). Use it only when the user states it.

        Args:
            fact: The fact in one short sentence, e.g. "Works on EMEA enterprise accounts" or "Wants amounts in EUR".
        """
        if not created_by.user:
            return "not remembered: this question has no user to remember it for"
        memory = remember(
            engines.service, created_by.user, fact, source="tool", agent=created_by.agent, run=created_by.run
        )
        return f"remembered for this user (memory #{memory.id}); they can see and delete it with `dash memory list`"

    remember_tool.__name__ = "remember"
    return remember_tool
