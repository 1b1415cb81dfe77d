"""Slack: DMs, @mentions and thread replies answered by the team, at `POST /slack/events`; review
buttons (app/slack/review.py) at `POST /slack/interactions`.

`build_slack(settings, runner)` (called in the lifespan) returns a `SlackBot` when SLACK_BOT_TOKEN
and SLACK_SIGNING_SECRET are set, else None; the route then answers 404.
"""

from __future__ import annotations

import json
import time

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

from agents.runner import Runner
from app import metrics
from app.errors import error_body
from app.slack.bot import SlackBot
from app.slack.verify import refusal
from core.errors import NotFound
from core.settings import Settings

__all__ = ["SlackBot", "build_slack", "router"]

router = APIRouter(tags=["slack"])


def build_slack(settings: Settings, runner: Runner) -> SlackBot | None:
    if not settings.slack_enabled:
        return None
    assert settings.slack_bot_token is not None and settings.slack_signing_secret is not None
    return SlackBot(
        runner,
        settings.slack_bot_token.get_secret_value(),
        settings.slack_signing_secret.get_secret_value(),
        settings.slack_api_url,
    )


@router.post("/slack/events", summary="Slack Events API endpoint (signed by Slack)", include_in_schema=False)
async def slack_events(request: Request) -> Response:
    bot: SlackBot | None = getattr(request.app.state, "slack", None)
    if bot is None:
        raise NotFound("Slack is not enabled: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.")
    refused = refusal(request.headers, await request.body(), bot.signing_secret, time.time())
    if refused is not None:
        raise refused.error()
    with metrics.slack_ack():
        return _in_dash_shape(await AsyncSlackRequestHandler(bot.app).handle(request))


@router.post(
    "/slack/interactions", summary="Slack interactivity endpoint (signed by Slack)", include_in_schema=False
)
async def slack_interactions(request: Request) -> Response:
    """Button clicks (Approve/Reject on a proposal in SLACK_REVIEW_CHANNEL), handled by Bolt."""
    bot: SlackBot | None = getattr(request.app.state, "slack", None)
    if bot is None:
        raise NotFound("Slack is not enabled: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.")
    refused = refusal(request.headers, await request.body(), bot.signing_secret, time.time(), form=True)
    if refused is not None:
        raise refused.error()
    return _in_dash_shape(await AsyncSlackRequestHandler(bot.app).handle(request))


def _in_dash_shape(response: Response) -> Response:
    """Bolt's own refusals (e.g. 404 for an event no listener takes) in Dash's one error shape."""
    if response.status_code < 400:
        return response
    try:
        said = json.loads(bytes(response.body)).get("error", "")
    except (ValueError, AttributeError):
        said = ""
    code = {401: "unauthorized", 404: "not_found"}.get(response.status_code, "http_error")
    message = f"Slack request not handled{': ' + said if said else ''}."
    return JSONResponse(error_body(code, message), status_code=response.status_code)
