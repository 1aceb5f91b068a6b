"""Claim files: two runs on one results directory split the work instead of both doing all of it.

Before a run computes a unit it creates ``<unit>.claim`` with ``O_CREAT | O_EXCL`` (atomic on local
file systems and on NFS v3+), holding its owner (host, pid, a random token). A heartbeat thread
touches every claim the run holds each ``timeout / 4`` seconds; a claim whose file has not been
touched for ``timeout`` seconds, or whose owner on this host is no longer a live process, is stale
and is taken over (renamed aside, checked, then claimed afresh). A run releases its claims when a
unit is stored, fails, or the run stops, so only a run killed with SIGKILL leaves claims behind.

The worst a race between two take-overs can do is have one unit computed twice; results are
written atomically and are identical either way, so a claim saves work and never decides a number.
Hosts that share a results directory need clocks that agree to well within ``timeout``.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: seconds without a heartbeat after which another run takes a claim over
CLAIM_TIMEOUT = 120.0


def _pid_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return True  # unknown: let the heartbeat decide
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Claims:
    """The claim files this process holds, kept alive by a heartbeat thread (a context manager)."""

    def __init__(self, timeout: float = CLAIM_TIMEOUT) -> None:
        if not timeout > 0:
            raise ValueError(f"claim timeout must be positive, got {timeout}")
        self.timeout = float(timeout)
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.token = uuid.uuid4().hex[:12]
        self._held: set[Path] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def owner(self) -> dict[str, Any]:
        return {"host": self.host, "pid": self.pid, "token": self.token}

    def __enter__(self) -> Claims:
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="archbench-claims", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            held = list(self._held)
        for path in held:
            self.release(path)

    # ---- claiming ---------------------------------------------------------------------------------
    def acquire(self, path: str | os.PathLike[str]) -> bool:
        """Claim ``path`` (True), or leave it to the live run that holds it (False)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(3):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            except FileExistsError:
                if not self._take_over(path):
                    return False
                continue
            with os.fdopen(fd, "w") as fh:
                json.dump({**self.owner, "claimed_at": time.time()}, fh)
            with self._lock:
                self._held.add(path)
            return True
        return False

    def release(self, path: str | os.PathLike[str]) -> None:
        """Give a claim up (the file is removed only while it is still this run's)."""
        path = Path(path)
        with self._lock:
            self._held.discard(path)
        if self.holder(path).get("token") == self.token:
            path.unlink(missing_ok=True)

    def holds(self, path: str | os.PathLike[str]) -> bool:
        with self._lock:
            return Path(path) in self._held

    def sweep(self, paths: Iterable[str | os.PathLike[str]]) -> int:
        """Remove the stale claims among ``paths`` (a run killed between storing a result and releasing
        its claim leaves one on a finished item); returns how many were removed."""
        removed = 0
        for path in paths:
            if os.path.lexists(path) and self.is_stale(path) and self._take_over(Path(path)):
                removed += 1
        return removed

    # ---- other runs' claims -------------------------------------------------------------------------
    @staticmethod
    def holder(path: str | os.PathLike[str]) -> dict[str, Any]:
        """The owner recorded in a claim file ({} if absent or still being written)."""
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def is_stale(self, path: str | os.PathLike[str]) -> bool:
        """True when the claim's owner died: no heartbeat for ``timeout`` s, or a dead process on this host."""
        try:
            age = time.time() - os.stat(path).st_mtime
        except FileNotFoundError:
            return False
        owner = self.holder(path)
        if owner.get("token") == self.token:
            return False
        if owner.get("host") == self.host and not _pid_alive(owner.get("pid")):
            return True
        return age > self.timeout

    def _take_over(self, path: Path) -> bool:
        """Move a stale claim aside (True: try to claim again), or leave a live one (False)."""
        if not self.is_stale(path):
            return False
        aside = path.with_name(f"{path.name}.{self.token}.stale")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return True  # released meanwhile
        if not self.is_stale(aside):  # someone claimed afresh between our check and the rename: give it back
            os.replace(aside, path)
            return False
        aside.unlink(missing_ok=True)
        return True

    def _beat(self) -> None:
        interval = max(0.05, self.timeout / 4)
        while not self._stop.wait(interval):
            with self._lock:
                held = list(self._held)
            for path in held:
                try:
                    os.utime(path)
                except FileNotFoundError:
                    pass  # taken over after a stall; the unit's result is written all the same
