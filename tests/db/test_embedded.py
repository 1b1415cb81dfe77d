"""The embedded PostgreSQL launcher: side-by-side servers, reuse, clean stop, clear errors."""

from __future__ import annotations

import os
import shutil
import socket
import stat
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
    for home in reversed(made):  # a home made inside another goes first
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
def test_a_home_nobody_can_enter_gets_its_cluster_placed_where_nobody_can(homes: list[Path]) -> None:
    private = Path(tempfile.mkdtemp(prefix="dash-p-", dir="/tmp"))  # mode 700, owned by root
    homes.append(private)
    server = EmbeddedPostgres(private / "home", fast_unsafe=True)
    homes.append(server.home)  # destroy() also removes the placed cluster
    status = server.ensure_started()
    assert _version(server, status.port or 0).startswith("18")
    placed = server.data_dir
    assert (server.home / "pgdata").resolve() == placed and not placed.is_relative_to(private)
    info = placed.stat()
    assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (server.user.uid, 0o700)
    for folder in placed.parents:  # nobody else may swap what leads to it
        assert folder.stat().st_uid == 0 and not folder.stat().st_mode & 0o022 or folder == Path("/")
    notes = server.placement_notes()  # the binaries may be placed too (a clone in a private home)
    assert any(f"cannot enter {private}" in note and str(placed) in note for note in notes)
    server.destroy()
    assert not placed.exists()


def test_restart_reuses_the_last_port_when_it_is_free(homes: list[Path]) -> None:
    server = EmbeddedPostgres(_new_home(homes), fast_unsafe=True)
    first = server.ensure_started().port
    server.stop()
    assert server.ensure_started().port == first  # clients holding the old URL keep working
    server.stop()
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", first or 0))
        busy.listen()
        moved = server.ensure_started().port
    assert moved != first
    server.stop()
    assert server.ensure_started().port == moved


@pytest.mark.skipif(os.getuid() != 0, reason="only root hands the server to `nobody`")
def test_a_placed_cluster_whose_home_was_deleted_is_named_not_overwritten(homes: list[Path]) -> None:
    private = Path(tempfile.mkdtemp(prefix="dash-p-", dir="/tmp"))
    homes.append(private)
    server = EmbeddedPostgres(private / "home", fast_unsafe=True)
    server.initialize()
    placed = server.data_dir
    shutil.rmtree(server.home)  # DASH_HOME, with the cluster's passwords, is gone; the cluster is not
    try:
        with pytest.raises(EmbeddedPostgresError, match="holds the cluster of an earlier"):
            EmbeddedPostgres(private / "home").ensure_started()
        assert (placed / "PG_VERSION").exists()
    finally:
        shutil.rmtree(placed.parent)
