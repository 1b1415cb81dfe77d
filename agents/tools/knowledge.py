"""Knowledge tools: hybrid search over documents and learnings, and saving validated queries.

A query is saved only when this run's ledger shows it ran successfully: a model cannot turn an
untested or failing statement into "SQL known to be right".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from agents.tools.sql import SqlEntry, SqlLedger
from core.settings import Settings
from db.embeddings import Embedder
from db.engines import Engines
from db.knowledge.documents import record_query_use, save_query
from db.knowledge.learnings import CreatedBy, record_use
from db.knowledge.proposals import Proposal, propose_query
from db.knowledge.queries import tables_of
from db.knowledge.search import SearchHit, search

Kind = Literal["table", "query", "business", "view", "doc", "learning"]
HIT_CHARS = 1200


def hit_for_model(hit: SearchHit) -> dict[str, Any]:
    content = hit.content if len(hit.content) <= HIT_CHARS else hit.content[:HIT_CHARS] + " …"
    return {"kind": hit.kind, "name": hit.name, "content": content}


def search_tool(
    engines: Engines, embedder: Embedder, settings: Settings, user_id: str
) -> Callable[..., list[dict[str, Any]]]:
    """`search_knowledge` over what this user may see (global plus their own learnings)."""

    def search_knowledge(query: str, kinds: list[Kind] | None = None, limit: int = 8) -> list[dict[str, Any]]:
        """Search table docs, metrics, business rules, validated queries, views and learnings.

        Args:
            query: What you are looking for, in words (table names, metrics, the question itself).
            kinds: Only these kinds (table, query, business, view, doc, learning); all when omitted.
            limit: How many results (1 to 20).
        """
        hits = _search(engines, embedder, settings, query, user_id, kinds, limit)
        record_use(engines.service, [int(h.metadata["id"]) for h in hits if h.kind == "learning"])
        record_query_use(engines.service, [int(h.metadata["id"]) for h in hits if h.kind == "query"])
        return [hit_for_model(h) for h in hits]

    return search_knowledge


def _search(
    engines: Engines,
    embedder: Embedder,
    settings: Settings,
    query: str,
    user_id: str,
    kinds: Sequence[str] | None,
    limit: int,
) -> list[SearchHit]:
    return search(
        engines.service,
        embedder,
        query,
        kinds=kinds,
        user_id=user_id,
        limit=max(1, min(limit, 20)),
        ef_search=settings.search_ef_search,
    )


def save_query_tool(
    engines: Engines,
    embedder: Embedder,
    ledger: SqlLedger,
    created_by: CreatedBy,
    mode: str = "agentic",
    notify: Callable[[Proposal], None] | None = None,
) -> Callable[..., str]:
    """`save_validated_query`, refusing SQL that did not run successfully in this run.

    LEARNING_MODE_QUERIES decides: `agentic` saves it live, `propose` queues it for an admin (only
    this user finds it until approved), `off` saves nothing and says so."""

    def save_validated_query(name: str, description: str, sql: str) -> str:
        """Save a query that ran successfully in this conversation turn, so later questions reuse it.

        Args:
            name: lower_snake_case name, e.g. mrr_by_plan.
            description: What the query answers, in one sentence.
            sql: The exact SQL that ran successfully with run_sql.
        """
        ran = ledger.success(sql)
        if ran is None:
            raise ValueError(
                "this SQL has not run successfully in this run; run it with run_sql first, then save "
                "exactly that statement"
            )
        if mode == "off":
            return "not saved: saving validated queries is turned off here (LEARNING_MODE_QUERIES=off)"
        if mode == "propose":
            proposal = propose_query(
                engines.service,
                embedder,
                name=name,
                description=description,
                sql=sql,
                created_by=created_by,
                tables=_tables(ran),
            )
            if notify is not None:
                notify(proposal)
            return f"proposed validated query {name!r} for review (proposal {proposal.id})"
        doc_id = save_query(
            engines.service,
            embedder,
            name=name,
            description=description,
            sql=sql,
            created_by=created_by,
            tables=_tables(ran),
        )
        return f"saved validated query {name!r} (document {doc_id})"

    return save_validated_query


def _tables(ran: SqlEntry) -> list[str] | None:
    """What the query reads, from the guard's parse of it when it ran (None: parse it when saving)."""
    return tables_of(ran.statement) if ran.statement is not None else None
