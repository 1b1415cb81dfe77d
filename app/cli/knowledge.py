"""`dash knowledge load|validate|search|draft`: check, load, query and draft the curated knowledge."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import create_engine

from app.cli.common import fail, friendly_errors, ready_target, settings
from db.embeddings import EmbedderError, make_embedder
from db.knowledge.loader import load_knowledge
from db.knowledge.problems import KINDS, KnowledgeInvalid
from db.knowledge.search import search as run_search
from db.knowledge.vectors import EmbedderMismatch, check_embedder

group = typer.Typer(help="Validate, load and search the curated knowledge.", no_args_is_help=True)
PathOption = Annotated[
    Path | None, typer.Option("--path", help="Knowledge folder (default: KNOWLEDGE_PATH, i.e. knowledge/).")
]
KIND_HELP = f"Only these kinds (repeatable): {', '.join(KINDS)}."


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the `dash` CLI."""
    cli.add_typer(group, name="knowledge")


@group.command("validate")
def validate(path: PathOption = None) -> None:
    """Check every knowledge file without loading; exit 1 listing file, line and field of each problem.

    Warnings (undescribed columns, descriptions a model drafted) are listed too but do not fail.
    """
    from db.knowledge.files import read_knowledge

    root = path or settings().knowledge_path
    knowledge = read_knowledge(root)
    for problem in knowledge.warnings + knowledge.problems:
        typer.echo(str(problem), err=True)
    if knowledge.problems:
        fail(f"{len(knowledge.problems)} problem(s) in {root}")
    warned = f" ({len(knowledge.warnings)} warning(s) to review)" if knowledge.warnings else ""
    typer.echo(f"{root}: all knowledge files are valid{warned}")


@group.command("load")
def load(
    path: PathOption = None,
    recreate: Annotated[
        bool, typer.Option("--recreate", help="Rebuild curated documents (and re-embed).")
    ] = False,
) -> None:
    """Validate, then upsert the knowledge files into the database (all or nothing)."""
    raise typer.Exit(run_load(path, recreate=recreate))


def run_load(path: Path | None, *, recreate: bool = False) -> int:
    """Shared by `dash knowledge load` and scripts/load_knowledge.py; returns the exit code."""
    s = settings()
    root = path or s.knowledge_path
    with friendly_errors():
        engine = create_engine(ready_target(s).service_url)
        try:
            report = load_knowledge(engine, make_embedder(s), root, recreate=recreate)
        except KnowledgeInvalid as exc:
            typer.echo(str(exc), err=True)
            return 1
        except (EmbedderMismatch, EmbedderError) as exc:
            typer.echo(f"error: {exc}", err=True)
            return 1
        finally:
            engine.dispose()
    typer.echo(f"{root}: {report.summary()}")
    return 0


@group.command("search")
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words.")],
    kind: Annotated[list[str] | None, typer.Option("--kind", help=KIND_HELP)] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100)] = 10,
    user: Annotated[str | None, typer.Option("--user", help="Also search this user's learnings.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (what the agents receive).")] = False,
) -> None:
    """Show what the agents would retrieve: kind, name, score and snippet."""
    s = settings()
    with friendly_errors():
        engine = create_engine(ready_target(s).service_url)
        try:
            embedder = make_embedder(s)
            check_embedder(engine, embedder)
            hits = run_search(
                engine,
                embedder,
                query,
                kinds=kind or None,
                user_id=user,
                limit=limit,
                ef_search=s.search_ef_search,
            )
        except (EmbedderMismatch, EmbedderError) as exc:
            fail(str(exc))
        finally:
            engine.dispose()
    if as_json:
        typer.echo(json.dumps([asdict(hit) for hit in hits], indent=2, default=str))
        return
    for hit in hits:
        typer.echo(f"{hit.score:.4f}  {hit.kind:<8} {hit.name}\n          {hit.snippet}")
    if not hits:
        typer.echo("no results (is the knowledge loaded? `dash knowledge load`)")


@group.command("draft")
def draft(
    schema: Annotated[
        list[str] | None,
        typer.Option("--schema", help="Schemas to profile (repeatable; default: public and dash)."),
    ] = None,
    table: Annotated[
        list[str] | None,
        typer.Option("--table", help="Only these tables or views (repeatable; name or schema.name)."),
    ] = None,
    path: PathOption = None,
    describe: Annotated[
        bool, typer.Option("--describe", help="Ask the configured model to propose missing descriptions.")
    ] = False,
) -> None:
    """Profile the live tables and views; write or refresh one table file each (human text is kept)."""
    from app.cli.drafting import run_draft  # the profiler and model client load only for this command

    raise typer.Exit(run_draft(schema or [], table or [], path, describe=describe))
