"""The MCP server at `/mcp`: Dash for other AI tools (Claude Desktop, Cursor, internal agents).

`mount_mcp(app)` adds the streamable HTTP endpoint to the FastAPI app and runs the SDK's session
manager inside the app's lifespan. Tools and resources act as the caller, with the caller's role,
exactly as over REST (docs/MCP.md).
"""

from app.mcp.endpoint import mount_mcp

__all__ = ["mount_mcp"]
