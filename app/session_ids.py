"""Session ids a surface owns. A Slack thread is the session `slack:<team>:<channel>:<ts>`
(app/slack/events.py), created by the Slack surface for whoever starts the thread; if a REST
caller could take such an id first, the thread's own asker would be locked out of it. So REST
refuses ids in a surface's namespace (422), the same way for every caller.
"""

from __future__ import annotations

SURFACE_PREFIXES = {"slack:": "Slack"}


def reserved_by(session_id: str) -> str | None:
    """The surface that owns `session_id`'s namespace, or None when any caller may use it."""
    return next((name for prefix, name in SURFACE_PREFIXES.items() if session_id.startswith(prefix)), None)
