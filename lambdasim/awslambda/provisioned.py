"""Provisioned concurrency (PC): instances initialised ahead, used first.

``functions[].provisioned_concurrency`` is a number N (N instances, ready
at time 0 and kept all run), a schedule ``[[time_s, n], ...]`` (as
Application Auto Scaling's scheduled actions set it), or a target-tracking
policy ``{policy: target_tracking, target: 0.7, min, max, ...}``
(:class:`PCTargetTracking`, run by :class:`ProvisionedTracking`). When the target
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
from typing import Annotated, Callable, Literal, Union

import numpy as np
import simpy
from pydantic import BeforeValidator, Discriminator, Tag, model_validator
from pydantic_core import PydanticCustomError

from lambdasim.awslambda.pool import InstancePool
from lambdasim.billing.rules import pc_schedule
from lambdasim.errors import register_tags
from lambdasim.spec import FloatIn, IntIn, NonNegative, Positive, Spec


__all__ = ["ProvisionedConcurrency", "PCTargetTracking", "peak", "ProvisionedSchedule", "ProvisionedTracking",
           "provisioned_process", "static_steps"]


class PCTargetTracking(Spec):
    """PC scaled by Application Auto Scaling target tracking on ``LambdaProvisionedConcurrencyUtilization``.

    The metric is the PC executions running divided by the PC configured,
    one data point per ``period_s`` (CloudWatch's 1-minute metric), as its
    ``statistic`` (``average``, AWS's default, or ``maximum``). Two alarms
    (AWS defaults: scale out after 3 data points above ``target``, scale in
    after 15 below) set the desired PC to ``ceil(PC x utilisation / target)``
    within ``[min, max]``; the alarm acts again every period while it holds.
    A scale-out's new instances start initialising ``scale_out_lag_s`` later
    (alarm publication and allocation delay) and serve after an ``init``
    draw; a scale-in takes effect at once. ``min`` instances are ready at
    time 0. Utilisation cannot exceed 1, so spill-over demand beyond PC is
    not seen: each scale-out grows PC by at most a factor 1 / ``target``.
    """

    policy: Literal["target_tracking"]
    target: FloatIn(0.0, 1.0, lo_open=True) = 0.7
    min: IntIn(1, None) = 1
    max: IntIn(1, None)
    statistic: Literal["average", "maximum"] = "average"
    period_s: Positive = 60.0
    scale_out_periods: IntIn(1, None) = 3
    scale_in_periods: IntIn(1, None) = 15
    scale_out_lag_s: NonNegative = 0.0

    @model_validator(mode="after")
    def _range(self) -> "PCTargetTracking":
        if self.min > self.max:
            raise PydanticCustomError("pc", "must have min <= max; got min {a} and max {b}",
                                      {"a": self.min, "b": self.max})
        return self


def _parse(v):
    """N (an int >= 0) or a schedule of [time_s, N] pairs with strictly increasing times."""
    form = ("must be an int >= 0, a list of [time_s, n] pairs (time_s >= 0, n an int >= 0) or a mapping "
            "{policy: target_tracking, ...}")
    if isinstance(v, (dict, PCTargetTracking)):
        return v
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


def _kind(v) -> str:
    if isinstance(v, (dict, PCTargetTracking)):
        return "target_tracking"
    return "pc_number" if isinstance(v, int) else "pc_schedule"


ProvisionedConcurrency = Annotated[
    Union[Annotated[PCTargetTracking, Tag("target_tracking")], Annotated[int, Tag("pc_number")],
          Annotated[tuple[tuple[float, int], ...], Tag("pc_schedule")]],
    Discriminator(_kind), BeforeValidator(_parse)]
register_tags("target_tracking", "pc_number", "pc_schedule")


def static_steps(pc) -> tuple[tuple[float, int], ...]:
    """The ``(from_s, n)`` steps of a number or schedule; a target-tracking policy's are known only after a run."""
    if isinstance(pc, PCTargetTracking):
        raise ValueError("a target-tracking PC policy has no schedule before a run: use the run's realised steps.")
    return pc_schedule(pc)


def peak(pc) -> int:
    """The most PC a setting can configure (a target-tracking policy's ``max``)."""
    if isinstance(pc, PCTargetTracking):
        return pc.max
    return max((n for _, n in pc_schedule(pc)), default=0)


def provisioned_process(env: simpy.Environment, pool: InstancePool, pc, init_dist, rng: np.random.Generator,
                        horizon_s: float, release_until: Callable[[float], None]) -> "ProvisionedSchedule":
    """The process that applies one function's PC setting: a fixed schedule or target tracking."""
    cls = ProvisionedTracking if isinstance(pc, PCTargetTracking) else ProvisionedSchedule
    return cls(env, pool, pc, init_dist, rng, horizon_s, release_until)


class ProvisionedSchedule:
    """Applies one function's PC schedule to its pool during a run (a SimPy process)."""

    def __init__(self, env: simpy.Environment, pool: InstancePool, pc, init_dist, rng: np.random.Generator,
                 horizon_s: float, release_until: Callable[[float], None]):
        """``pool`` is the function's instance pool; ``release_until(t)`` frees the executions that
        ended by ``t`` (so that a fall in the target finds the instances idle that are idle)."""
        self.env, self.pool, self.f = env, pool, pool.function
        self.schedule = () if isinstance(pc, PCTargetTracking) else pc_schedule(pc)
        self.init_dist, self.rng = init_dist, rng
        self.horizon_s, self.release_until = horizon_s, release_until
        self.target = 0
        self.pending: dict[int, float] = {}  # starting instance -> ready time
        self.steps: list[tuple[float, int]] = []  # (from_s, n) as applied: what billing charges
        self.busy: list[tuple[float, float]] = []  # (start, end) of PC executions, appended by the model

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
        if self.steps and self.steps[-1][0] == t:
            self.steps[-1] = (t, n)
        elif not self.steps or self.steps[-1][1] != n:
            self.steps.append((t, n))
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


class ProvisionedTracking(ProvisionedSchedule):
    """Target tracking of PC utilisation (:class:`PCTargetTracking`), one evaluation per metric period."""

    def __init__(self, env, pool, pc: PCTargetTracking, init_dist, rng, horizon_s, release_until):
        super().__init__(env, pool, pc, init_dist, rng, horizon_s, release_until)
        self.policy = pc
        self.desired = 0
        self.points: list[float] = []  # one utilisation data point per period

    def run(self):
        env, p = self.env, self.policy
        self.desired = p.min
        self.set(0.0, p.min)
        k = 1
        while k * p.period_s < self.horizon_s:
            t = k * p.period_s
            yield env.timeout(t - env.now)
            self.release_until(t)
            u = self.utilisation(t - p.period_s, t)
            self.points.append(u)
            self._evaluate(t, u)
            k += 1

    def _evaluate(self, t: float, u: float) -> None:
        p, pts, n = self.policy, self.points, self.desired
        want = math.ceil(round(n * u / p.target, 9))
        if len(pts) >= p.scale_out_periods and all(x > p.target for x in pts[-p.scale_out_periods:]):
            want = min(max(want, n), p.max)
            if want > n:
                self.desired = want
                if p.scale_out_lag_s > 0:
                    self.env.process(self._later(t + p.scale_out_lag_s, want))
                else:
                    self.set(t, want)
        elif len(pts) >= p.scale_in_periods and all(x < p.target for x in pts[-p.scale_in_periods:]):
            want = max(want, p.min)
            if want < n:
                self.desired = want
                self.set(t, want)

    def _later(self, t: float, n: int):
        if t >= self.horizon_s:
            return
        yield self.env.timeout(t - self.env.now)
        if n == self.desired:  # not overtaken by a later decision
            self.release_until(t)
            self.set(t, n)

    def utilisation(self, a: float, b: float) -> float:
        """PC executions / PC configured over ``[a, b)``, as the policy's statistic (0 with nothing configured)."""
        live = [(s, e) for s, e in self.busy if e > a]
        self.busy[:] = [(s, e) for s, e in live if e > b]  # what may still count later (the model holds this list)
        conf = [(max(s, a), n) for s, n in self.steps if s < b]
        conf = [(s, n) for k, (s, n) in enumerate(conf) if k + 1 == len(conf) or conf[k + 1][0] > a]
        if self.policy.statistic == "average":
            bounds = [s for s, _ in conf[1:]] + [b]
            area = sum((e - s) * n for (s, n), e in zip(conf, bounds))
            used = sum(min(e, b) - max(s, a) for s, e in live if s < b)
            return used / area if area > 0 else 0.0
        events = sorted([(max(s, a), 1) for s, e in live if s < b] + [(min(e, b), -1) for s, e in live if s < b],
                        key=lambda x: (x[0], x[1]))
        top = run = 0
        for _, d in events:
            run += d
            top = max(top, run)
        n = max(n for _, n in conf) if conf else 0
        return top / n if n > 0 else 0.0
