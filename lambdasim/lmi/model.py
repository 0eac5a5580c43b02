"""Lambda Managed Instances as a SimPy model on the shared server fleet, on the same arrivals.

An instance is a server of ``environments x max_concurrency`` request
slots (:func:`lambdasim.lmi.spec.environments`); there is no per-request
cold start (LMI starts environments before it routes to them). The fleet
starts with ``instances`` (else sized to the offered load at the target
utilisation, within the bounds), is scaled by :class:`PacedScaler` (target
tracking on slot utilisation, never more than doubling in
``doubling_time_s``) and new instances serve after ``launch_s``. With
``on_overload: throttle`` the queue holds nothing: a request without a free
slot is throttled (status ``throttled``). Capacity note: requests on one
environment do not slow each other down here (I/O-bound work); CPU sharing
among them is not modelled.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np
import simpy

from lambdasim.billing.catalogue import Catalogue
from lambdasim.lmi.spec import LMISpec, check_lmi, slots_per_instance
from lambdasim.scenario import Scenario
from lambdasim.servers.autoscaler import Autoscaler
from lambdasim.servers.fleet import COMPLETED, IN_FLIGHT, Batch, Fleet
from lambdasim.servers.result import ServerTally
from lambdasim.servers.scaling import Fixed, TargetTracking
from lambdasim.workload.arrivals import ArrivalSource
from lambdasim.workload.kinds import mean_rate_per_s

__all__ = ["LMIModel", "PacedScaler"]


def _bounds(spec: LMISpec, catalogue: Catalogue) -> tuple[int, int]:
    lo = spec.min_instances if spec.min_instances is not None else int(catalogue["lmi.default_min_instances"])
    return lo, max(lo, spec.max_instances)


class PacedScaler(Autoscaler):
    """Target tracking that never more than doubles the fleet in ``doubling_s``."""

    def __init__(self, env, fleet, policy, doubling_s: float):
        super().__init__(env, fleet, policy)
        self.growth = 2.0 ** (policy.period_s / doubling_s) if hasattr(policy, "period_s") else math.inf

    def wanted(self, m: float) -> int | None:
        want = super().wanted(m)
        if want is None:
            return None
        return min(want, max(math.ceil(self.fleet.active * self.growth - 1e-9), self.lo))


class LMIModel:
    def __init__(self, scenario: Scenario, catalogue: Catalogue, keep_records: bool = True):
        self.sc, spec = scenario, scenario.lmi
        check_lmi(spec, catalogue)
        self.slots = slots_per_instance(spec, catalogue)
        lo, hi = _bounds(spec, catalogue)
        h = scenario.horizon_s
        load = spec.speed_factor * sum(mean_rate_per_s(f.workload, h) * f.duration.mean for f in scenario.functions)
        start = spec.instances if spec.instances is not None else \
            min(max(math.ceil(load / (self.slots * spec.target_utilization) - 1e-9), lo, 1), hi)
        if lo == hi:
            policy = Fixed(instances=max(lo, 1))
            start = policy.instances
        else:
            policy = TargetTracking(target=spec.target_utilization, period_s=spec.period_s, min=max(lo, 1), max=hi,
                                    instances=start, scale_out_cooldown_s=0.0)
        self.env = simpy.Environment()
        self.fleet = Fleet(self.slots, spec.launch_s, None, 0 if spec.on_overload == "throttle" else None)
        for _ in range(start):
            self.fleet.launch(0.0, booted=True)
        doubling = spec.doubling_time_s or catalogue["lmi.doubling_time_s"]
        self.autoscaler = PacedScaler(self.env, self.fleet, policy, doubling)
        self.tally = ServerTally(len(scenario.functions), h, keep=keep_records, measure_from_s=scenario.measure_from_s)
        self.arrivals = ArrivalSource(scenario)
        self._waiting: deque = deque()

    def run(self) -> None:
        h = self.sc.horizon_s
        self.env.process(self._drive())
        self.autoscaler.start()
        self.env.run(until=h)
        self.fleet.advance(h)
        self._flush(final=True)

    def _drive(self):
        env, fleet = self.env, self.fleet
        timeout, peek, advance, pick, begin, enqueue = (
            env.timeout, env.peek, fleet.advance, fleet.pick, fleet.begin, fleet.enqueue)
        done, booting, queue = fleet.done, fleet.booting, fleet.queue
        sf = self.sc.lmi.speed_factor
        for cols in self.arrivals:
            cols = dict(cols, duration_s=cols["duration_s"] * sf)
            n = len(cols["arrival_s"])
            b = Batch(n)
            start, end, inst = b.start, b.end, b.inst
            ts, ds = cols["arrival_s"].tolist(), cols["duration_s"].tolist()
            for i in range(n):
                t = ts[i]
                if t > env.now and peek() <= t:  # let the scaler act first
                    yield timeout(t - env.now)
                fleet.arrived += 1
                if (done and done[0][0] <= t) or (booting and booting[0][0] <= t):
                    advance(t)
                if not queue:
                    iid = pick()
                    if iid >= 0:
                        start[i], inst[i] = t, iid
                        end[i] = begin(iid, t, ds[i])
                        continue
                enqueue(t, ds[i], b, i)  # with on_overload: throttle the queue holds nothing: throttled
            self._waiting.append((cols, b))
            self._flush()

    def _flush(self, final: bool = False) -> None:
        h = self.sc.horizon_s
        while self._waiting and (final or self._waiting[0][1].pending == 0):
            cols, b = self._waiting.popleft()
            start, end = np.array(b.start), np.array(b.end)
            st = np.array(b.status, dtype=np.int8)
            st[(st == COMPLETED) & ~(end <= h)] = IN_FLIGHT
            self.tally.add({
                "function": cols["function"], "arrival_s": cols["arrival_s"], "start_s": start, "end_s": end,
                "duration_s": cols["duration_s"], "instance": np.array(b.inst, dtype=np.int64), "status": st,
                "restarts": np.zeros(b.n, dtype=np.int16),
            })
