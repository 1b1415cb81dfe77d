"""Parse `knowledge/queries/*.sql`: many tagged queries per file, each one document.

    -- <query monthly_revenue>
    -- <description>Revenue per month from paid orders</description>
    -- <query>
    SELECT ...;
    -- </query>

A query is never split: everything between `-- <query>` and `-- </query>` is its SQL. SQL outside
any tag is an error (an "untagged query"), because it would silently never reach the agents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

from db.knowledge.problems import Problem

HEADER = re.compile(r"^\s*--\s*<query\s+([^>]*?)\s*>\s*$")
OPEN = re.compile(r"^\s*--\s*<query>\s*$")
CLOSE = re.compile(r"^\s*--\s*</query>\s*$")
DESCRIPTION = re.compile(r"^\s*--\s*<description>(.*?)(</description>)?\s*$")
DESCRIPTION_END = re.compile(r"^\s*--\s*(.*?)</description>\s*$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ValidatedQuery:
    """One tagged query: its name, description and SQL, and where it was written."""

    name: str
    description: str
    sql: str
    file: str
    line: int
    tables: tuple[str, ...] = ()  # what it reads, from the one parse that validated it


@dataclass
class _Pending:
    name: str
    line: int
    description: list[str] = field(default_factory=list)
    description_open: bool = False
    body: list[str] | None = None
    body_line: int = 0


class _Parser:
    def __init__(self, file: str) -> None:
        self.file = file
        self.queries: list[ValidatedQuery] = []
        self.problems: list[Problem] = []
        self.pending: _Pending | None = None
        self.untagged_reported = False

    def problem(self, line: int, where: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, where, message))

    def feed(self, number: int, text: str) -> None:
        if self.pending is not None and self.pending.body is not None:
            self._in_body(number, text)
        elif self.pending is not None:
            self._in_header(number, text)
        else:
            self._outside(number, text)

    def _outside(self, number: int, text: str) -> None:
        if match := HEADER.match(text):
            self.pending = _Pending(match.group(1), number)
        elif OPEN.match(text):
            self.problem(number, "query", "`-- <query>` without a `-- <query NAME>` header before it")
        elif text.strip() and not text.lstrip().startswith("--"):
            if not self.untagged_reported:
                self.problem(
                    number,
                    "query",
                    "untagged query: SQL outside `-- <query NAME>` ... `-- </query>` tags is never loaded",
                )
            self.untagged_reported = True
            return
        self.untagged_reported = False

    def _in_header(self, number: int, text: str) -> None:
        pending = self.pending
        assert pending is not None
        if pending.description_open:
            end = DESCRIPTION_END.match(text)
            pending.description.append((end.group(1) if end else text.lstrip(" -")).strip())
            pending.description_open = end is None
        elif match := DESCRIPTION.match(text):
            pending.description.append(match.group(1).strip())
            pending.description_open = match.group(2) is None
        elif OPEN.match(text):
            pending.body, pending.body_line = [], number + 1
        elif HEADER.match(text) or (text.strip() and not text.lstrip().startswith("--")):
            self.problem(
                pending.line, "query", f"query {pending.name!r} has no `-- <query>` line before its SQL"
            )
            self.pending = None
            self._outside(number, text)

    def _in_body(self, number: int, text: str) -> None:
        pending = self.pending
        assert pending is not None and pending.body is not None
        if CLOSE.match(text):
            self._finish(pending)
            self.pending = None
        elif HEADER.match(text) or OPEN.match(text):
            self.problem(pending.line, "query", f"query {pending.name!r} is not closed with `-- </query>`")
            self.pending = None
            self._outside(number, text)
        else:
            pending.body.append(text)

    def close(self) -> None:
        if self.pending is not None:
            self.problem(
                self.pending.line, "query", f"query {self.pending.name!r} is not closed with `-- </query>`"
            )

    def _finish(self, pending: _Pending) -> None:
        sql = "\n".join(pending.body or []).strip()
        description = " ".join(part for part in pending.description if part).strip()
        before = len(self.problems)
        if not NAME.match(pending.name):
            self.problem(pending.line, "name", f"query name {pending.name!r} must be lower_snake_case")
        if not description:
            self.problem(pending.line, "description", "missing `-- <description>...</description>`")
        statement, error = _parse(sql) if sql else (None, None)
        if not sql:
            self.problem(pending.body_line, "sql", "the query has no SQL")
        elif error:
            self.problem(pending.body_line, "sql", f"not valid PostgreSQL: {error}")
        if len(self.problems) == before and statement is not None:
            tables = tuple(tables_of(statement))
            self.queries.append(
                ValidatedQuery(pending.name, description, sql, self.file, pending.line, tables)
            )


def _parse(sql: str) -> tuple[exp.Expr | None, str | None]:
    """The one statement of `sql`, or why it is not one."""
    try:
        statements = [s for s in sqlglot.parse(sql, dialect="postgres") if s is not None]
    except ParseError as exc:
        return None, str(exc).splitlines()[0]
    if len(statements) != 1:
        return None, f"expected exactly one statement, found {len(statements)}"
    return statements[0], None


def tables_of(tree: exp.Expr) -> list[str]:
    """Tables a parsed query reads (CTE names excluded), so agents see what a query depends on."""
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return sorted({t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes})


def parse_query_text(text: str, file: str) -> tuple[list[ValidatedQuery], list[Problem]]:
    """Every tagged query in one file's text, and every problem found, with line numbers."""
    parser = _Parser(file)
    for number, line in enumerate(text.splitlines(), start=1):
        parser.feed(number, line)
    parser.close()
    return parser.queries, parser.problems


def parse_query_file(path: Path, display: str | None = None) -> tuple[list[ValidatedQuery], list[Problem]]:
    return parse_query_text(path.read_text(encoding="utf-8"), display or str(path))


def load_validated_queries(directory: Path) -> list[ValidatedQuery]:
    """All queries of `directory/*.sql`; raises ValueError listing every problem (for tests and tools)."""
    queries: list[ValidatedQuery] = []
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.sql")):
        found, wrong = parse_query_file(path)
        queries += found
        problems += wrong
    if problems:
        raise ValueError("\n".join(str(p) for p in problems))
    return queries
