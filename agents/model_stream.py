"""Server-sent events of a chat completion stream, decoded into the JSON objects they carry.

Fed the response body as it arrives (any split, even inside a line or a UTF-8 character); hands
back each event's parsed `data` (other fields, e.g. `event:`, carry nothing a chat stream needs),
stops at `[DONE]`, and raises ModelStreamError for an event whose data is an `error` (a server
that failed after the stream had begun). Lines end in LF or CRLF, as every
OpenAI-compatible server sends them.
"""

from __future__ import annotations

import json
from typing import Any

from agents.model_errors import ModelStreamError

STREAM_ERROR = "An error occurred during streaming"
_parse = json.JSONDecoder().decode  # on str: json.loads would sniff the bytes' encoding each time


class EventDecoder:
    def __init__(self) -> None:
        self.done = False  # `[DONE]` seen: nothing after it is read
        self._rest = b""  # an unfinished line
        self._data: list[bytes] = []  # the `data:` lines of the event being read

    def feed(self, chunk: bytes) -> list[Any]:
        """The events completed by `chunk`, their data parsed as JSON (a malformed one raises)."""
        lines = (self._rest + chunk).split(b"\n")
        self._rest = lines.pop()
        found: list[Any] = []
        for line in lines:
            if self.done:
                break
            if line.endswith(b"\r"):
                line = line[:-1]
            if not line:
                self._dispatch(found)
            elif line.startswith(b"data:"):
                self._data.append(line[6:] if line[5:6] == b" " else line[5:])
        return found

    def _dispatch(self, found: list[Any]) -> None:
        data, self._data = self._data, []
        if not data:
            return
        raw = data[0] if len(data) == 1 else b"\n".join(data)
        if raw.startswith(b"[DONE]"):
            self.done = True
            return
        parsed = _parse(raw.decode())
        if isinstance(parsed, dict) and parsed.get("error"):
            raise ModelStreamError(_message(parsed.get("error")))
        found.append(parsed)


def _message(error: object) -> str:
    message = error.get("message") if isinstance(error, dict) else None
    return message if isinstance(message, str) and message else STREAM_ERROR
