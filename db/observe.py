"""A tiny hook registry: the lower layers say what happened, whoever cares listens.

`db/` and `agents/` must not import `app/`, yet the Prometheus metrics (`app/metrics.py`) need to
hear about SQL statements, searches and model calls. So those layers call `emit(name, **fields)`,
and `app.metrics` registers its listeners with `listen(name, fn)`. With nobody listening, `emit`
is a dict lookup. A failing listener is logged and never breaks the work it observes.

Events: `sql` (role, decision, seconds), `search` (seconds), `model_call` (agent, model, outcome,
seconds, prompt_tokens, completion_tokens), `model_retry` (agent, model),
`run` (surface, outcome, seconds: a run ended, agents/runner.py).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)
Listener = Callable[..., None]
F = TypeVar("F", bound=Callable[..., Any])

_listeners: dict[str, list[Listener]] = {}


def listen(name: str, fn: Listener) -> None:
    """Call `fn(**fields)` on every `emit(name, ...)`; registering the same function twice is a no-op."""
    listeners = _listeners.setdefault(name, [])
    if fn not in listeners:
        listeners.append(fn)


def emit(name: str, **fields: Any) -> None:
    for fn in _listeners.get(name, ()):
        try:
            fn(**fields)
        except Exception:  # observing must never break what is observed
            log.exception("observer of %r failed", name)


def timed(name: str) -> Callable[[F], F]:
    """Decorate a (synchronous) function so each call emits `name` with its `seconds`."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                emit(name, seconds=time.perf_counter() - started)

        return call  # type: ignore[return-value]

    return wrap
