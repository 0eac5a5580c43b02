"""One function's pool of execution environments (instances).

Idle instances wait in a deque ordered by when they went idle (oldest on the
left). Keep-alive is enforced lazily: an instance idle for longer than
``idle_s`` is retired, at the exact time it expired, when the pool is next
touched or when the run ends; no timer process per instance.

Which idle instance serves a call (``selection``): ``mru`` (the most
recently used, as AWS appears to do) keeps few instances busy and lets the
rest expire, so it creates the fewest instances; ``lru`` spreads calls over
all instances and keeps every one of them warm; ``random`` lies in between.

Provisioned instances (``pc_*``) sit in a separate stack, are used first
and are never retired by keep-alive; the schedule in
:mod:`lambdasim.awslambda.provisioned` adds and removes them. With
``max_lifetime_s`` an instance is recycled once it is that old: when it is
next released (a busy one finishes its call first) or found idle.

Each variant is a class, chosen once by :func:`open_pool` (the plain pool's
``take``/``release`` are the hot path and check nothing they need not):
:class:`InstancePool` (on-demand only), :class:`ProvisionedPool` (with a PC
stack), :class:`LifetimePool` (with ``max_lifetime_s``; PC too). Keep-alive
policies other than ``fixed`` subclass them (:mod:`lambdasim.awslambda.keepalive`).
"""
from __future__ import annotations

from collections import deque

import numpy as np

from lambdasim.awslambda.instances import InstanceLog

__all__ = ["InstancePool", "ProvisionedPool", "LifetimePool", "open_pool"]


def open_pool(function: int, idle_s: float, selection: str, log: InstanceLog, rng: np.random.Generator | None,
              max_lifetime_s: float | None, provisioned: bool) -> "InstancePool":
    """The pool for a fixed keep-alive of ``idle_s``: the simplest class that does what is asked."""
    if max_lifetime_s is not None:
        return LifetimePool(function, idle_s, selection, log, rng, max_lifetime_s)
    if provisioned:
        return ProvisionedPool(function, idle_s, selection, log, rng)
    return InstancePool(function, idle_s, selection, log, rng)


class InstancePool:
    """On-demand instances under a fixed keep-alive (no PC, no maximum lifetime)."""

    def __init__(self, function: int, idle_s: float, selection: str, log: InstanceLog,
                 rng: np.random.Generator | None = None):
        if selection not in ("mru", "lru", "random"):
            raise ValueError(f"Unknown instance selection {selection!r}")
        self.function, self.idle_s, self.selection, self.log = function, idle_s, selection, log
        self._rng = rng
        self.idle: deque[tuple[float, int]] = deque()  # (idle since, instance id)
        self.pc_idle: list[int] = []        # ready provisioned instances
        self.pc_ids: set[int] = set()       # live provisioned instances (idle, busy or starting)
        self.pc_retiring: set[int] = set()  # busy provisioned instances to retire when done
        self.lifetime_s: float | None = None  # set by LifetimePool (and policies that recycle)
        self.born: dict[int, float] = {}      # creation time of each live instance, with a lifetime

    def reap(self, t: float) -> None:
        """Retire every instance whose keep-alive expired at or before ``t``."""
        idle, ka, retire = self.idle, self.idle_s, self.log.retire
        while idle and idle[0][0] + ka <= t:
            since, gid = idle.popleft()
            retire(gid, self._end_of_life(gid, since, since + ka))

    def _pick(self) -> tuple[float, int]:
        idle = self.idle
        if self.selection == "mru":
            return idle.pop()
        if self.selection == "lru":
            return idle.popleft()
        k = int(self._rng.integers(len(idle)))
        item = idle[k]
        del idle[k]
        return item

    def take(self, t: float) -> int:
        """An idle instance's id by the selection rule, or -1 if none is warm at ``t``."""
        self.reap(t)
        if not self.idle:
            return -1
        return self._pick()[1]

    def _end_of_life(self, gid: int, since: float, expiry: float) -> float:
        if self.lifetime_s is None:
            return expiry
        return min(expiry, max(since, self.born.pop(gid) + self.lifetime_s))

    def create(self, t: float, init_s: float) -> int:
        """Start a new instance at ``t`` (a cold start); it is ready after ``init_s``."""
        gid = self.log.create(self.function, t, t + init_s)
        if self.lifetime_s is not None:
            self.born[gid] = t
        return gid

    def release(self, gid: int, t: float) -> None:
        """Instance ``gid`` finished its run at ``t`` and is now idle."""
        self.idle.append((t, gid))

    # --- provisioned concurrency -------------------------------------------------
    def pc_ready(self, gid: int) -> None:
        """A provisioned instance finished initialising and can take calls (unless removed meanwhile)."""
        if gid in self.pc_ids:
            self.pc_idle.append(gid)

    def close(self, horizon_s: float) -> None:
        """End of run: retire what expired by the horizon; the rest stay live."""
        self.reap(horizon_s)
        if self.lifetime_s is not None:
            keep = deque()
            for since, gid in self.idle:
                dies = self.born[gid] + self.lifetime_s
                if dies <= horizon_s:
                    self.log.retire(gid, max(since, dies))
                else:
                    keep.append((since, gid))
            self.idle = keep


class ProvisionedPool(InstancePool):
    """A pool with provisioned instances (released ones go back on the PC stack or retire)."""

    def release(self, gid: int, t: float) -> None:
        """Instance ``gid`` finished its run at ``t``: back on the PC stack, retired, or idle."""
        if gid in self.pc_ids:
            if gid in self.pc_retiring:
                self.pc_retiring.discard(gid)
                self.pc_ids.discard(gid)
                self.log.retire(gid, t)
            else:
                self.pc_idle.append(gid)
        elif self.lifetime_s is not None and self.born[gid] + self.lifetime_s <= t:
            del self.born[gid]
            self.log.retire(gid, t)
        else:
            self.idle.append((t, gid))


class LifetimePool(ProvisionedPool):
    """A pool whose instances are recycled at ``max_lifetime_s`` (PC instances as in ProvisionedPool)."""

    def __init__(self, function: int, idle_s: float, selection: str, log: InstanceLog,
                 rng: np.random.Generator | None, max_lifetime_s: float):
        super().__init__(function, idle_s, selection, log, rng)
        self.lifetime_s = max_lifetime_s

    def take(self, t: float) -> int:
        """As :meth:`InstancePool.take`; an instance found past its lifetime is retired instead."""
        self.reap(t)
        while self.idle:
            since, gid = self._pick()
            dies = self.born[gid] + self.lifetime_s
            if dies > t:
                return gid
            self.log.retire(gid, max(since, dies))
            del self.born[gid]
        return -1
