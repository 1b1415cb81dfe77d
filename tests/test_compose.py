"""compose.yaml is valid: checked with `docker-compose config` (no Docker engine needed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_compose_config_is_valid(tmp_path: Path) -> None:
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    shutil.copy(ROOT / "example.env", tmp_path / ".env")
    (tmp_path / "Dockerfile").write_text((ROOT / "Dockerfile").read_text())
    result = subprocess.run(
        ["docker-compose", "-f", "compose.yaml", "config"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "POSTGRES_PASSWORD": "s3cret-for-test"},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    api = config["services"]["dash-api"]
    assert api["container_name"] == "dash-api"
    assert api["depends_on"]["dash-db"]["condition"] == "service_healthy"
    assert api["environment"]["DATABASE_URL"] == "postgresql://dash:s3cret-for-test@dash-db:5432/dash"
    assert config["services"]["dash-db"]["image"] == "pgvector/pgvector:pg18"
    assert "healthcheck" in config["services"]["dash-db"]


def test_dockerfile_runs_as_non_root_from_the_lock() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert "uv sync --frozen" in text
    assert "\nUSER dash\n" in text
    assert "HEALTHCHECK" in text
