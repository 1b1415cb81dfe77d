"""The `save_learning` tool: what an agent found out (an error fix, a quirk) for next time.

Learnings are global by default, so the whole team benefits; `scope="user"` keeps one person's
preference to that person. Near-duplicates update the existing learning (db.knowledge.learnings).
A global learning follows LEARNING_MODE_LEARNINGS: `agentic` makes it live at once, `propose` queues
it for an admin (only this user finds it until approved), `off` saves nothing and says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from db.embeddings import Embedder
from db.engines import Engines
from db.knowledge.learnings import CreatedBy, namespace_for, save_learning
from db.knowledge.proposals import Proposal, propose_learning

Mode = Literal["agentic", "propose", "off"]
OFF = "not saved: saving shared learnings is turned off here (LEARNING_MODE_LEARNINGS=off); use scope='user' for {who}"
Notify = Callable[[Proposal], None]


def learning_tool(
    engines: Engines,
    embedder: Embedder,
    created_by: CreatedBy,
    mode: Mode = "agentic",
    notify: Notify | None = None,
) -> Callable[..., str]:
    """`save_learning` bound to the service engine, who is saving and the learning mode."""

    def save_learning_tool(
        title: str, learning: str, context: str = "", scope: Literal["global", "user"] = "global"
    ) -> str:
        """Save a learning: an error you fixed, a correction, or a data quirk worth remembering.

        Args:
            title: A short title naming the table or topic, e.g. "orders.status values".
            learning: The fact or the fix, stated so it helps the next question.
            context: The error or situation that taught you this.
            scope: global (everyone benefits) or user (only this user's preference).
        """
        if scope == "global" and mode == "off":
            return OFF.format(who="this user's own preference")
        if scope == "global" and mode == "propose":
            saved, proposal = propose_learning(
                engines.service,
                embedder,
                title=title,
                learning=learning,
                context=context,
                created_by=created_by,
            )
            if notify is not None:
                notify(proposal)
            return (
                f"proposed learning #{saved.learning.id} for review (proposal {proposal.id}): it applies to this"
                " user now and to everyone once an admin approves it"
            )
        user = created_by.user if scope == "user" else None
        saved = save_learning(
            engines.service,
            embedder,
            title=title,
            learning=learning,
            context=context,
            namespace=namespace_for(user),
            created_by=created_by,
        )
        verb = "saved" if saved.created else "updated existing"
        return f"{verb} learning #{saved.learning.id} ({saved.learning.namespace})"

    save_learning_tool.__name__ = "save_learning"
    return save_learning_tool
