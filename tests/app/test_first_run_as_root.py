"""The README's first run as root with the clone in a 0700 home folder (like /root/dash).

The embedded server then runs as `nobody`, who can enter neither the clone's `.venv` (the binaries)
nor its `.dash` (the data): Dash must place both where `nobody` can and say so, for `dash up` and
for the test suite's own server alike.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from db.embedded import EmbeddedPostgres, free_port

REPO = Path(__file__).resolve().parents[2]
UV = shutil.which("uv")

pytestmark = [
    pytest.mark.skipif(os.getuid() != 0, reason="only root hands the server to `nobody`"),
    pytest.mark.skipif(UV is None, reason="uv is not on PATH"),
]


@pytest.fixture
def clone() -> Iterator[Path]:
    """The project's tracked files (as they are now) in a fresh folder inside a 0700 'home'."""
    home = Path(tempfile.mkdtemp(prefix="dash-root-home-", dir="/tmp"))  # mode 700, owned by root
    target = home / "dash"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True)
    for name in listed.stdout.decode().split("\0"):
        if name and (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    try:
        yield target
    finally:
        EmbeddedPostgres(target / ".dash").destroy()  # the placed cluster included
        shutil.rmtree(home, ignore_errors=True)


def _env(**extra: str) -> dict[str, str]:
    drop = ("DATABASE_URL", "OPENAI_", "DB_", "VIRTUAL_ENV", "DASH_HOME", "PYTEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(extra)
    return env


def _uv(clone: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(UV), *args], cwd=clone, env=_env(), capture_output=True, text=True, timeout=timeout
    )


def _placed_trees(output: str) -> list[Path]:
    return [Path(p) for p in re.findall(r"copy of its binaries in (\S+)", output)]


def test_readme_commands_work_as_root_in_a_private_home(clone: Path) -> None:
    assert oct(clone.parent.stat().st_mode & 0o777) == "0o700"
    synced = _uv(clone, "sync", "--frozen")
    assert synced.returncode == 0, synced.stderr
    trees: list[Path] = []
    try:
        up_output = _dash_up_until_healthy_then_sigterm(clone)
        trees += _placed_trees(up_output)
        assert f"cannot enter {clone.parent}" in up_output
        assert "embedded PostgreSQL stopped" in up_output
        assert "Traceback" not in up_output
        suite = _uv(
            clone,
            "run",
            "--frozen",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "tests/db/test_embedded.py",
            "-k",
            "side_by_side or placed",
        )
        assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-3000:]
        assert " passed" in suite.stdout and "skipped" not in suite.stdout
    finally:
        for tree in trees:  # the read-only binaries placed for this throw-away clone
            shutil.rmtree(tree, ignore_errors=True)


def _dash_up_until_healthy_then_sigterm(clone: Path) -> str:
    port = free_port()
    env = _env(PORT=str(port), DASH_HOME=str(clone / ".dash"))
    proc = subprocess.Popen(
        [str(UV), "run", "--frozen", "dash", "up"],  # the README's command; uv passes SIGTERM on
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_ok(f"http://127.0.0.1:{port}/health", proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, output
    assert not EmbeddedPostgres(clone / ".dash").status().running
    return output


def _wait_ok(url: str, proc: subprocess.Popen[str], timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"dash up exited early:\n{proc.stdout.read() if proc.stdout else ''}")
        try:
            if httpx.get(url, timeout=2).json()["status"] == "ok":
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise AssertionError("dash up did not say ok on /health in time")
