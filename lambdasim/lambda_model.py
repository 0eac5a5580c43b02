"""The AWS Lambda platform as a SimPy model.

One driver process walks through the arrivals in time order (one SimPy
timeout per arrival) and, at each, does what Lambda does for a synchronous
call: free the executions that have finished, check concurrency, reuse a
warm instance or start a new one (a cold start: init, then the run), or
throttle. A run's end is known when it starts, so completions need no
events of their own: they are released lazily from a heap at the next
arrival. Other processes (schedules, autoscalers) can share the
environment; the driver yields to them whenever time moves.
"""
from __future__ import annotations

import heapq
import math

import numpy as np
import simpy

from .arrivals import ArrivalSource
from .billing import billed_ms
from .concurrency import ConcurrencyLimiter
from .instances import InstanceLog
from .pool import InstancePool
from .pricing import Catalogue
from .records import COMPLETED, IN_FLIGHT, THROTTLED, Tally
from .scenario import Scenario
from .streams import stream

__all__ = ["LambdaModel"]

class LambdaModel:
    def __init__(self, scenario: Scenario, catalogue: Catalogue, keep_records: bool = True):
        self.sc, self.catalogue = scenario, catalogue
        self.env = simpy.Environment()
        names = [f.name for f in scenario.functions]
        nf = len(names)
        lam = scenario.lambda_
        self.instances = InstanceLog(names, keep=keep_records)
        self.tally = Tally(nf, scenario.horizon_s, keep=keep_records)
        self.limiter = ConcurrencyLimiter(lam.account_concurrency, [scenario.reserved(i) for i in range(nf)])
        self.pools = [
            InstancePool(i, lam.keep_alive.idle_s, lam.instance_selection, self.instances,
                         stream(scenario.seed, "selection", i))
            for i in range(nf)
        ]
        self.arrivals = ArrivalSource(scenario)
        self._busy: list[tuple[float, int, int]] = []  # heap of (end, instance, function)
        self.granularity_ms = catalogue["lambda.billing_granularity_ms"]

    # --- the run ------------------------------------------------------------
    def run(self) -> None:
        self.env.process(self._drive())
        self.env.run(until=self.sc.horizon_s)
        self._release(self.sc.horizon_s)
        for pool in self.pools:
            pool.close(self.sc.horizon_s)

    def _release(self, t: float) -> None:
        busy, pools, release = self._busy, self.pools, self.limiter.release
        while busy and busy[0][0] <= t:
            end, gid, f = heapq.heappop(busy)
            pools[f].release(gid, end)
            release(f)

    def _drive(self):
        env = self.env
        for b in self.arrivals:
            n = len(b["arrival_s"])
            status, cold, inst, end = [COMPLETED] * n, [False] * n, [-1] * n, [math.nan] * n
            ts, fs = b["arrival_s"].tolist(), b["function"].tolist()
            ds, inits = b["duration_s"].tolist(), b["init_draw"].tolist()
            busy, pools, acquire = self._busy, self.pools, self.limiter.acquire
            timeout, push, release = env.timeout, heapq.heappush, self._release
            peak = self.tally.max_concurrency
            for i in range(n):
                t = ts[i]
                if t > env.now:
                    yield timeout(t - env.now)
                if busy and busy[0][0] <= t:
                    release(t)
                f = fs[i]
                if not acquire(f):
                    status[i] = THROTTLED
                    continue
                pool = pools[f]
                gid = pool.take(t)
                if gid < 0:
                    gid = pool.create(t, inits[i])
                    cold[i] = True
                    e = t + inits[i] + ds[i]
                else:
                    e = t + ds[i]
                push(busy, (e, gid, f))
                inst[i], end[i] = gid, e
                if len(busy) > peak:
                    peak = len(busy)
            self.tally.max_concurrency = peak
            self._record(b, status, cold, inst, end)

    def _record(self, b, status, cold, inst, end) -> None:
        st = np.array(status, dtype=np.int8)
        cold = np.array(cold, dtype=bool)
        end = np.array(end)
        st[(st == COMPLETED) & (end > self.sc.horizon_s)] = IN_FLIGHT
        ran = st != THROTTLED
        init = np.where(cold, b["init_draw"], 0.0)
        billed = np.where(st == COMPLETED, billed_ms(b["duration_s"], self.granularity_ms), 0.0)
        self.tally.add({
            "function": b["function"], "arrival_s": b["arrival_s"],
            "start_s": np.where(ran, b["arrival_s"], np.nan), "end_s": end,
            "init_s": np.where(ran, init, np.nan), "duration_s": np.where(ran, b["duration_s"], np.nan),
            "cold": cold, "instance": np.array(inst, dtype=np.int32), "status": st, "billed_ms": billed,
        })
