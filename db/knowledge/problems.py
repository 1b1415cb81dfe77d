"""What the knowledge files produce: documents to load, or problems a person must fix."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

KINDS = ("table", "query", "business", "view", "doc", "learning")
DOCUMENT_KINDS = ("table", "query", "business", "view", "doc")
SEARCH_TEXT_VERSION = 2  # 2: document names indexed with abbreviations spelled out (search_terms)


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a knowledge file, located precisely enough to fix without searching."""

    file: str
    line: int
    field: str
    message: str
    # "warning": worth a person's attention (an undescribed column, a drafted description) but the
    # file is usable and loads; "error": nothing loads until it is fixed.
    severity: str = "error"

    def __str__(self) -> str:
        warning = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {self.field}: {warning}{self.message}"


@dataclass(frozen=True)
class Document:
    """One searchable unit: a table, a metric, a rule, a gotcha, a query, a doc, a view note."""

    kind: str
    name: str
    title: str
    content: str
    metadata: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    source_file: str | None = None
    source_line: int | None = None
    summary: str = ""

    @property
    def embed_text(self) -> str:
        return embed_text(self.title, self.summary, self.content)

    @property
    def content_hash(self) -> str:
        # Everything that would change what is stored or searched; not where it sits in the file.
        # SEARCH_TEXT_VERSION too: when the words derived for search change, a load rewrites them.
        payload = json.dumps(
            [
                SEARCH_TEXT_VERSION,
                self.kind,
                self.name,
                self.title,
                self.summary,
                self.content,
                self.metadata,
            ],
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


def embed_text(title: str, summary: str, content: str) -> str:
    """What the embedder reads: the short summary when there is one (the model sees 256 tokens)."""
    return f"{title}\n{summary}" if summary else content


EMBED_TEXT_SQL = "CASE WHEN summary <> '' THEN title || E'\\n' || summary ELSE content END"


class KnowledgeInvalid(ValueError):
    """Knowledge files have problems; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} problem(s) in the knowledge files; nothing was loaded:\n{lines}")
