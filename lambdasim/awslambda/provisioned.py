"""Provisioned concurrency (PC): instances initialised ahead, used first.

``functions[].provisioned_concurrency`` is either a number N (N instances,
ready at time 0 and kept all run) or a schedule ``[[time_s, n], ...]`` (as
Application Auto Scaling's scheduled actions set it). When the target
rises, the new instances start initialising at that time and take calls
only once their init (drawn from the function's ``init``) is over; an
entry at time 0 is ready at once ("initialised ahead"). When it falls,
instances still initialising go first, then idle ones, then busy ones as
soon as their call ends. Keep-alive never retires a PC instance; calls that
find no idle PC instance spill over to on-demand instances (cold starts
and all), within the function's concurrency.
"""
from __future__ import annotations

import math
from typing import Annotated, Callable, Union

import numpy as np
import simpy
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from lambdasim.awslambda.pool import InstancePool
from lambdasim.billing.rules import pc_schedule


__all__ = ["ProvisionedConcurrency", "peak", "ProvisionedSchedule"]


def _parse(v):
    """N (an int >= 0) or a schedule of [time_s, N] pairs with strictly increasing times."""
    form = "must be an int >= 0 or a list of [time_s, n] pairs (time_s >= 0, n an int >= 0)"
    if isinstance(v, bool):
        raise PydanticCustomError("pc", form, {})
    if isinstance(v, int):
        if v < 0:
            raise PydanticCustomError("pc", form, {})
        return v
    if not isinstance(v, (list, tuple)):
        raise PydanticCustomError("pc", form, {})
    out = []
    for item in v:
        ok = isinstance(item, (list, tuple)) and len(item) == 2 and not any(isinstance(x, bool) for x in item)
        if not ok or not isinstance(item[0], (int, float)) or not isinstance(item[1], int):
            raise PydanticCustomError("pc", form + "; one item is {item}", {"item": repr(item)})
        if not (math.isfinite(item[0]) and item[0] >= 0 and item[1] >= 0):
            raise PydanticCustomError("pc", form + "; one item is {item}", {"item": repr(item)})
        out.append((float(item[0]), int(item[1])))
    if any(b[0] <= a[0] for a, b in zip(out, out[1:])):
        raise PydanticCustomError("pc", "must list [time_s, n] pairs with strictly increasing times", {})
    return tuple(out)


ProvisionedConcurrency = Annotated[Union[int, tuple[tuple[float, int], ...]], BeforeValidator(_parse)]


def peak(pc) -> int:
    return max((n for _, n in pc_schedule(pc)), default=0)


class ProvisionedSchedule:
    """Applies one function's PC schedule to its pool during a run (a SimPy process)."""

    def __init__(self, env: simpy.Environment, pool: InstancePool, pc, init_dist, rng: np.random.Generator,
                 horizon_s: float, release_until: Callable[[float], None]):
        """``pool`` is the function's instance pool; ``release_until(t)`` frees the executions that
        ended by ``t`` (so that a fall in the target finds the instances idle that are idle)."""
        self.env, self.pool, self.f, self.schedule = env, pool, pool.function, pc_schedule(pc)
        self.init_dist, self.rng = init_dist, rng
        self.horizon_s, self.release_until = horizon_s, release_until
        self.target = 0
        self.pending: dict[int, float] = {}  # starting instance -> ready time

    def run(self):
        env = self.env
        for t, n in self.schedule:
            if t >= self.horizon_s:
                return
            if t > env.now:
                yield env.timeout(t - env.now)
            self.release_until(t)
            self.set(t, n)

    def set(self, t: float, n: int) -> None:
        pool, log = self.pool, self.pool.log
        delta, self.target = n - self.target, n
        if delta > 0:
            inits = np.zeros(delta) if t == 0 else self.init_dist.sample(self.rng, delta)
            new = [(t + float(d), log.create(self.f, t, t + float(d))) for d in inits]
            pool.pc_ids.update(g for _, g in new)
            now = [g for r, g in new if r <= t]
            pool.pc_idle.extend(now)
            later = sorted((r, g) for r, g in new if r > t)
            if later:
                self.pending.update((g, r) for r, g in later)
                self.env.process(self._ready(later))
        for _ in range(-delta):
            self._remove_one(t)

    def _remove_one(self, t: float) -> None:
        pool, log = self.pool, self.pool.log
        if self.pending:
            gid = max(self.pending, key=lambda g: (self.pending[g], g))
            del self.pending[gid]
        elif pool.pc_idle:
            gid = pool.pc_idle.pop()
        else:
            busy = sorted(pool.pc_ids - pool.pc_retiring)
            if busy:
                pool.pc_retiring.add(busy[-1])
            return
        pool.pc_ids.discard(gid)
        log.retire(gid, t)

    def _ready(self, items):
        env = self.env
        for r, gid in items:
            if r > env.now:
                yield env.timeout(r - env.now)
            if self.pending.pop(gid, None) is not None:
                self.pool.pc_ready(gid)
