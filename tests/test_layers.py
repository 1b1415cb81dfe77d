"""Imports point down only: app -> agents -> db -> core, and core is free of any web framework."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]
LAYERS = ("core", "db", "agents", "app")  # each may import the ones before it, never those after
WEB_FRAMEWORKS = {"fastapi", "starlette", "slack_bolt", "uvicorn"}
OUTSIDE_THE_PRODUCT = {"evals", "scripts", "benchmarks", "tests"}


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at the top or inside a function (lazy imports count too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def forbidden_for(layer: str) -> set[str]:
    later = set(LAYERS[LAYERS.index(layer) + 1 :])
    return later | OUTSIDE_THE_PRODUCT | (WEB_FRAMEWORKS if layer == "core" else set())


def violations(root: Path) -> list[str]:
    found = []
    for layer in LAYERS:
        forbidden = forbidden_for(layer)
        for path in sorted((root / layer).rglob("*.py")):
            for module in sorted(imported_modules(path)):
                if module.split(".")[0] in forbidden:
                    found.append(f"{path.relative_to(root)} imports {module}")
    return found


def test_imports_point_down_only() -> None:
    assert violations(ROOT) == []


def test_the_rule_catches_an_upward_import(tmp_path: Path) -> None:
    for layer in LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "db" / "store.py").write_text("def f():\n    from app.errors import NotFound\n")
    (tmp_path / "agents" / "team.py").write_text("import app.hub\nfrom db import store\n")
    (tmp_path / "core" / "errors.py").write_text("from fastapi import HTTPException\n")
    (tmp_path / "app" / "main.py").write_text("from agents import team\nfrom core import errors\n")
    assert violations(tmp_path) == [
        "core/errors.py imports fastapi",
        "db/store.py imports app.errors",
        "agents/team.py imports app.hub",
    ]


def test_main_stays_a_thin_wiring_module() -> None:
    tree = ast.parse((ROOT / "app" / "main.py").read_text())
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    assert len((ROOT / "app" / "main.py").read_text().splitlines()) < 200
    assert all(len(f.body) < 40 for f in functions), "create_app and the lifespan only wire parts together"
