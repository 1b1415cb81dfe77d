"""Embedders: the local ONNX model (offline, checksummed) and the OpenAI one over real HTTP."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from pydantic import SecretStr

from core.settings import Settings
from db.embed_batching import BatchingEmbedder
from db.embeddings import (
    EmbedderError,
    LocalEmbedder,
    OpenAIEmbedder,
    RecentEmbeddings,
    default_model_path,
    local_embedder,
    make_embedder,
)
from tests.fakes.model_server import FakeModelServer


def test_local_embedder_returns_normalised_384_dimension_vectors_close_for_similar_texts() -> None:
    vectors = local_embedder().embed(
        [
            "How many customers cancelled last month?",
            "customer churn in the previous month",
            "seat price of plans",
        ]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_batching_and_order_do_not_change_vectors() -> None:
    embedder = local_embedder()
    texts = [f"question number {i} about {'revenue ' * (i % 7)}" for i in range(70)]
    together = embedder.embed(texts)
    one = embedder.embed([texts[41]])
    assert np.allclose(together[41], one[0], atol=1e-4)


TELEMETRY_PROBE = """
import os
from db.embeddings import LocalEmbedder
LocalEmbedder().embed(["one"])
print(os.environ.get("ORT_DISABLE_TELEMETRY"))
"""


@pytest.mark.parametrize(("given", "seen"), [(None, "1"), ("0", "0")])
def test_the_runtime_starts_with_its_usage_reports_off_unless_the_operator_says_otherwise(
    given: str | None, seen: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    if given is not None:
        env["ORT_DISABLE_TELEMETRY"] = given
    root = Path(__file__).parents[2]
    probe = [sys.executable, "-c", TELEMETRY_PROBE]
    done = subprocess.run(probe, env=env, cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == seen


def test_a_corrupted_model_file_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    copy = tmp_path / "model.onnx"
    shutil.copy(default_model_path(), copy)
    with copy.open("r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00\x01\x02")
    with pytest.raises(EmbedderError, match=r"Checksum mismatch for the embedding model file .*reinstall"):
        LocalEmbedder(copy)


def test_openai_embedder_asks_for_the_configured_dimensions() -> None:
    with FakeModelServer() as server:
        settings = Settings(
            _env_file=None,
            embedder="openai",
            embedding_dimensions=64,  # type: ignore[call-arg]
            openai_base_url=server.base_url,
            openai_api_key=SecretStr("sk-test"),
        )
        embedder = make_embedder(settings)
        vectors = embedder.embed(["a", "b", "a"])
        body = server.requests[-1].body
    assert isinstance(embedder, RecentEmbeddings) and isinstance(embedder.inner, BatchingEmbedder)
    assert isinstance(embedder.inner.inner, OpenAIEmbedder)
    assert embedder.name == "openai:text-embedding-3-small"
    assert body["model"] == "text-embedding-3-small" and body["dimensions"] == 64
    assert vectors.shape == (3, 64) and np.allclose(vectors[0], vectors[2])


def test_openai_embedder_without_key_or_server_is_a_settings_error() -> None:
    with pytest.raises(EmbedderError, match="OPENAI_API_KEY"):
        make_embedder(Settings(_env_file=None, embedder="openai", openai_api_key=None))  # type: ignore[call-arg]


class FirstCallWaits:
    """The local model, but its first call waits for `gate`: the other callers queue meanwhile."""

    def __init__(self, gate: threading.Event, fail: bool = False) -> None:
        self.inner, self.gate, self.fail = local_embedder(), gate, fail
        self.name, self.dimension = self.inner.name, self.inner.dimension
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not self.calls:
            self.gate.wait(10)
        self.calls.append(len(texts))
        if self.fail:
            raise EmbedderError("the model is gone")
        return self.inner.embed(texts)


def concurrently(
    embedder: BatchingEmbedder, gate: threading.Event, requests: list[list[str]]
) -> list[object]:
    """Each request from its own thread at once; the results (vectors or the exception) in order."""

    def call(texts: list[str]) -> object:
        try:
            return embedder.embed(texts)
        except EmbedderError as exc:
            return exc

    with ThreadPoolExecutor(len(requests)) as pool:
        futures = [pool.submit(call, texts) for texts in requests]
        threading.Timer(0.3, gate.set).start()  # by then every other caller has queued
        return [f.result(timeout=30) for f in futures]


def test_concurrent_callers_share_model_calls_and_each_gets_its_own_vectors() -> None:
    gate = threading.Event()
    inner = FirstCallWaits(gate)
    embedder = BatchingEmbedder(inner, max_texts=64)
    requests = [
        [f"how did revenue move in month {i}?"] + ([f"and churn in {i}?"] if i % 3 == 0 else [])
        for i in range(20)
    ]
    results = concurrently(embedder, gate, requests)
    assert len(inner.calls) <= 3  # merged: the first call alone, then (nearly) all the rest together
    for texts, vectors in zip(requests, results, strict=True):
        assert np.allclose(vectors, local_embedder().embed(texts), atol=1e-4), texts


def test_a_failed_model_call_fails_every_caller_merged_into_it() -> None:
    gate = threading.Event()
    embedder = BatchingEmbedder(FirstCallWaits(gate, fail=True))
    results = concurrently(embedder, gate, [[f"question {i}"] for i in range(6)])
    assert all(isinstance(r, EmbedderError) and "the model is gone" in str(r) for r in results)


def test_the_server_embedder_keeps_recent_questions_and_merges_concurrent_calls() -> None:
    embedder = make_embedder(Settings(_env_file=None))  # type: ignore[call-arg]
    assert isinstance(embedder, RecentEmbeddings) and isinstance(embedder.inner, BatchingEmbedder)
    assert embedder.name == local_embedder().name


def test_a_recent_question_is_not_embedded_again_and_gets_the_same_vector() -> None:
    batching = BatchingEmbedder(local_embedder())
    recent = RecentEmbeddings(batching)
    first = recent.embed(["What was revenue last month?"])
    again = recent.embed(["What was revenue last month?", "How many customers churned?"])
    assert batching.calls == 2, "the second call embedded only the new question"
    assert np.array_equal(again[0], first[0])
    assert np.allclose(again[1], local_embedder().embed(["How many customers churned?"])[0], atol=1e-6)


def test_recent_embeddings_keep_a_bounded_number_of_texts_and_loads_bypass_them() -> None:
    batching = BatchingEmbedder(local_embedder())
    recent = RecentEmbeddings(batching, size=3)
    for n in range(5):
        recent.embed([f"question {n}"])
    assert len(recent) == 3
    recent.embed(["question 0"])  # forgotten: embedded again
    assert batching.calls == 6
    recent.embed([f"document {n}" for n in range(10)])  # a knowledge load: kept out
    assert len(recent) == 3 and batching.calls == 7
