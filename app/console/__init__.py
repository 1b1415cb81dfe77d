"""The Dash console: one HTML page at `/` and its committed static files under `/console/`.

The page holds no data and needs no sign-in; everything it shows comes from the public REST API,
called by the browser with the caller's own bearer token (or none in development mode), so the API's
auth and roles are the only gate. Files are read from `static/` only: a path that leaves it is a 404.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, Response

from core.errors import NotFound

STATIC = Path(__file__).parent / "static"
# Vega compiles expressions with `new Function`, hence 'unsafe-eval'; vega-embed adds a <style>.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
MEDIA = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml"}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def console_page() -> Response:
    """The console's single page; it loads its modules from /console/."""
    headers = {
        "Content-Security-Policy": CSP,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=headers)


@router.get("/console/{path:path}")
async def console_file(path: str) -> Response:
    """A static file of the console (modules, CSS, the vendored chart libraries)."""
    file = static_file(path)
    headers = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
    return FileResponse(file, media_type=MEDIA.get(file.suffix, "application/octet-stream"), headers=headers)


def static_file(path: str) -> Path:
    """The file under `static/` named by `path`; NotFound for anything else (`..`, folders, missing)."""
    file = (STATIC / path).resolve()
    if not file.is_relative_to(STATIC.resolve()) or not file.is_file():
        raise NotFound(f"No console file {path!r}.", detail={"path": path})
    return file
