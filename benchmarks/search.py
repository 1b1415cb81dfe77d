"""Search latency at scale and local embedding throughput: `python benchmarks/search.py`.

Loads 10,000 knowledge documents and 50,000 learnings into a throwaway embedded PostgreSQL (under
/tmp, destroyed at the end), builds the HNSW indexes after the bulk load, then times hybrid search.
Bulk rows get synthetic text and random unit vectors (embedding 60,000 texts on a laptop CPU would
take minutes and measures the embedder, not search); the queries are embedded with the real local
model. Latency is reported for the database part alone and end to end (query embedding included).
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import psycopg
from pgvector.psycopg import register_vector
from sqlalchemy import Engine, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.settings import Settings  # noqa: E402
from db.bootstrap import bootstrap  # noqa: E402
from db.embedded import EmbeddedPostgres  # noqa: E402
from db.embeddings import LocalEmbedder, local_embedder  # noqa: E402
from db.engines import DatabaseTarget, resolve_target  # noqa: E402
from db.knowledge.files import read_knowledge  # noqa: E402
from db.knowledge.search import search  # noqa: E402
from db.knowledge.vectors import create_vector_index, ensure_embedder  # noqa: E402
from db.migrate import service_dsn  # noqa: E402

DOMAIN = (
    "mrr arr churn trial plan seats invoice paid refund usage dashboard ticket csat priority customer "
    "subscription annual monthly discount upgrade downgrade cohort retention revenue quarter month week "
    "signup channel industry size country enterprise starter growth business support resolved open "
    "failed pending cancelled reason budget competitor feature latency api queries users active"
)
# Text has a Zipf-shaped vocabulary like real writing: the domain words sit at ranks 60-110 of
# 20,000, so each one appears in a few percent of documents, not in all of them.
VOCABULARY = [f"w{i}" for i in range(60)] + DOMAIN.split() + [f"t{i}" for i in range(20_000)]
CUMULATIVE = list(itertools.accumulate(1 / rank for rank in range(1, len(VOCABULARY) + 1)))
KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"
QUERIES = [
    "current MRR excluding trials",
    "churn by plan last quarter",
    "why do customers cancel",
    "average resolution time for urgent tickets",
    "which customers are at risk",
    "annual vs monthly revenue",
    "trial conversion rate",
    "CSAT trend",
    "failed payments",
    "usage per seat by plan",
]


class PrecomputedEmbedder:
    """Returns vectors embedded beforehand, so timings can separate the database from the model."""

    def __init__(self, model: LocalEmbedder, texts: Sequence[str]) -> None:
        self.name, self.dimension = model.name, model.dimension
        self.vectors = dict(zip(texts, model.embed(list(texts)), strict=True))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts])


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCABULARY, cum_weights=CUMULATIVE, k=n))


def unit_vectors(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    matrix = rng.standard_normal((n, dim)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def bulk_load(target: DatabaseTarget, docs: int, learnings: int, dim: int) -> None:
    """COPY synthetic rows in binary (the HNSW indexes are built afterwards, see build_indexes)."""
    rng, nprng = random.Random(7), np.random.default_rng(7)
    kinds = ["table", "query", "business", "doc", "view"]
    with psycopg.connect(service_dsn(target)) as conn:
        register_vector(conn)
        conn.execute("CREATE TEMP TABLE d (kind text, name text, title text, content text, embedding vector)")
        with conn.cursor().copy("COPY d FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.set_types(["text", "text", "text", "text", "vector"])
            for i, vec in enumerate(unit_vectors(nprng, docs, dim)):
                copy.write_row((kinds[i % 5], f"doc_{i}", sentence(rng, 6), sentence(rng, 60), vec))
        conn.execute(
            "INSERT INTO ai.documents (kind, name, title, content, content_hash, embedding, tsv)"
            " SELECT kind, name, title, content, md5(content), embedding,"
            " setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', content), 'C') FROM d"
        )
        _load_learnings(conn, rng, nprng, learnings, dim)


def build_indexes(engine: Engine) -> float:
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(
            text("SET LOCAL maintenance_work_mem = '512MB'")
        )  # the graph fits in memory: much faster
        for table in ("documents", "learnings"):
            create_vector_index(conn, table)
            conn.execute(text(f"ANALYZE ai.{table}"))
    return time.perf_counter() - started


def _load_learnings(
    conn: psycopg.Connection,
    rng: random.Random,
    nprng: np.random.Generator,
    n: int,
    dim: int,
    owner: str | None = None,
) -> None:
    """n learnings: a tenth global, the rest spread over 500 users (all `owner`'s when given)."""
    conn.execute("CREATE TEMP TABLE l (title text, learning text, namespace text, embedding vector)")
    with conn.cursor().copy("COPY l FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["text", "text", "text", "vector"])
        for i, vec in enumerate(unit_vectors(nprng, n, dim)):
            namespace = f"user:{owner}" if owner else "global" if i % 10 == 0 else f"user:u{i % 500}"
            copy.write_row((sentence(rng, 6), sentence(rng, 40), namespace, vec))
    conn.execute(
        "INSERT INTO ai.learnings (title, learning, namespace, embedding, tsv) SELECT title, learning, namespace,"
        " embedding, setweight(to_tsvector('english', title), 'A') || to_tsvector('english', learning) FROM l"
    )


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"p50 {statistics.median(ms):6.2f} ms   p95 {p95:6.2f} ms   (n={len(ms)})"


def time_searches(
    engine: object, embedder: object, rounds: int, user: str | None = None, **kwargs: object
) -> list[float]:
    samples = []
    for i in range(rounds):
        query = QUERIES[i % len(QUERIES)]
        started = time.perf_counter()
        search(engine, embedder, query, user_id=user or f"u{i % 500}", **kwargs)  # type: ignore[arg-type]
        samples.append(time.perf_counter() - started)
    return samples


def embedding_throughput(model: LocalEmbedder, n: int = 512) -> tuple[float, str]:
    """Texts per second on real prose: the shipped knowledge documents, cycled to n texts."""
    docs = read_knowledge(KNOWLEDGE).documents
    texts = [docs[i % len(docs)].embed_text for i in range(n)] if docs else []
    if not texts:
        rng = random.Random(3)
        texts = [" ".join(rng.choices(DOMAIN.split(), k=40)) for _ in range(n)]
    words = sum(len(t.split()) for t in texts) / len(texts)
    model.embed(texts[:32])  # warm-up
    started = time.perf_counter()
    model.embed(texts)
    return n / (time.perf_counter() - started), f"{n} knowledge texts, {words:.0f} words on average"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--learnings", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--ef-search", type=int, default=Settings().search_ef_search, help="HNSW ef_search")
    parser.add_argument(
        "--heavy-user", type=int, default=5_000, help="then give one user this many learnings of their own"
    )
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cpus, python {platform.python_version()}, {platform.platform()}")
    home = Path(tempfile.mkdtemp(prefix="dash-bench-", dir="/tmp"))
    os.chmod(home, 0o755)  # the server runs as `nobody` when we are root
    server = EmbeddedPostgres(home, fast_unsafe=True)
    try:
        run(server, home, args)
    finally:
        server.destroy()


def run(server: EmbeddedPostgres, home: Path, args: argparse.Namespace) -> None:
    server.ensure_started()
    target = resolve_target(Settings(_env_file=None, dash_home=home, database_url=None))  # type: ignore[call-arg]
    bootstrap(target)
    model = local_embedder()
    rate, what = embedding_throughput(model)
    print(f"local embedder throughput: {rate:.0f} texts/s ({what}, batches of 32)")
    engine = create_engine(target.service_url, pool_size=2)
    with engine.begin() as conn:
        ensure_embedder(conn, model)
    started = time.perf_counter()
    bulk_load(target, args.documents, args.learnings, model.dimension)
    build = build_indexes(engine)
    print(
        f"bulk load: {args.documents} documents + {args.learnings} learnings with random unit vectors "
        f"(queries embedded with the real model) in {time.perf_counter() - started:.1f}s; "
        f"HNSW indexes built after the load in {build:.1f}s"
    )
    cached = PrecomputedEmbedder(model, QUERIES)
    time_searches(engine, cached, 20)  # warm caches and the pool
    print(
        f"ef_search {args.ef_search}; load average now {os.getloadavg()[0]:.1f} (other work on this machine skews timings)"
    )
    for mode in ("hybrid", "fts", "vector"):
        print(
            f"search {mode:<6} (database only):       {percentiles(time_searches(engine, cached, args.rounds, mode=mode, ef_search=args.ef_search))}"
        )
    print(
        f"search hybrid (with query embedding): {percentiles(time_searches(engine, model, args.rounds, ef_search=args.ef_search))}"
    )
    if args.heavy_user:
        heavy_user(target, engine, cached, args)
    engine.dispose()


def heavy_user(
    target: DatabaseTarget, engine: Engine, embedder: PrecomputedEmbedder, args: argparse.Namespace
) -> None:
    """A user's own learnings are compared exactly (no index): what that costs for a prolific user."""
    with psycopg.connect(service_dsn(target)) as conn:
        register_vector(conn)
        _load_learnings(
            conn, random.Random(11), np.random.default_rng(11), args.heavy_user, embedder.dimension, "heavy"
        )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE ai.learnings"))
    samples = time_searches(engine, embedder, args.rounds, user="heavy", ef_search=args.ef_search)
    print(f"search hybrid, a user with {args.heavy_user} learnings of their own: {percentiles(samples)}")


if __name__ == "__main__":
    main()
