"""Which process drives a run, and whether a run's owner is known to be dead.

A run records its owner's host, pid and a random id of the process. On the same host a dead
owner is certain: its pid is gone, or the pid is ours but the random id is not (a restarted
container's process 1). On another host we cannot tell, so those runs wait for their heartbeats
to age (`recover_interrupted_runs`).
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    instance: str

    def outlived(self, pid: int | None, instance: str | None) -> bool:
        """True when the process (`pid`, `instance`) on this same host is certainly dead."""
        if pid is None:
            return False
        if pid == self.pid:
            return instance != self.instance
        return not pid_alive(pid)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def host_identity() -> str:
    """Processes that see each other's pids share this: hostname, kernel boot, pid namespace."""
    parts = [socket.gethostname()]
    boot = Path("/proc/sys/kernel/random/boot_id")
    if boot.exists():
        parts.append(boot.read_text().strip())
    namespace = Path("/proc/self/ns/pid")
    if namespace.exists():
        parts.append(str(os.stat(namespace).st_ino))
    return "/".join(parts)


@lru_cache(maxsize=1)
def this_process() -> Owner:
    return Owner(host_identity(), os.getpid(), uuid.uuid4().hex)
