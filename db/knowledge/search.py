"""Hybrid search over knowledge documents and learnings: full text + vector, fused by reciprocal rank.

Full text finds exact names and jargon (`order_items`, "NRR"); vectors find paraphrases and typos
("how much do we make a month"). Each ranks its own candidates; reciprocal rank fusion adds
1 / (RRF_K + rank) per list, so a document both find rises and neither scale needs calibrating.
"""

from __future__ import annotations

import asyncio
import re
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, Engine, text

from db import observe
from db.aio import AsyncConnection, AsyncPool
from db.embeddings import Embedder, RecentEmbeddings
from db.knowledge.problems import DOCUMENT_KINDS, KINDS
from db.knowledge.vectors import embed_texts, to_sql_vector

Mode = Literal["hybrid", "fts", "vector"]
RRF_K = 60
CANDIDATES = 20
SNIPPET_CHARS = 240

DOCS = """SELECT {list} AS list, id, kind, name, title, content, metadata, {score} AS score FROM ai.documents
 WHERE kind = ANY(:kinds) AND namespace = ANY(:ns) AND {where}
 AND (status = 'live' OR (status = 'proposed' AND created_by ->> 'user' = :me)) ORDER BY {order} LIMIT :k"""
LEARNINGS = """SELECT {list} AS list, id, 'learning' AS kind, title AS name, title,
 learning || CASE WHEN context <> '' THEN E'\\nContext: ' || context ELSE '' END AS content,
 jsonb_build_object('id', id, 'tags', tags, 'namespace', namespace, 'use_count', use_count) AS metadata,
 {score} AS score FROM ai.learnings WHERE {scope} AND {where} ORDER BY {order} LIMIT :k"""
PROPOSED_BY_ME = "status = 'proposed' AND created_by_user = :me"
LIVE_OR_MINE = f"status = 'live' OR ({PROPOSED_BY_ME})"
FTS = {
    "list": "'fts'",
    "score": "ts_rank(tsv, websearch_to_tsquery('english', :q), 1)",
    "where": "tsv @@ websearch_to_tsquery('english', :q)",
    "order": "score DESC",
}
VEC = {
    "list": "'vec'",
    "score": "1 - (embedding <=> CAST(:v AS vector))",
    "where": "embedding IS NOT NULL",
    "order": "embedding <=> CAST(:v AS vector)",
}


@dataclass(frozen=True)
class SearchHit:
    """One retrieved document or learning, as the agents and `dash knowledge search` see it."""

    kind: str
    name: str
    score: float
    snippet: str
    content: str
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


def visible_namespaces(user_id: str | None) -> list[str]:
    """What one caller may see: global knowledge plus their own user namespace."""
    return ["global", f"user:{user_id}"] if user_id else ["global"]


@dataclass(frozen=True)
class Group:
    """One ranked list a caller wants from a search: of which kinds, and how many hits."""

    kinds: tuple[str, ...]
    limit: int


def search(
    engine: Engine,
    embedder: Embedder,
    query: str,
    *,
    kinds: Sequence[str] | None = None,
    user_id: str | None = None,
    limit: int = 10,
    mode: Mode = "hybrid",
    ef_search: int = 40,
) -> list[SearchHit]:
    """The `limit` best documents and learnings for `query`, best first."""
    group = Group(tuple(_checked_kinds(kinds)), limit)
    return search_groups(engine, embedder, query, [group], user_id=user_id, mode=mode, ef_search=ef_search)[0]


@observe.timed("search")
def search_groups(
    engine: Engine,
    embedder: Embedder,
    query: str,
    groups: Sequence[Group],
    *,
    user_id: str | None = None,
    mode: Mode = "hybrid",
    ef_search: int = 40,
) -> list[list[SearchHit]]:
    """`search` for several groups of kinds (no kind in two groups) in one statement: each group's
    hits are ranked and fused on their own, exactly as a `search` of that group alone would."""
    kinds = _checked_kinds([kind for group in groups for kind in group.kinds])
    if not query.strip():
        return [[] for _ in groups]
    k = max([CANDIDATES, *(group.limit for group in groups)])
    rows = _candidates(engine, embedder, query, kinds, user_id, k, mode, ef_search)
    return [_ranked(rows, group, query) for group in groups]


