"""example.env documents every setting, in the same order, each with a comment."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings

EXAMPLE = Path(__file__).resolve().parents[2] / "example.env"
COMPOSE_ONLY_MARKER = "# --- compose only"


def _documented() -> list[tuple[str, str]]:
    """(KEY, comment line above it) for every setting in example.env, before the compose section."""
    entries, previous = [], ""
    for line in EXAMPLE.read_text().splitlines():
        if line.startswith(COMPOSE_ONLY_MARKER):
            break
        if line and not line.startswith("#") and "=" in line:
            entries.append((line.split("=", 1)[0], previous))
        previous = line
    return entries


def test_example_env_lists_every_setting_in_order() -> None:
    assert [key for key, _ in _documented()] == [name.upper() for name in Settings.model_fields]


def test_every_setting_has_a_comment() -> None:
    missing = [key for key, comment in _documented() if not comment.startswith("#")]
    assert not missing, f"settings without a comment line above them in example.env: {missing}"


def test_example_env_values_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, _ in _documented():
        monkeypatch.delenv(key, raising=False)
    settings = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert settings.embedded_database  # empty DATABASE_URL means "embedded", not ""
    assert settings.db_analyst_password is None


def test_production_refuses_placeholder_secrets() -> None:
    with pytest.raises(ValueError, match="DB_SERVICE_PASSWORD"):
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            dash_env="production",
            database_url="postgresql://u:p@db/dash",
            db_service_password="changeme",
            db_analyst_password="x" * 20,
            db_engineer_password="y" * 20,
        )


def test_readme_documents_every_setting() -> None:
    readme = (EXAMPLE.parent / "README.md").read_text()
    missing = [name.upper() for name in Settings.model_fields if f"`{name.upper()}`" not in readme]
    assert not missing, f"settings missing from the README's settings table: {missing}"
