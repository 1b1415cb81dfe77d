"""Proposals reviewed in Slack: a message with Approve/Reject buttons in SLACK_REVIEW_CHANNEL.

The message is posted when an agent proposes (from the tool's worker thread, with the synchronous
Web API client). A click arrives at `/slack/interactions` as a Block Kit action; only Slack users
listed in SLACK_REVIEWERS may decide: the database records them as the reviewer, and the message is
updated to say who decided. Anyone else is told so in the thread and nothing changes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine

from core.settings import Settings
from db.knowledge.proposals import Proposal, decide, set_slack_message

log = logging.getLogger(__name__)
APPROVE, REJECT = "proposal_approve", "proposal_reject"
DECISIONS = {APPROVE: "approve", REJECT: "reject"}
POST_TIMEOUT_S = 10
BODY_CHARS = 2_500  # a section's text is limited to 3000 characters


def review_notifier(settings: Settings, engine: Engine) -> Callable[[Proposal], None] | None:
    """Posts each new proposal to the review channel; None when Slack or the channel is not set."""
    if not settings.slack_enabled or not settings.slack_review_channel:
        return None
    assert settings.slack_bot_token is not None
    # A short timeout: the agent's tool call waits for this post (a slow Slack must not stall the run).
    token = settings.slack_bot_token.get_secret_value()
    client = WebClient(token=token, base_url=settings.slack_api_url, timeout=POST_TIMEOUT_S)
    channel = settings.slack_review_channel

    def notify(proposal: Proposal) -> None:
        try:
            posted = client.chat_postMessage(
                channel=channel, text=summary(proposal), blocks=review_blocks(proposal)
            )
            set_slack_message(engine, proposal.id, str(posted["channel"]), str(posted["ts"]))
        except Exception:  # the proposal stands; it is still listed by REST and the CLI
            log.exception("Slack: could not post proposal %s to %s", proposal.id, channel)

    return notify


def summary(p: Proposal) -> str:
    return f"New proposed {p.item_kind} #{p.id} from {p.created_by_user or 'unknown'}: {p.title}"


def _details(p: Proposal) -> str:
    body = p.body if len(p.body) <= BODY_CHARS else p.body[: BODY_CHARS - 1] + "…"
    sql = f"\n```{p.sql[:BODY_CHARS]}```" if p.sql else ""
    origin = f"proposed by {p.created_by_agent or 'an agent'} for {p.created_by_user or 'unknown'}"
    return (
        f"*Proposed {p.item_kind} #{p.id}: {p.title}*\n{body}{sql}\n_{origin}, run {p.created_by_run or '-'}_"
    )


def review_blocks(p: Proposal) -> list[dict[str, Any]]:
    buttons = [
        {
            "type": "button",
            "action_id": APPROVE,
            "value": str(p.id),
            "style": "primary",
            "text": _plain("Approve"),
        },
        {
            "type": "button",
            "action_id": REJECT,
            "value": str(p.id),
            "style": "danger",
            "text": _plain("Reject"),
        },
    ]
    return [{"type": "section", "text": _mrkdwn(_details(p))}, {"type": "actions", "elements": buttons}]


def decided_blocks(p: Proposal) -> list[dict[str, Any]]:
    verdict = f"{p.status.capitalize()} by {p.reviewed_by} (undo: `dash proposals {_undo(p.status)} {p.id}`)"
    return [
        {"type": "section", "text": _mrkdwn(_details(p))},
        {"type": "context", "elements": [_mrkdwn(verdict)]},
    ]


def _undo(status: str) -> str:
    return "reject" if status == "approved" else "approve"


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


async def on_review_action(
    settings: Settings, engine: Engine, client: AsyncWebClient, body: dict[str, Any]
) -> None:
    """An Approve or Reject click: decided when the clicker is a reviewer, the message updated."""
    action = body["actions"][0]
    user, channel, ts = body["user"]["id"], body["channel"]["id"], body["message"]["ts"]
    if user not in settings.slack_reviewer_ids:
        note = (
            f"<@{user}> only the reviewers listed in SLACK_REVIEWERS may approve or reject: nothing changed."
        )
        await client.chat_postMessage(channel=channel, thread_ts=ts, text=note)
        return
    team = (body.get("team") or {}).get("id") or body["user"].get("team_id") or "T"
    proposal_id = int(action["value"]) if str(action.get("value", "")).isdigit() else 0
    decision = DECISIONS[action["action_id"]]
    decided = await asyncio.to_thread(decide, engine, proposal_id, decision, reviewer=f"slack:{team}:{user}")
    if decided is None:
        await client.chat_postMessage(
            channel=channel, thread_ts=ts, text=f"Proposal {proposal_id} no longer exists."
        )
        return
    text = f"{summary(decided)} — {decided.status} by <@{user}>"
    await client.chat_update(channel=channel, ts=ts, text=text, blocks=decided_blocks(decided))