def _candidates(
    engine: Engine,
    embedder: Embedder,
    query: str,
    kinds: list[str],
    user_id: str | None,
    k: int,
    mode: Mode,
    ef_search: int,
) -> list[Any]:
    """Every candidate row of every list (full text, vector) the query needs, in one round trip."""
    params = _params(query, kinds, user_id, k)
    if mode != "fts":
        params["v"] = embed_texts(embedder, [query])[0]
    parts = _parts(kinds, params, mode)
    if not parts:
        return []
    with engine.begin() as conn:
        _tune(conn, ef_search)
        # One statement for every candidate list: each round trip costs more than the lookups.
        return list(conn.execute(text(" UNION ALL ".join(parts)), params).all())


def _params(query: str, kinds: list[str], user_id: str | None, k: int) -> dict[str, Any]:
    params = {
        "q": or_query(query),
        "ns": visible_namespaces(user_id),
        "k": k,
        "kinds": [kind for kind in kinds if kind in DOCUMENT_KINDS],
        # Proposed items are found only by the user whose run proposed them (NULL matches no one).
        "me": user_id or None,
    }
    if user_id:
        params["mine"] = visible_namespaces(user_id)[1]
    return params


async def search_groups_async(
    pool: AsyncPool,
    embedder: Embedder,
    query: str,
    groups: Sequence[Group],
    *,
    user_id: str | None = None,
    ef_search: int = 40,
) -> list[list[SearchHit]]:
    """`search_groups` (hybrid) on the asyncio pool (db/aio.py), for the context of a question:
    the query is embedded before a connection is taken; hits come without snippets."""
    kinds = _checked_kinds([kind for group in groups for kind in group.kinds])
    if not query.strip():
        return [[] for _ in groups]
    started = time.perf_counter()
    params = _params(query, kinds, user_id, max([CANDIDATES, *(group.limit for group in groups)]))
    params["v"] = await _query_vector(embedder, query)
    async with pool.connection() as conn:
        rows = await _candidates_async(conn, _parts(kinds, params, "hybrid"), params, ef_search)
    observe.emit("search", seconds=time.perf_counter() - started)
    # No snippets: a context shows each hit's content, and a snippet scans every line of it.
    return [_ranked(rows, group, None) for group in groups]


async def _query_vector(embedder: Embedder, query: str) -> str:
    """The query's vector: a kept one at once, a new one from a worker thread (the model must not
    hold up the event loop)."""
    kept = embedder.kept(query) if isinstance(embedder, RecentEmbeddings) else None
    if kept is not None:
        return to_sql_vector(kept)
    return (await asyncio.to_thread(embed_texts, embedder, [query]))[0]


async def _candidates_async(
    conn: AsyncConnection, parts: list[str], params: dict[str, Any], ef_search: int
) -> list[Any]:
    """The candidates in one statement. The HNSW settings of `_tune` are set for the connection's
    session, once per connection of the asyncio pool (they change nothing but HNSW scans, which
    only this search makes), so no transaction is needed around it. Never prepared (psycopg
    prepares a statement it sees often): a generic plan cannot see the query words (see `_tune`)."""
    if not parts:
        return []
    cur = conn.cursor(row_factory=namedtuple_row)
    if _tuned.get(conn) != ef_search:
        await conn.execute(TUNE_SQL, {"ef": str(int(ef_search))})
        _tuned[conn] = ef_search
    await cur.execute(_pyformat(" UNION ALL ".join(parts)), params, prepare=False)
    return await cur.fetchall()


_tuned: weakref.WeakKeyDictionary[AsyncConnection, int] = weakref.WeakKeyDictionary()


def _pyformat(sql: str) -> str:
    """The `:name` placeholders of the statements above as psycopg's `%(name)s`."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


def _ranked(rows: list[Any], group: Group, query: str | None) -> list[SearchHit]:
    """The group's hits: its best rows of each list (as many as its own search would fetch), fused."""
    k = max(CANDIDATES, group.limit)
    lists = [
        sorted(
            (r for r in rows if r.list == name and r.kind in group.kinds), key=lambda r: r.score, reverse=True
        )
        for name in ("fts", "vec")
    ]
    return _fuse([ranked[:k] for ranked in lists if ranked], query, group.limit)


def or_query(query: str) -> str:
    """Any word may match (websearch syntax `a or b`): questions rarely use a document's exact words."""
    words = re.findall(r"[\w']+", query.lower())
    return " or ".join(w for w in words if w not in {"or", "and", "not"})


def _checked_kinds(kinds: Sequence[str] | None) -> list[str]:
    chosen = list(kinds) if kinds else list(KINDS)
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        raise ValueError(f"unknown kind(s) {', '.join(unknown)}: use {', '.join(KINDS)}")
    return chosen


