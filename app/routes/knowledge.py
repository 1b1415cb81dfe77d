"""`/v1/knowledge`: search what the agents retrieve and browse the tables and views it describes
(analyst), validate the files, reload and draft them (admin)."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from agents.describe import make_describer
from app.deps import Admin, Analyst, EnginesDep, SettingsDep
from app.routes.models import documented_errors
from core.errors import Conflict, InvalidInput, ModelNotConfigured, NotFound, ServiceUnavailable
from db.embeddings import Embedder, EmbedderError
from db.knowledge.catalog_view import CatalogEntry, catalog, catalog_entry
from db.knowledge.coverage import refresh_summary
from db.knowledge.draft import draft_knowledge
from db.knowledge.files import read_knowledge
from db.knowledge.loader import LoadReport, load_knowledge
from db.knowledge.problems import KINDS, KnowledgeInvalid, Problem
from db.knowledge.profile import ProfileOptions
from db.knowledge.profile_store import refresh_profiles
from db.knowledge.search import search
from db.knowledge.vectors import EmbedderMismatch

router = APIRouter(prefix="/v1/knowledge", tags=["knowledge"])


class Hit(BaseModel):
    kind: str = Field(examples=["metric"])
    name: str = Field(examples=["monthly_revenue"])
    score: float
    snippet: str
    content: str
    metadata: dict[str, Any]


class ProblemOut(BaseModel):
    file: str = Field(examples=["tables/orders.json"])
    line: int = Field(examples=[12])
    field: str = Field(examples=["columns[3].description"])
    message: str


class Validation(BaseModel):
    valid: bool
    problems: list[ProblemOut]
    warnings: list[ProblemOut] = Field(
        default_factory=list,
        description="Worth a person's review (undescribed columns, drafted text); not errors.",
    )


class DraftRequest(BaseModel):
    schemas: list[str] = Field(default=["public", "dash"], min_length=1, max_length=50)
    tables: list[str] = Field(
        default_factory=list, max_length=1000, description="Only these (name or schema.name)."
    )
    describe: bool = Field(
        default=False, description="Ask the configured model to propose missing descriptions."
    )
    write_files: bool = Field(
        default=True,
        description="Write table files to KNOWLEDGE_PATH; false only refreshes the stored profiles.",
    )


class DraftedTable(BaseModel):
    table: str = Field(examples=["orders"])
    file: str = Field(examples=["tables/orders.json"])
    status: str = Field(examples=["written"], description="written, refreshed, unchanged, failed or skipped")
    added: list[str] = Field(description="Columns added to the file")
    dropped: list[str] = Field(description="Columns in the file that the table no longer has")
    message: str


class DraftResult(BaseModel):
    tables: list[DraftedTable]
    summary: str


class Reload(BaseModel):
    added: int
    updated: int
    unchanged: int
    removed: int
    reembedded: int


@router.get("/search", summary="Search knowledge and your learnings as the agents would")
async def search_knowledge(
    request: Request,
    principal: Analyst,
    engines: EnginesDep,
    settings: SettingsDep,
    q: Annotated[str, Query(min_length=1, max_length=1000, examples=["monthly recurring revenue"])],
    kind: Annotated[list[str] | None, Query(description=f"Only these kinds: {', '.join(KINDS)}")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[Hit]:
    unknown = [k for k in kind or [] if k not in KINDS]
    if unknown:
        raise InvalidInput(f"Unknown kind(s) {', '.join(unknown)}; use {', '.join(KINDS)}.")
    embedder = embedder_of(request)
    hits = await asyncio.to_thread(
        _guarded(search),
        engines.service,
        embedder,
        q,
        kinds=kind,
        user_id=principal.user_id,
        limit=limit,
        ef_search=settings.search_ef_search,
    )
    return [Hit(**h.__dict__) for h in hits]


class JoinOut(BaseModel):
    columns: list[str] = Field(examples=[["shopper_id"]])
    references: str = Field(examples=["shoppers"])
    ref_columns: list[str] = Field(examples=[["shopper_id"]])
    inferred: bool = Field(description="Guessed from the column's name, not a declared foreign key")


class ColumnOut(BaseModel):
    name: str
    type: str | None = Field(description="Null when the relation was never profiled")
    null_share: float | None
    distinct: int | None
    min: Any
    max: Any
    values: list[str] | None = Field(description="Low-cardinality text only; never for personal data")
    personal: bool = Field(description="Looks like personal data or a secret: values withheld")


class TableSummary(BaseModel):
    name: str = Field(examples=["orders"], description="Bare in public, schema-qualified elsewhere")
    kind: str = Field(examples=["table"], description="table, view, materialized view, partitioned table ...")
    source: str = Field(examples=["curated"], description="curated (a table file), engineer or profiled")
    description: str = Field(description='"undescribed" until a person (or `draft --describe`) writes one')
    described: bool
    rows: int | None = Field(description="At the last profile; null when never profiled")
    rows_estimated: bool
    measured_at: str | None
    sampled: bool = Field(description="The statistics come from a sample of sample_rows rows")
    sample_rows: int | None
    primary_key: list[str]
    joins: list[JoinOut]
    column_count: int


class TableDetail(TableSummary):
    columns: list[ColumnOut]


@router.get("/tables", summary="The curated tables, the Engineer's views and their drafted profiles")
async def list_tables(_: Analyst, engines: EnginesDep) -> list[TableSummary]:
    entries = await asyncio.to_thread(_read, catalog, engines)
    return [TableSummary(**_summary(e)) for e in entries]


@router.get(
    "/tables/{name}",
    summary="One table or view: description, keys, joins and every column's profile",
    responses=documented_errors(e404="The knowledge base knows no table or view of that name."),
)
async def table_profile(name: str, _: Analyst, engines: EnginesDep) -> TableDetail:
    entry = await asyncio.to_thread(_read, catalog_entry, engines, name)
    if entry is None:
        raise NotFound(f"No table or view named {name!r} in the knowledge base.", detail={"name": name})
    return TableDetail(**_summary(entry), columns=[ColumnOut(**asdict(c)) for c in entry.columns])


def _read(fn: Any, engines: Any, *args: Any) -> Any:
    with engines.service.connect() as conn:
        return fn(conn, *args)


def _summary(entry: CatalogEntry) -> dict[str, Any]:
    fields = {k: v for k, v in asdict(entry).items() if k != "columns"}
    return fields | {"column_count": len(entry.columns)}


@router.post("/validate", summary="Check every knowledge file; lists file, line and field of each problem")
async def validate(_: Analyst, settings: SettingsDep) -> Validation:
    knowledge = await asyncio.to_thread(read_knowledge, settings.knowledge_path)
    problems, warnings = knowledge.problems, knowledge.warnings
    return Validation(
        valid=not problems, problems=[_problem(p) for p in problems], warnings=[_problem(p) for p in warnings]
    )


@router.post(
    "/reload",
    summary="Validate and load the knowledge files (all or nothing)",
    responses=documented_errors(e422="The files have problems (listed in detail); nothing was loaded."),
)
async def reload(request: Request, _: Admin, engines: EnginesDep, settings: SettingsDep) -> Reload:
    embedder = embedder_of(request)
    try:
        report: LoadReport = await asyncio.to_thread(
            _guarded(load_knowledge), engines.service, embedder, settings.knowledge_path
        )
    except KnowledgeInvalid as exc:
        problems = [_problem(p).model_dump() for p in exc.problems]
        raise InvalidInput(
            f"{len(problems)} problem(s) in the knowledge files; nothing was loaded.",
            detail={"problems": problems},
        ) from exc
    await asyncio.to_thread(refresh_summary, engines)  # the data may have changed with the files
    return Reload(**report.__dict__)


@router.post(
    "/draft",
    summary="Profile the live tables and write or refresh their table files (human text is kept)",
    responses=documented_errors(
        e409="The knowledge folder is not writable (send write_files: false).",
        e502="describe: the model call failed.",
        e503="describe: no model is configured (`model_not_configured`), or the database is unreachable.",
    ),
)
async def draft(body: DraftRequest, _: Admin, engines: EnginesDep, settings: SettingsDep) -> DraftResult:
    if body.describe and not settings.model_configured:
        raise ModelNotConfigured()
    options = ProfileOptions.from_settings(settings)
    if not body.write_files:
        profiles = await asyncio.to_thread(
            refresh_profiles, engines.analyst, engines.service, options, body.schemas, body.tables
        )
        rows = [_profiled(p.name, p.error) for p in profiles]
        return DraftResult(tables=rows, summary=f"{len(rows)} profile(s) refreshed; no file written")
    describer = make_describer(settings) if body.describe else None
    try:
        report = await asyncio.to_thread(
            draft_knowledge,
            engines.analyst,
            settings.knowledge_path,
            schemas=body.schemas,
            tables=body.tables,
            options=options,
            describe=describer,
            store=engines.service,
        )
    except OSError as exc:
        raise Conflict(
            f"Cannot write the knowledge folder {settings.knowledge_path}: {exc.strerror or exc}. "
            "Send write_files: false to refresh only the profiles the agents see.",
            detail={"settings": ["KNOWLEDGE_PATH"]},
        ) from exc
    tables = [
        DraftedTable(**{**t.__dict__, "added": list(t.added), "dropped": list(t.dropped)})
        for t in report.tables
    ]
    return DraftResult(tables=tables, summary=report.summary())


def _profiled(name: str, error: str | None) -> DraftedTable:
    status, message = ("failed", error) if error else ("refreshed", "profile stored")
    return DraftedTable(table=name, file="", status=status, added=[], dropped=[], message=message)


def embedder_of(request: Request) -> Embedder:
    return request.app.state.deps.embedder  # type: ignore[no-any-return]


def _problem(problem: Problem) -> ProblemOut:
    return ProblemOut(file=problem.file, line=problem.line, field=problem.field, message=problem.message)


def _guarded(fn: Any) -> Any:
    """Embedder trouble is a 503 naming what to fix, not a 500."""

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (EmbedderError, EmbedderMismatch) as exc:
            raise ServiceUnavailable(str(exc), detail={"settings": ["EMBEDDER"]}) from exc

    return call
