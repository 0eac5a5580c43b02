"""The EC2 autoscaler: scaling policies and schedules as SimPy processes.

A dynamic policy (``target_tracking`` or ``step``) wakes every ``period_s``,
reads the fleet's metric over the period just ended, and sets a new
desired count within ``[min, max]``:

- ``utilization``: the busier of the two resources in the period: busy
  slot-seconds / serving slot-seconds, or used vCPU-seconds / serving
  vCPU-seconds (like CloudWatch's CPUUtilization, when the work states CPU);
- ``requests_per_instance``: arrivals per second per serving instance.

Target tracking wants ``ceil(in_service × metric / target)`` instances;
booting instances count toward the current capacity, so a shortfall is not
answered twice while new instances boot (AWS's instance warm-up). A
scale-out may follow the previous scale-out after ``scale_out_cooldown_s``;
a scale-in waits ``scale_in_cooldown_s`` after any scaling activity.
Scheduled actions run at their times whatever the cooldowns.
"""
from __future__ import annotations

import math

import simpy

from lambdasim.servers.scaling import Scaling, StepScaling, TargetTracking
from lambdasim.servers.fleet import Fleet

__all__ = ["Autoscaler"]


class Autoscaler:
    def __init__(self, env: simpy.Environment, fleet: Fleet, policy: Scaling):
        self.env, self.fleet, self.policy = env, fleet, policy
        self.dynamic = isinstance(policy, (TargetTracking, StepScaling))
        self.lo, self.hi = (policy.min, policy.max) if self.dynamic else (0, math.inf)
        self.last_out = self.last_in = -math.inf
        self.log: list[tuple[float, int, int, str, float]] = []  # (t_s, from, to, reason, metric)
        self._prev = (0.0, 0.0, 0, 0.0)  # busy slot-s, serving slot-s, arrivals, vCPU-s at the last evaluation

    def start(self) -> None:
        if self.dynamic:
            self.env.process(self._evaluate())
        if self.policy.schedule:
            self.env.process(self._scheduled())

    # --- the metric ---------------------------------------------------------------
    def metric(self, t: float) -> float:
        """The policy's metric over the period ending at ``t`` (nan if nothing served)."""
        f = self.fleet
        busy, cap, arrived, cpu = f.busy_worker_s(t), f.worker_s(t), f.arrived, f.busy_vcpu_s(t)
        b0, c0, a0, u0 = self._prev
        self._prev = (busy, cap, arrived, cpu)
        if cap - c0 <= 0:
            return math.nan
        if self.policy.metric == "utilization":
            return max((busy - b0) / (cap - c0), (cpu - u0) / ((cap - c0) / f.w * f.vcpu))
        return (arrived - a0) * f.w / (cap - c0)

    def wanted(self, m: float) -> int | None:
        """The desired count for metric value ``m`` (None: no change)."""
        p, f = self.policy, self.fleet
        if not math.isfinite(m) or f.n_in_service == 0:
            return None
        if isinstance(p, TargetTracking):
            want = math.ceil(f.n_in_service * m / p.target - 1e-9)
        else:
            ups = [s for s in p.steps if s.above is not None and m >= s.above]
            downs = [s for s in p.steps if s.below is not None and m <= s.below]
            if ups:
                want = f.active + max(ups, key=lambda s: s.above).change
            elif downs:
                want = f.active + min(downs, key=lambda s: s.below).change
            else:
                return None
        return self._clamp(want)

    def _clamp(self, n: float) -> int:
        return int(min(max(n, self.lo), self.hi))

    # --- the processes ------------------------------------------------------------
    def _evaluate(self):
        p, env, f = self.policy, self.env, self.fleet
        while True:
            yield env.timeout(p.period_s)
            t = env.now
            f.advance(t)
            m = self.metric(t)
            want = self.wanted(m)
            if want is None or want == f.active:
                continue
            if want > f.active and t - self.last_out >= p.scale_out_cooldown_s:
                self._set(want, t, "scale-out", m)
                self.last_out = t
            elif want < f.active and t - max(self.last_out, self.last_in) >= p.scale_in_cooldown_s:
                self._set(want, t, "scale-in", m)
                self.last_in = t

    def _scheduled(self):
        env, f = self.env, self.fleet
        for a in self.policy.schedule:
            if a.at_s > env.now:
                yield env.timeout(a.at_s - env.now)
            t = env.now
            f.advance(t)
            self.lo = self.lo if a.min is None else a.min
            self.hi = self.hi if a.max is None else a.max
            want = self._clamp(f.active if a.desired is None else a.desired)
            if want != f.active:
                self._set(want, t, "scheduled", math.nan)

    def _set(self, n: int, t: float, reason: str, m: float) -> None:
        self.log.append((t, self.fleet.active, n, reason, m))
        self.fleet.set_desired(n, t)
