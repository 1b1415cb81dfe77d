"""An embedder that embeds each question once, in batches, for evals that ask it in several modes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from db.embeddings import Embedder


class QuestionVectors:
    """Wraps an embedder: same name, same vectors, but every text is embedded once.

    Vector and hybrid search both embed the question; embedding all questions up front in batches
    is several times faster than one at a time, which keeps the retrieval eval short enough for CI.
    """

    def __init__(self, embedder: Embedder, questions: Iterable[str] = ()) -> None:
        self.name = embedder.name
        self.dimension = embedder.dimension
        self._embedder = embedder
        self._known: dict[str, np.ndarray] = {}
        self.learn(questions)

    def learn(self, texts: Iterable[str]) -> None:
        missing = [t for t in dict.fromkeys(texts) if t not in self._known]
        if missing:
            self._known.update(zip(missing, self._embedder.embed(missing), strict=True))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) > 1:  # documents being loaded: embedded once anyway, not worth keeping
            return self._embedder.embed(texts)
        self.learn(texts)
        return np.stack([self._known[t] for t in texts])
