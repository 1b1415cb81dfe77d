"""The curated knowledge files as MCP resources: `dash://knowledge/{folder}/{file}`.

Listing names every file under KNOWLEDGE_PATH (read when asked, so edits show up); reading one
needs the analyst role, like knowledge search over REST. Only files in the four known folders
can be named: a URI is never a path into the rest of the disk.
"""

from __future__ import annotations

from pathlib import Path

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.types import Resource as ListedResource

from app.auth import Role
from app.mcp.access import principal_of

FOLDERS = {"tables": "*.json", "business": "*.json", "queries": "*.sql", "docs": "*.md"}
MIME = {".json": "application/json", ".sql": "application/sql", ".md": "text/markdown"}
TEMPLATE = "dash://knowledge/{folder}/{file}"


def knowledge_files(root: Path) -> list[Path]:
    """Every curated file, in a stable order."""
    return sorted(
        p for folder, pattern in FOLDERS.items() for p in (root / folder).glob(pattern) if p.is_file()
    )


def listing(root: Path) -> list[ListedResource]:
    return [
        ListedResource(
            uri=f"dash://knowledge/{p.parent.name}/{p.name}",
            name=f"{p.parent.name}/{p.name}",
            description=f"Curated knowledge: {p.parent.name}/{p.name}",
            mime_type=MIME.get(p.suffix, "text/plain"),
        )
        for p in knowledge_files(root)
    ]


def read_knowledge_file(root: Path, folder: str, file: str, ctx: Context) -> str:
    """The text of one curated knowledge file (analyst role)."""
    principal = principal_of(ctx)
    if principal.role < Role.analyst:
        raise ResourceError(
            f"Reading knowledge files needs the analyst role; you have {principal.role.name}."
        )
    wanted = {(p.parent.name, p.name): p for p in knowledge_files(root)}.get((folder, file))
    if wanted is None:
        raise ResourceNotFoundError(f"No knowledge file {folder}/{file}; list the resources to see them.")
    return wanted.read_text(encoding="utf-8")
