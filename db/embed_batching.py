"""Texts that arrive together are embedded together: one model call for many concurrent callers.

Under load every question is embedded on its own (once for the Leader's context, once for the
Analyst's), each in its own worker thread; one ONNX call per text pays the call's fixed cost each
time. `BatchingEmbedder` lets one call run at a time and queues what arrives meanwhile; when the
call ends, everything queued (up to `max_texts`) goes into the next one. An idle process adds no
wait at all (nothing runs: the text goes straight to the model), and the busier it is the larger
the batches get, without a timer.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from db.embeddings import Embedder

MAX_TEXTS = 64  # two of LocalEmbedder's batches; a larger request still goes in whole


@dataclass
class _Request:
    texts: list[str]
    finished: bool = False
    vectors: np.ndarray | None = None
    error: BaseException | None = None


class BatchingEmbedder:
    """An Embedder that merges concurrent `embed()` calls (from any threads) into one inner call.

    A caller finding no call running makes one with everything queued (its own texts first in
    line or behind earlier ones), and stops once its own texts are done: no caller works for
    others for long."""

    def __init__(self, inner: Embedder, max_texts: int = MAX_TEXTS) -> None:
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.max_texts = max_texts
        self.calls = 0  # inner calls made: how much merging happened
        self._cond = threading.Condition()
        self._queue: list[_Request] = []
        self._running = False

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        request = _Request(list(texts))
        with self._cond:
            self._queue.append(request)
            while not request.finished:
                if self._running:
                    self._cond.wait()
                else:
                    self._call_once()
        if request.error is not None:
            raise request.error
        assert request.vectors is not None
        return request.vectors

    def _call_once(self) -> None:
        """One inner call for the head of the queue, made outside the lock (held on entry)."""
        self._running, batch = True, self._take()
        self._cond.release()
        try:
            self._run(batch)
        finally:
            self._cond.acquire()
            self._running = False
            self._cond.notify_all()

    def _take(self) -> list[_Request]:
        batch: list[_Request] = []
        size = 0
        while self._queue and (not batch or size + len(self._queue[0].texts) <= self.max_texts):
            size += len(self._queue[0].texts)
            batch.append(self._queue.pop(0))
        return batch

    def _run(self, batch: list[_Request]) -> None:
        texts = [t for r in batch for t in r.texts]
        self.calls += 1
        try:
            vectors = self.inner.embed(texts) if texts else np.zeros((0, self.dimension), np.float32)
        except BaseException as exc:  # each caller gets the failure of the call its texts were in
            for r in batch:
                r.error, r.finished = exc, True
            return
        start = 0
        for r in batch:
            r.vectors, start = vectors[start : start + len(r.texts)], start + len(r.texts)
            r.finished = True
