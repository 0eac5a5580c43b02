"""A pool whose instances die by timers drawn per instance, by the function's quiet time, or by age.

Three timers, any of them optional, all enforced lazily (no timer event per
instance; an instance is retired at the exact time its timer ran out, when
the pool is next touched or when the run ends):

- the **instance timer** (``instance_idle_s``): an instance idle for that
  long is retired. A number, or a ``(low, high)`` range drawn uniformly each
  time the instance goes idle. Under the ``fixed`` policy this is ``idle_s``;
  under ``function_idle`` it is ``spare_idle_s``, the longer life AWS gave a
  spare idle instance while other instances kept serving (SimFaaS logs of
  2020: reused after up to 1,523 s idle; github.com/pacslab/serverless-performance-modeling).
- the **function timer** (``function_idle_s``): when the *function* has had
  no run in progress for that long, every idle instance goes. A lone idle
  instance is then retired ``function_idle_s`` after the function's last
  run ended (the 2020 logs: about 640 s, sharp; mikhail.io 2019: 10 min
  after the last request). Runs on provisioned instances do not count.
- the **lifetime cap** (``max_lifetime_s``, number or range drawn once per
  instance at its creation): an instance that old is retired when found
  idle, or when its current call ends (busy ones too: no instance lived past
  123 min in the 2020 logs; the Lambda docs: "every few hours").

Idle instances wait in a deque in the order they went idle (releases come in
time order), each with its own expiry; ``mru`` takes the most recently freed
one (the 2020 logs: 99.7 % of 22,946 choices). Ranges draw from the
scenario's ``keep_alive`` random stream, so runs stay deterministic.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np

from lambdasim.awslambda.instances import InstanceLog
from lambdasim.awslambda.pool import ProvisionedPool

__all__ = ["TimerPool", "Span"]

Span = float | tuple[float, float] | None


def _bounds(span: Span) -> tuple[float, float]:
    """(low, width) of a timer: a number has width 0; none is an infinite timer."""
    if span is None:
        return math.inf, 0.0
    if isinstance(span, tuple):
        return span[0], span[1] - span[0]
    return float(span), 0.0


class TimerPool(ProvisionedPool):
    """One function's instances under the instance, function and lifetime timers (see the module docstring).

    Provisioned instances are handled as in :class:`ProvisionedPool`; the idle deque holds
    ``(idle since, id, expiry)``.
    """

    def __init__(self, function: int, selection: str, log: InstanceLog, select_rng: np.random.Generator | None,
                 timer_rng: np.random.Generator | None, *, instance_idle_s: Span = None,
                 function_idle_s: float | None = None, max_lifetime_s: Span = None):
        super().__init__(function, math.inf, selection, log, select_rng)
        self._rng = select_rng
        self._timer_rng, self._u = timer_rng, []  # uniforms drawn 1,024 at a time, used from the end
        self._lo, self._w = _bounds(instance_idle_s)
        self.instance_idle_s, self.function_idle_s, self.timer_lifetime_s = instance_idle_s, function_idle_s, max_lifetime_s
        self.idle: deque[tuple[float, int, float]] = deque()  # (idle since, instance id, expiry)
        self.dies: dict[int, float] = {}    # instance id -> the end of its lifetime (with a cap)
        self.busy = 0                       # on-demand instances running a call
        self.quiet_since = 0.0              # when the last on-demand run ended (with busy == 0)

    # --- the timers ------------------------------------------------------------
    def _quiet(self, t: float) -> None:
        """The function timer: every idle instance dies once the function was quiet for ``function_idle_s``."""
        if self.function_idle_s is None or self.busy or not self.idle:
            return
        end = self.quiet_since + self.function_idle_s
        if end <= t:
            retire, dies = self.log.retire, self.dies
            for since, gid, expiry in self.idle:
                retire(gid, min(expiry, end))
                dies.pop(gid, None)
            self.idle.clear()

    def reap(self, t: float) -> None:
        """Retire the idle instances (from the oldest) whose time ran out at or before ``t``."""
        self._quiet(t)
        idle, retire = self.idle, self.log.retire
        while idle and idle[0][2] <= t:
            _, gid, expiry = idle.popleft()
            retire(gid, expiry)
            self.dies.pop(gid, None)

    # --- the pool interface (InstancePool's, with expiries) ------------------------------------
    def take(self, t: float) -> int:
        """An idle instance's id by the selection rule, or -1 if none is warm at ``t``."""
        idle = self.idle
        if not idle:
            return -1
        if not self.busy and self.function_idle_s is not None:
            self._quiet(t)
        retire = self.log.retire
        while idle and idle[0][2] <= t:  # the reap, inlined (the hot path)
            _, gid, expiry = idle.popleft()
            retire(gid, expiry)
            self.dies.pop(gid, None)
        mru = self.selection == "mru"
        while idle:
            _, gid, expiry = idle.pop() if mru else self._pick()
            if expiry > t:
                self.busy += 1
                return gid
            retire(gid, expiry)  # its own timer ran out before the oldest one's
            self.dies.pop(gid, None)
        return -1

    def create(self, t: float, init_s: float) -> int:
        """Start a new instance at ``t`` (a cold start); it is ready after ``init_s``."""
        gid = self.log.create(self.function, t, t + init_s)
        if self.timer_lifetime_s is not None:
            lo, w = _bounds(self.timer_lifetime_s)
            self.dies[gid] = t + lo + (self._uniform() * w if w else 0.0)
        self.busy += 1
        return gid

    def release(self, gid: int, t: float) -> None:
        """Instance ``gid`` finished its run at ``t``: idle until a timer runs out, or retired now if too old."""
        if gid in self.pc_ids:
            super().release(gid, t)  # back on the PC stack, or retired
            return
        self.busy -= 1
        if not self.busy:
            self.quiet_since = t
        expiry = t + self._lo
        if self._w:
            expiry += (self._u or self._refill()).pop() * self._w
        dies = self.dies.get(gid, math.inf) if self.dies else math.inf
        if dies < expiry:
            if dies <= t:
                del self.dies[gid]
                self.log.retire(gid, t)
                return
            expiry = dies
        self.idle.append((t, gid, expiry))

    def _refill(self) -> list[float]:
        self._u = self._timer_rng.random(1024).tolist()
        return self._u

    def _uniform(self) -> float:
        return (self._u or self._refill()).pop()

    def close(self, horizon_s: float) -> None:
        """End of run: retire what expired by the horizon; the rest stay live."""
        self.reap(horizon_s)
        keep = deque()
        for since, gid, expiry in self.idle:
            if expiry <= horizon_s:
                self.log.retire(gid, expiry)
            else:
                keep.append((since, gid, expiry))
        self.idle = keep
