"""CPU per text of the local embedder: one by one or merged, onnxruntime's thread pool or one thread.

    python benchmarks/embedder.py [--texts 64] [--callers 16]

Embeds `--texts` question-sized texts one call each, in calls of 8, and from `--callers` threads
at once through BatchingEmbedder (what a busy server does); with the default onnxruntime thread
pool and with one thread (what `local_embedder()` uses). Prints CPU ms and wall ms per text.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))  # the benchmarks' shared modules

from benchmarks.proc_cpu import cpu_model  # noqa: E402
from db.embed_batching import BatchingEmbedder  # noqa: E402
from db.embeddings import LocalEmbedder  # noqa: E402


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(label: str, texts: list[str], work: Callable[[], object]) -> None:
    cpu, wall = cpu_s(), time.perf_counter()
    work()
    cpu, wall = cpu_s() - cpu, time.perf_counter() - wall
    print(
        f"{label:<44} CPU {cpu / len(texts) * 1000:5.1f} ms/text, wall {wall / len(texts) * 1000:5.1f} ms/text"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=64)
    parser.add_argument("--callers", type=int, default=16)
    args = parser.parse_args()
    texts = [
        f"What was the recurring revenue of plan {i} in region {i % 7} last quarter?"
        for i in range(args.texts)
    ]
    print(f"machine: {cpu_model()}; {args.texts} texts")
    for threads, name in ((None, "onnxruntime's pool"), (1, "one thread")):
        one_kind(LocalEmbedder(threads=threads), name, texts, args.callers)


def one_kind(embedder: LocalEmbedder, name: str, texts: list[str], callers: int) -> None:
    embedder.embed(texts[:2])  # warm
    batching = BatchingEmbedder(embedder)
    measure(f"{name}, one call per text", texts, lambda: [embedder.embed([t]) for t in texts])
    in_eights = [texts[i : i + 8] for i in range(0, len(texts), 8)]
    measure(f"{name}, calls of 8", texts, lambda: [embedder.embed(chunk) for chunk in in_eights])
    with ThreadPoolExecutor(callers) as pool:
        merged = lambda: list(pool.map(lambda t: batching.embed([t]), texts))  # noqa: E731
        measure(f"{name}, {callers} callers merged", texts, merged)
    print(f"  (merged into {batching.calls} model calls)")


if __name__ == "__main__":
    main()
