"""Read a knowledge folder into documents, or into every problem that stops it from loading.

knowledge/tables/*.json     one document per table
knowledge/business/*.json   one document per metric, business rule and gotcha
knowledge/queries/*.sql     one document per tagged query
knowledge/docs/**/*.md      one document per markdown file
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from db.knowledge.problems import Document, Problem
from db.knowledge.queries import parse_query_text
from db.knowledge.render import business_documents, query_document, table_document
from db.knowledge.review import table_warnings
from db.knowledge.schema import BUSINESS_SHAPE, TABLE_SHAPE, Checker, parse_json

FOLDERS = ("tables", "business", "queries", "docs")


@dataclass(frozen=True)
class KnowledgeSet:
    documents: list[Document]
    problems: list[Problem]
    files: list[str]
    warnings: list[Problem] = field(default_factory=list)


Profiles = Mapping[str, dict[str, Any]]


def read_knowledge(root: Path, profiles: Profiles | None = None) -> KnowledgeSet:
    """Every document under `root`, and every problem; documents are usable only if there are none.

    `profiles` (table name -> profile, from ai.table_profiles) replace the profiles written in the
    table files when they were measured later (they usually are: refreshed nightly). Warnings (undescribed columns, drafted descriptions) never
    stop a load.
    """
    if not root.is_dir():
        problem = Problem(str(root), 0, "(path)", "knowledge folder not found: set KNOWLEDGE_PATH or --path")
        return KnowledgeSet([], [problem], [])
    documents: list[Document] = []
    problems: list[Problem] = []
    files: list[str] = []
    for path, reader in _files(root):
        display = path.relative_to(root).as_posix()
        files.append(display)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(path), 0, "(file)", f"cannot read: {exc}"))
            continue
        found, wrong = (
            reader(text, display, profiles or {}) if reader is read_table else reader(text, display)
        )
        documents += found
        # Documents keep the path inside the folder (stable anywhere); people get one they can open.
        problems += [replace(p, file=(root / p.file).as_posix()) for p in wrong]
    duplicates = [replace(p, file=(root / p.file).as_posix()) for p in _duplicates(documents)]
    errors = [p for p in problems + duplicates if p.severity == "error"]
    return KnowledgeSet(documents, errors, files, [p for p in problems if p.severity == "warning"])


def _files(root: Path) -> list[tuple[Path, Any]]:
    readers = {
        "tables": ("*.json", read_table),
        "business": ("*.json", read_business),
        "queries": ("*.sql", read_queries),
        "docs": ("**/*.md", read_doc),
    }
    found = []
    for folder in FOLDERS:
        pattern, reader = readers[folder]
        found += [(path, reader) for path in sorted((root / folder).glob(pattern)) if path.is_file()]
    return found


def read_table(
    text: str, file: str, profiles: Profiles | None = None
) -> tuple[list[Document], list[Problem]]:
    """The table's document and its warnings, or its errors."""
    value, lines, problems = parse_json(text, file)
    if problems:
        return [], problems
    checker = Checker(file, lines)
    checker.check(value, TABLE_SHAPE)
    if checker.problems:
        return [], checker.problems
    profile = fresher((profiles or {}).get(value["table_name"].strip()), value.get("profile"))
    document = table_document(value, file, lines.get(("table_name",), 1), profile)
    return [document], table_warnings(value, file, lines)


def fresher(stored: Any, written: Any) -> Any:
    """The later of the stored and the written profile (ISO timestamps in UTC compare as text)."""
    if not isinstance(stored, dict) or not isinstance(written, dict):
        return stored if isinstance(stored, dict) else written
    return stored if str(stored.get("measured_at", "")) >= str(written.get("measured_at", "")) else written


def read_business(text: str, file: str) -> tuple[list[Document], list[Problem]]:
    value, lines, problems = parse_json(text, file)
    if problems:
        return [], problems
    checker = Checker(file, lines)
    checker.check(value, BUSINESS_SHAPE)
    if isinstance(value, dict) and not any(
        k in value for k in ("metrics", "business_rules", "common_gotchas")
    ):
        checker.fail(("metrics",), "a business file needs metrics, business_rules or common_gotchas", at=())
    if checker.problems:
        return [], checker.problems
    return business_documents(value, file, lines), []


def read_queries(text: str, file: str) -> tuple[list[Document], list[Problem]]:
    queries, problems = parse_query_text(text, file)
    if not queries and not problems:
        problems = [Problem(file, 1, "query", "no tagged query in this file (`-- <query NAME>` ...)")]
    return [query_document(q) for q in queries], problems


def read_doc(text: str, file: str) -> tuple[list[Document], list[Problem]]:
    if not text.strip():
        return [], [Problem(file, 1, "(content)", "the document is empty")]
    heading = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
    name = file.removeprefix("docs/").removesuffix(".md")
    title = heading.group(1).strip() if heading else name
    return [Document("doc", name, title, text.strip(), {"file": file}, file, 1)], []


def _duplicates(documents: list[Document]) -> list[Problem]:
    seen: dict[tuple[str, str], Document] = {}
    problems = []
    for doc in documents:
        key = (doc.kind, doc.name)
        if key in seen:
            first = seen[key]
            problems.append(
                Problem(
                    doc.source_file or "?",
                    doc.source_line or 0,
                    "name",
                    f"{doc.kind} {doc.name!r} is already defined in {first.source_file}:{first.source_line}",
                )
            )
        else:
            seen[key] = doc
    return problems
