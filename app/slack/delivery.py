"""Texts too long for one Slack message: the readable beginning in the thread, the whole as a file.

Slack cuts or refuses messages over a few thousand characters. Rather than lose the end of an
answer, Dash posts its beginning with a note and attaches the full text to the thread through
Slack's upload flow (files.getUploadURLExternal, POST the bytes to the upload URL it returns,
files.completeUploadExternal into the channel and thread; `files_upload_v2` runs the three). That
needs the `files:write` scope. Without it, or when Slack fails, the message says it is truncated
and why: the user still gets exactly one answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError

from app.slack.mrkdwn import fits, shorten
from app.slack.progress import ThreadMessage

log = logging.getLogger(__name__)
ATTACHED = "_(this is the beginning of the {what}: the full {what} is attached below as `{filename}`)_"
NO_SCOPE = (
    "_(the {what} is truncated here: to get the full {what} as a file, an admin must add the"
    " `files:write` scope to the Dash Slack app and reinstall it)_"
)
NOT_ATTACHED = (
    "_(the {what} is truncated here: Slack did not take the full {what} as a file; it is in the"
    " Dash session)_"
)


@dataclass(frozen=True)
class Attachment:
    """The whole text as a file; `what` ("answer", "SQL") names it in the notes and the title."""

    filename: str
    content: str | bytes  # bytes: a picture (a chart's PNG)
    what: str
    title: str = ""  # default: "Full <what>"


async def deliver(message: ThreadMessage, text: str, attachment: Attachment) -> None:
    """Put `text` in `message`; when it does not fit, its beginning there and the whole as a file."""
    if fits(text):
        await message.put(text)
        return
    # The beginning goes out first: the reader has it while the file uploads, whatever happens.
    await message.put(shorten(text, ATTACHED.format(what=attachment.what, filename=attachment.filename)))
    error = await upload(message, attachment)
    if error is not None:
        note = NO_SCOPE if error == "missing_scope" else NOT_ATTACHED
        await message.put(shorten(text, note.format(what=attachment.what)))


async def upload(message: ThreadMessage, attachment: Attachment) -> str | None:
    """Attach the file to the message's thread: None when it is there, else why not (logged)."""
    try:
        await message.client.files_upload_v2(
            channel=message.channel,
            thread_ts=message.thread_ts,
            filename=attachment.filename,
            title=attachment.title or f"Full {attachment.what}",
            content=attachment.content,
        )
    except SlackApiError as exc:
        error = str(exc.response.get("error"))
        log.warning("Slack refused the file %s in %s: %s", attachment.filename, message.channel, error)
        return error
    except Exception:  # the upload URL unreachable, a malformed answer: the message still stands
        log.exception("Slack: could not upload the file %s to %s", attachment.filename, message.channel)
        return "upload_failed"
    return None
