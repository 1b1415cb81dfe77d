"""The MCP server object: Dash's tools and knowledge resources on the SDK's `MCPServer`."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from mcp.server.mcpserver import Context, MCPServer
from mcp.types import Resource as ListedResource

from app.mcp import resources
from app.mcp.tools import DashTools
from core.settings import Settings

INSTRUCTIONS = (
    "Dash answers questions about the company's data. Use `ask` for questions in plain English "
    "(it writes and runs SQL and explains the result); `search_knowledge` to see what Dash knows "
    "about tables, metrics and rules; `run_sql` for one read-only statement you wrote yourself. "
    "Every call acts as you, with your role."
)


class DashMcp(MCPServer):
    """Lists the curated knowledge files as resources (read through the template, with the role check)."""

    def __init__(self, knowledge_root: Path) -> None:
        # The SDK calls logging.basicConfig when built; how Dash logs is LOG_FORMAT's business.
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        super().__init__("dash", instructions=INSTRUCTIONS, version="0.1.0")
        root.handlers[:] = handlers
        root.setLevel(level)
        self.knowledge_root = knowledge_root

    async def list_resources(self) -> list[ListedResource]:
        return [*await super().list_resources(), *resources.listing(self.knowledge_root)]


def build_server(app: FastAPI, settings: Settings) -> DashMcp:
    server = DashMcp(Path(settings.knowledge_path))
    tools = DashTools(app)
    for tool in (tools.ask, tools.search_knowledge, tools.run_sql, tools.list_sessions, tools.get_run):
        server.add_tool(tool)
    root = server.knowledge_root

    @server.resource(resources.TEMPLATE, name="knowledge_file", mime_type="text/plain")
    def knowledge_file(folder: str, file: str, ctx: Context) -> str:
        """One curated knowledge file: tables/*.json, business/*.json, queries/*.sql or docs/*.md."""
        return resources.read_knowledge_file(root, folder, file, ctx)

    return server