def _parts(kinds: list[str], params: dict[str, Any], mode: Mode) -> list[str]:
    """One parenthesised SELECT per (modality, table, learnings scope) the query needs."""
    specs = {"hybrid": [FTS, VEC], "fts": [FTS], "vector": [VEC]}[mode]
    parts = []
    for spec in specs:
        if spec is FTS and not params["q"]:
            continue
        if params["kinds"]:
            parts.append(DOCS.format(**spec))
        if "learning" in kinds:
            parts.extend(LEARNINGS.format(scope=scope, **spec) for scope in _learning_scopes(spec, params))
    return [f"({part})" for part in parts]


def _learning_scopes(spec: dict[str, str], params: dict[str, Any]) -> list[str]:
    """Full text filters every visible namespace at once. Vectors take global learnings from their
    HNSW index (which holds only those) and the caller's own exactly: one user has hundreds, and
    filtering a graph made mostly of other users' learnings is what made this slow. Only live
    learnings are searched, plus the caller's own proposals (read exactly by their partial index)."""
    if spec is FTS:
        return [f"namespace = ANY(:ns) AND ({LIVE_OR_MINE})"]
    if "mine" not in params:
        return ["namespace = 'global' AND status = 'live'"]
    return [
        "namespace = 'global' AND status = 'live'",
        "namespace = :mine AND status = 'live'",
        f"namespace = ANY(:ns) AND {PROPOSED_BY_ME}",
    ]


# `_tune` as values local to the transaction, one statement (a pipeline takes no multi-statement string).
# For the session (is_local false): on an autocommit connection a transaction-local value would be
# gone before the search that follows it.
TUNE_SQL = (
    "SELECT set_config('hnsw.ef_search', %(ef)s, false),"
    " set_config('hnsw.iterative_scan', 'relaxed_order', false)"
)


def _tune(conn: Connection, ef_search: int) -> None:
    # relaxed_order lets the HNSW scan keep going when filters (kind, namespace) drop candidates.
    # Custom plans: psycopg prepares a statement after a few runs, and a generic plan cannot see the
    # query words, so it may seq-scan every document and rebuild the tsquery per row (3x slower).
    conn.exec_driver_sql(
        f"SET LOCAL hnsw.ef_search = {int(ef_search)}; SET LOCAL hnsw.iterative_scan = relaxed_order;"
        " SET LOCAL plan_cache_mode = force_custom_plan"
    )


def _fuse(lists: list[list[Any]], query: str | None, limit: int) -> list[SearchHit]:
    scores: dict[tuple[str, int], float] = {}
    rows: dict[tuple[str, int], Any] = {}
    for ranked in lists:
        for rank, row in enumerate(ranked, start=1):
            key = ("l" if row.kind == "learning" else "d", row.id)
            scores[key] = scores.get(key, 0.0) + 1.0 / (RRF_K + rank)
            rows[key] = row
    best = sorted(scores, key=lambda key: scores[key], reverse=True)[:limit]
    return [_hit(rows[key], scores[key], query) for key in best]


def _hit(row: Any, score: float, query: str | None) -> SearchHit:
    """The hit, with its snippet for `query` (none when `query` is None)."""
    metadata = dict(row.metadata or {})
    metadata.setdefault("id", row.id)
    metadata.setdefault("title", row.title)
    shown = snippet(row.content, query) if query is not None else ""
    return SearchHit(row.kind, row.name, round(score, 5), shown, row.content, metadata)


def snippet(content: str, query: str) -> str:
    """The line sharing most words with the query (the first line on a tie), shortened."""
    words = set(re.findall(r"\w+", query.lower()))
    lines = [line.strip() for line in content.splitlines() if line.strip()] or [""]
    best = max(lines, key=lambda line: len(words & set(re.findall(r"\w+", line.lower()))))
    text_ = " ".join(best.split())
    return text_ if len(text_) <= SNIPPET_CHARS else text_[: SNIPPET_CHARS - 1] + "…"


USE_SQL = (
    # One statement for both counters; an empty list updates nothing.
    "WITH queries AS (UPDATE ai.documents SET use_count = use_count + 1, last_used_at = now()"
    " WHERE id = ANY(%(queries)s))"
    " UPDATE ai.learnings SET use_count = use_count + 1, last_used_at = now() WHERE id = ANY(%(learnings)s)"
)


async def count_use(conn: AsyncConnection, hits: Sequence[SearchHit]) -> None:
    """Count that these validated queries and learnings were put in front of an agent."""
    queries = [int(h.metadata["id"]) for h in hits if h.kind == "query"]
    learned = [int(h.metadata["id"]) for h in hits if h.kind == "learning"]
    if queries or learned:
        await conn.execute(USE_SQL, {"queries": queries, "learnings": learned})
