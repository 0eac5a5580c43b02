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


class _Draws:
    """Uniform draws in blocks (one numpy call per 1,024 values)."""

    def __init__(self, rng: np.random.Generator | None):
        self.rng, self.block, self.k = rng, np.empty(0), 0

    def __call__(self, span: float | tuple[float, float]) -> float:
        if not isinstance(span, tuple):
            return span
        if self.k >= len(self.block):
            self.block, self.k = self.rng.random(1024).tolist(), 0
        u = self.block[self.k]
        self.k += 1
        return span[0] + u * (span[1] - span[0])


class TimerPool(ProvisionedPool):
    """One function's instances under the instance, function and lifetime timers (see the module docstring).

    Provisioned instances are handled as in :class:`ProvisionedPool`; the idle deque holds
    ``(idle since, id, expiry)``.
    """

    def __init__(self, function: int, selection: str, log: InstanceLog, select_rng: np.random.Generator | None,
                 timer_rng: np.random.Generator | None, *, instance_idle_s: Span = None,
                 function_idle_s: float | None = None, max_lifetime_s: Span = None):
        super().__init__(function, math.inf, selection, log, select_rng)
        self._draw = _Draws(timer_rng)
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
        self.reap(t)
        while self.idle:
            _, gid, expiry = self._pick()
            if expiry > t:
                self.busy += 1
                return gid
            self.log.retire(gid, expiry)  # its own timer ran out before the oldest one's
            self.dies.pop(gid, None)
        return -1

    def create(self, t: float, init_s: float) -> int:
        """Start a new instance at ``t`` (a cold start); it is ready after ``init_s``."""
        gid = self.log.create(self.function, t, t + init_s)
        if self.timer_lifetime_s is not None:
            self.dies[gid] = t + self._draw(self.timer_lifetime_s)
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
        expiry = math.inf if self.instance_idle_s is None else t + self._draw(self.instance_idle_s)
        if self.timer_lifetime_s is not None:
            dies = self.dies[gid]
            if dies <= t:
                del self.dies[gid]
                self.log.retire(gid, t)
                return
            expiry = min(expiry, dies)
        self.idle.append((t, gid, expiry))

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
