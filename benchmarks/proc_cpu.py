"""CPU seconds of process trees, read from /proc (Linux): what a server and its children used.

A tree's figure is utime + stime of every live process in it plus cutime + cstime (children
already exited and reaped: PostgreSQL backends of closed connections), so a difference of two
readings counts every process that ran in between, whether it still lives or not.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone meanwhile
        return None
    return raw[raw.rindex(")") + 2 :].split()


def _children() -> dict[int, list[int]]:
    """{parent pid: [child pids]} of every process now."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))) is not None:
            tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _descendants(root: int, tree: dict[int, list[int]]) -> list[int]:
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(tree.get(pid, []))
    return found


def tree_cpu_s(*roots: int) -> float:
    """CPU seconds used so far by the processes `roots`, their descendants and reaped children."""
    tree, ticks = _children(), 0
    for root in roots:
        for pid in _descendants(root, tree):
            fields = _stat_fields(pid)
            if fields is not None:  # utime, stime, cutime, cstime: fields 14-17 of stat
                ticks += sum(int(v) for v in fields[11:15])
    return ticks / TICKS


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


class CpuMeter:
    """CPU seconds of a server process tree and of the database's, between `start()` and `stop()`."""

    def __init__(self, server_pid: int, postmaster_pid: int) -> None:
        self.pids = (server_pid, postmaster_pid)
        self.server_s = self.database_s = 0.0

    def start(self) -> None:
        self.server_s, self.database_s = (-tree_cpu_s(pid) for pid in self.pids)

    def stop(self) -> None:
        self.server_s += tree_cpu_s(self.pids[0])
        self.database_s += tree_cpu_s(self.pids[1])

    def per(self, count: int) -> str:
        """`total (Dash + PostgreSQL)` per item, in milliseconds."""
        server, database = self.server_s / count * 1000, self.database_s / count * 1000
        return f"{server + database:.1f} ms (Dash {server:.1f} + PostgreSQL {database:.1f})"
