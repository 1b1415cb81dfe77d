"""Where scheduled answers and alerts go: a `Deliverer` (Slack when SLACK_BOT_TOKEN is set).

Reports are Markdown, as the model writes them. Slack gets them as mrkdwn, like answers in a thread,
and a report too long for one message is posted as its beginning with the whole attached as a file
(see app/slack/delivery.py); a report with a chart gets its PNG after the text (app/slack/charts.py)."""

from __future__ import annotations

from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from app.slack.charts import post_chart
from app.slack.delivery import Attachment, deliver
from app.slack.mrkdwn import to_mrkdwn
from app.slack.progress import ThreadMessage
from core.settings import Settings


class DeliveryFailed(Exception):
    """The message could not be delivered; the text says where and why."""


class Deliverer(Protocol):
    async def deliver(self, channel: str, text: str, chart: dict[str, Any] | None = None) -> None:
        """Post `text` (Markdown) to `channel`, then `chart` (a Vega-Lite spec) as a PNG; raises
        DeliveryFailed when the text could not be posted (a chart that fails is only logged)."""


class SlackDeliverer:
    """Posts through slack_sdk to SLACK_API_URL (a fake server in tests)."""

    def __init__(self, token: str, base_url: str) -> None:
        self.client = AsyncWebClient(token=token, base_url=base_url)

    async def deliver(self, channel: str, text: str, chart: dict[str, Any] | None = None) -> None:
        try:
            message = ThreadMessage(self.client, channel, None)
            await deliver(message, to_mrkdwn(text), Attachment("report.md", text, "report"))
            if chart:
                await post_chart(message, chart)
        except SlackApiError as exc:
            raise DeliveryFailed(
                f"Slack refused the message to {channel}: {exc.response.get('error')}"
            ) from None
        except (OSError, aiohttp.ClientError) as exc:
            raise DeliveryFailed(f"Slack is unreachable at {self.client.base_url}: {exc}") from None


def make_deliverer(settings: Settings) -> Deliverer | None:
    """Slack when SLACK_BOT_TOKEN is set, otherwise None (reports are still stored)."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    return SlackDeliverer(token, settings.slack_api_url) if token else None
