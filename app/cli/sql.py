"""`dash sql ...` (placeholder: filled in by the issue that builds it)."""

from __future__ import annotations

import typer


def register(cli: typer.Typer) -> None:
    """Add this module's commands to the `dash` CLI."""
