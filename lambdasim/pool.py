"""One function's pool of execution environments (instances).

Idle instances wait in a deque ordered by when they went idle (oldest on the
left). Keep-alive is enforced lazily: an instance idle for longer than
``idle_s`` is retired, at the exact time it expired, when the pool is next
touched or when the run ends; no timer process per instance.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from .instances import InstanceLog

__all__ = ["InstancePool"]


class InstancePool:
    def __init__(self, function: int, idle_s: float, selection: str, log: InstanceLog,
                 rng: np.random.Generator | None = None):
        if selection not in ("mru", "lru", "random"):
            raise ValueError(f"Unknown instance selection {selection!r}")
        self.function, self.idle_s, self.selection, self.log = function, idle_s, selection, log
        self._rng = rng
        self.idle: deque[tuple[float, int]] = deque()  # (idle since, instance id)

    def reap(self, t: float) -> None:
        """Retire every instance whose keep-alive expired at or before ``t``."""
        idle, ka, retire = self.idle, self.idle_s, self.log.retire
        while idle and idle[0][0] + ka <= t:
            since, gid = idle.popleft()
            retire(gid, since + ka)

    def take(self, t: float) -> int:
        """An idle instance's id by the selection rule, or -1 if none is warm at ``t``."""
        self.reap(t)
        idle = self.idle
        if not idle:
            return -1
        if self.selection == "mru":
            return idle.pop()[1]
        if self.selection == "lru":
            return idle.popleft()[1]
        k = int(self._rng.integers(len(idle)))
        gid = idle[k][1]
        del idle[k]
        return gid

    def create(self, t: float, init_s: float) -> int:
        """Start a new instance at ``t`` (a cold start); it is ready after ``init_s``."""
        return self.log.create(self.function, t, t + init_s)

    def release(self, gid: int, t: float) -> None:
        """Instance ``gid`` finished its run at ``t`` and is now idle."""
        self.idle.append((t, gid))

    def close(self, horizon_s: float) -> None:
        """End of run: retire what expired by the horizon; the rest stay live."""
        self.reap(horizon_s)
