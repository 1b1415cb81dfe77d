"""What happens when a person rates an answer (REST, Slack, CLI all come here).

- Every 👍/👎 is stored with the run, the person and the SQL that ran (db/store/feedback.py).
- A 👍 on an answer whose SQL ran saves that SQL as a validated query, as LEARNING_MODE_QUERIES
  says: `propose` (default) serves its author at once and everyone else once the data team approves
  it; `agentic` makes it live for everyone; `off` saves nothing.
- A 👎 with a comment, or a correcting reply in the Slack thread, becomes a learning for that
  person through one fixed model call (agents/corrections.py), linked to the run; their next
  question finds it through the learnings step of the context.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass

from agents.corrections import Correcting, Correction, as_said, make_correction
from agents.model import create_model_client
from agents.scope import Deps
from core.errors import Conflict, DashError
from db.knowledge.documents import save_query
from db.knowledge.learnings import CreatedBy, Learning, namespace_for, save_learning
from db.knowledge.proposals import Proposal, propose_query
from db.store.feedback import Feedback, RatedRun, Rating, link_outcome, rated_run, record_feedback

log = logging.getLogger(__name__)
CORRECTIONS_AGENT = "corrections"  # who created a correction learning: the system step, not an agent
FEEDBACK_AGENT = "feedback"  # who proposed a query: a person's 👍, through the system


class RunStillRunning(Conflict):
    def __init__(self, run_id: str) -> None:
        super().__init__(
            f"Run {run_id} has no answer yet: rate it once it has finished.", detail={"run_id": run_id}
        )


@dataclass(frozen=True)
class Outcome:
    """The stored feedback and what the system made of it."""

    feedback: Feedback
    learning: Learning | None = None
    query_id: int | None = None
    proposal_id: int | None = None


async def give_feedback(
    deps: Deps, user_id: str, run_id: str, rating: Rating, comment: str = "", source: str = "rest"
) -> Outcome | None:
    """Store the feedback and act on it; None when the run is not the user's.

    Raises RunStillRunning for a run that has no answer yet (queued or running)."""
    engine = deps.store.engine
    run = await asyncio.to_thread(rated_run, engine, user_id, run_id)
    if run is None:
        return None
    if run.status in ("queued", "running"):
        raise RunStillRunning(run_id)
    feedback = await asyncio.to_thread(record_feedback, engine, user_id, run_id, rating, comment, source)
    if feedback is None:  # its session was deleted a moment ago
        return None
    return await _act_on(deps, run, feedback)


async def _act_on(deps: Deps, run: RatedRun, feedback: Feedback) -> Outcome:
    """👍 with SQL that ran: keep the query; 👎 with a comment: learn from it; otherwise only stored."""
    if feedback.rating is Rating.up and run.sql and deps.settings.learning_mode_queries != "off":
        query_id, proposal_id = await asyncio.to_thread(keep_query, deps, run)
        linked = await asyncio.to_thread(
            link_outcome, deps.store.engine, feedback.id, query_id=query_id, proposal_id=proposal_id
        )
        return Outcome(linked, None, query_id, proposal_id)
    if feedback.rating is Rating.down and feedback.comment:
        return await _learn(deps, run, feedback, await correction_of(deps, run, feedback.comment))
    return Outcome(feedback)


async def correct_in_thread(deps: Deps, user_id: str, run_id: str, reply: str) -> Outcome | None:
    """A thread reply the cheap rule picked: a learning and a 👎 when the model agrees it corrects
    the run; None when it is not a correction (or the run is not the user's)."""
    run = await asyncio.to_thread(rated_run, deps.store.engine, user_id, run_id)
    if run is None:
        return None
    correction = await correction_of(deps, run, reply)
    if correction is None:
        return None
    feedback = await asyncio.to_thread(
        record_feedback, deps.store.engine, user_id, run_id, Rating.down, reply, "slack"
    )
    assert feedback is not None
    return await _learn(deps, run, feedback, correction)


async def correction_of(deps: Deps, run: RatedRun, words: str) -> Correction | None:
    """The fixed model call; the words as said when no model answers (a correction is never lost)."""
    case = Correcting(run.question, run.answer, run.sql, words)
    if not deps.settings.model_configured:
        return as_said(case)
    client = deps.client or create_model_client(deps.settings)
    try:
        return await make_correction(client, deps.settings, case)
    except DashError as exc:
        log.warning("the correction could not be summarised by the model, kept as said: %s", exc)
        return as_said(case)
    finally:
        if deps.client is None:
            await client.close()


async def _learn(deps: Deps, run: RatedRun, feedback: Feedback, correction: Correction | None) -> Outcome:
    if correction is None:
        return Outcome(feedback)
    learning = await asyncio.to_thread(save_correction, deps, run, correction)
    linked = await asyncio.to_thread(link_outcome, deps.store.engine, feedback.id, learning_id=learning.id)
    return Outcome(linked, learning)


def save_correction(deps: Deps, run: RatedRun, correction: Correction) -> Learning:
    """The learning in the person's own namespace, naming the system step, the person and the run."""
    return save_learning(
        deps.engines.service,
        deps.embedder,
        title=correction.title,
        learning=correction.learning,
        context=f"Correction of the answer to: {run.question}",
        tags=["correction"],
        namespace=namespace_for(run.user_id),
        created_by=CreatedBy(agent=CORRECTIONS_AGENT, user=run.user_id, run=run.run_id),
    ).learning


def keep_query(deps: Deps, run: RatedRun) -> tuple[int, int | None]:
    """The answer's final statement as a validated query: (document id, proposal id or None when
    LEARNING_MODE_QUERIES=agentic made it live at once)."""
    by = CreatedBy(agent=FEEDBACK_AGENT, user=run.user_id, run=run.run_id)
    name, description, sql = query_name(run.run_id), run.question[:500], run.sql[-1]
    engine, embedder = deps.engines.service, deps.embedder
    if deps.settings.learning_mode_queries == "agentic":
        return save_query(engine, embedder, name=name, description=description, sql=sql, created_by=by), None
    proposal = propose_query(engine, embedder, name=name, description=description, sql=sql, created_by=by)
    _tell_reviewers(deps, proposal)
    return proposal.item_id, proposal.id


def _tell_reviewers(deps: Deps, proposal: Proposal) -> None:
    """E.g. post it to the Slack review channel; the proposal stands if that fails."""
    if deps.on_proposed is None:
        return
    try:
        deps.on_proposed(proposal)
    except Exception:
        log.exception("could not tell the reviewers of proposal %s", proposal.id)


def query_name(run_id: str) -> str:
    """One name per rated run: rating it again updates the same proposal."""
    return "answer_" + re.sub(r"[^a-z0-9]+", "_", run_id.lower()).strip("_")
