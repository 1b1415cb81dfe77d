"""The ids a log line is about (run, session, user), carried in context variables.

Whoever learns an id binds it (`bind(run_id=...)`): the agents when a run starts, the API when it
knows the caller. Context variables follow the work into the tasks and threads it starts, so
every log line of a run carries its ids; `app.logs` puts them into each JSON line.
"""

from __future__ import annotations

from contextvars import ContextVar

FIELDS = ("run_id", "session_id", "user_id")
_VARS: dict[str, ContextVar[str | None]] = {name: ContextVar(name, default=None) for name in FIELDS}


def bind(**ids: str | None) -> None:
    """Set some of run_id, session_id and user_id for the current context (and what it starts)."""
    for name, value in ids.items():
        _VARS[name].set(value)


def current() -> dict[str, str]:
    """The ids bound here, leaving out the unset ones."""
    return {name: value for name, var in _VARS.items() if (value := var.get()) is not None}
