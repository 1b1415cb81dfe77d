"""The embedded PostgreSQL launcher: side-by-side servers, reuse, clean stop, clear errors."""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from db.embedded import EmbeddedPostgres, EmbeddedPostgresError


@pytest.fixture
def homes() -> Iterator[list[Path]]:
    made: list[Path] = []
    yield made
    for home in made:
        EmbeddedPostgres(home).destroy()


def _new_home(homes: list[Path]) -> Path:
    home = Path(tempfile.mkdtemp(prefix="dash-e-", dir="/tmp"))
    os.chmod(home, 0o755)
    homes.append(home)
    return home


def _version(server: EmbeddedPostgres, port: int) -> str:
    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname="dash", password=server.secrets()["superuser"]
    ) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]


def test_two_data_folders_run_side_by_side(homes: list[Path]) -> None:
    first = EmbeddedPostgres(_new_home(homes), fast_unsafe=True)
    second = EmbeddedPostgres(_new_home(homes), fast_unsafe=True)
    a, b = first.ensure_started(), second.ensure_started()
    assert a.port != b.port
    assert _version(first, a.port or 0).startswith("18")
    assert _version(second, b.port or 0).startswith("18")


def test_reuses_existing_data_folder_and_stops_by_pid(homes: list[Path]) -> None:
    server = EmbeddedPostgres(_new_home(homes), fast_unsafe=True)
    status = server.ensure_started()
    assert server.ensure_started().pid == status.pid  # already running: reused, not restarted
    with psycopg.connect(
        host="127.0.0.1",
        port=status.port,
        user="postgres",
        dbname="dash",
        password=server.secrets()["superuser"],
        autocommit=True,
    ) as conn:
        conn.execute("CREATE TABLE kept (x int)")
    assert server.stop() is True
    assert not server.status().running
    assert server.stop() is False
    again = server.ensure_started()
    with psycopg.connect(
        host="127.0.0.1",
        port=again.port,
        user="postgres",
        dbname="dash",
        password=server.secrets()["superuser"],
    ) as conn:
        assert conn.execute("SELECT to_regclass('kept') IS NOT NULL").fetchone() == (True,)


def test_port_in_use_is_a_clear_error_naming_the_log(homes: list[Path]) -> None:
    server = EmbeddedPostgres(_new_home(homes), fast_unsafe=True)
    server.initialize()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EmbeddedPostgresError) as err:
            server._start(port)
    assert "already in use" in str(err.value)
    assert str(server.log_file) in str(err.value)


@pytest.mark.skipif(os.getuid() != 0, reason="only root hands the server to `nobody`")
def test_unreachable_home_is_a_clear_error(homes: list[Path]) -> None:
    private = Path(tempfile.mkdtemp(prefix="dash-p-", dir="/tmp"))  # mode 700, owned by root
    homes.append(private)
    with pytest.raises(EmbeddedPostgresError, match="cannot enter"):
        EmbeddedPostgres(private / "home").initialize()
