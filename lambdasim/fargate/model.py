"""The Fargate platform as a SimPy model: the same arrivals, served by the tasks of an ECS service.

A sibling of the EC2 model on the shared server machinery
(:mod:`lambdasim.servers`): one driver walks the arrivals of
:class:`ArrivalSource` (common random numbers with every other platform)
and yields to SimPy only when the autoscaler or a Spot interruption has an
event due first. Each request goes to the least-loaded task with a free
worker, or waits in the FIFO queue. Tasks are a :class:`TaskFleet`: each
starts after a drawn start delay (the initial tasks are running at time 0),
and a share of them run on Fargate Spot, where a notice takes the task out
of service and launches a replacement; ``fargate.spot_notice_s`` later the
task stops, and requests still running on it are started again on another
task (``requeue``) or lost (``lose``), and counted either way.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np
import simpy

from lambdasim.billing.catalogue import Catalogue
from lambdasim.billing.fargate import TaskSize, task_size
from lambdasim.fargate.tasks import TaskFleet
from lambdasim.rng import stream
from lambdasim.scenario import Scenario
from lambdasim.servers.autoscaler import Autoscaler
from lambdasim.servers.fleet import COMPLETED, IN_FLIGHT, Batch
from lambdasim.servers.result import INTERRUPTED, ServerTally
from lambdasim.servers.scaling import Fixed, Scheduled, TargetTracking
from lambdasim.workload.arrivals import ArrivalSource
from lambdasim.workload.kinds import mean_rate_per_s

__all__ = ["FargateModel", "offered_load", "initial_tasks", "DEFAULT_UTILIZATION"]

#: Worker utilisation a service is sized to when no task count is given.
DEFAULT_UTILIZATION = 0.7


def offered_load(scenario: Scenario) -> float:
    """Mean busy workers the workload asks of Fargate: rate x mean duration x speed factor."""
    h = scenario.horizon_s
    return scenario.fargate.speed_factor * sum(mean_rate_per_s(f.workload, h) * f.duration.mean for f in scenario.functions)


def initial_tasks(scenario: Scenario) -> int:
    """The service's tasks at time 0: the policy's ``instances``, else sized to the offered load."""
    fg = scenario.fargate
    p, w = fg.scaling, fg.workers_per_task
    if p.instances is not None:
        return p.instances
    if isinstance(p, TargetTracking) and p.metric == "requests_per_instance":
        rate = sum(mean_rate_per_s(f.workload, scenario.horizon_s) for f in scenario.functions)
        n = max(1, math.ceil(rate / p.target - 1e-9))
    else:
        u = p.target if isinstance(p, TargetTracking) else DEFAULT_UTILIZATION
        n = max(1, math.ceil(offered_load(scenario) / (w * u) - 1e-9))
    return n if isinstance(p, (Fixed, Scheduled)) else min(max(n, p.min), p.max)


class FargateModel:
    def __init__(self, scenario: Scenario, catalogue: Catalogue, keep_records: bool = True):
        self.sc, fg = scenario, scenario.fargate
        self.size: TaskSize = task_size(fg.vcpu, fg.memory_gb, catalogue, fg.arch)
        self.notice_s = catalogue["fargate.spot_notice_s"]
        self.env = simpy.Environment()
        self._spot_rng = stream(scenario.seed, "fargate", 1)
        self.fleet = TaskFleet(fg.workers_per_task, fg.start_delay, stream(scenario.seed, "fargate", 0),
                               fg.spot.share, fg.request_timeout_s, fg.queue_limit, on_launch=self._launched)
        for _ in range(initial_tasks(scenario)):
            self.fleet.launch(0.0, booted=True)
        self.autoscaler = Autoscaler(self.env, self.fleet, fg.scaling)
        self.tally = ServerTally(len(scenario.functions), scenario.horizon_s, keep=keep_records,
                                 measure_from_s=scenario.measure_from_s)
        self.arrivals = ArrivalSource(scenario)
        self._waiting: deque = deque()  # (columns, batch) not yet folded into the tally
        self._interrupted: dict[int, list[int]] = {}  # id(batch) -> indices of requests interrupted (requeued)
        self.interruptions = 0  # Spot notices received
        self.requests_interrupted = 0  # requests running on a task when it stopped

    # --- Spot ----------------------------------------------------------------------
    def _launched(self, iid: int, t: float) -> None:
        rate = self.sc.fargate.spot.interruptions_per_task_hour
        if self.fleet.spot[iid] and rate > 0:
            notice = t + self._spot_rng.exponential(3600.0 / rate)
            if notice < self.sc.horizon_s:
                self.env.process(self._spot_life(iid, notice))

    def _spot_life(self, iid: int, notice: float):
        env, fleet = self.env, self.fleet
        yield env.timeout(notice - env.now)
        fleet.advance(env.now)
        stop = fleet.interrupt(iid, env.now, self.notice_s)
        if stop is None:
            return
        self.interruptions += 1
        if stop > env.now:
            yield env.timeout(stop - env.now)
        fleet.advance(stop)
        self._stop_requests(iid, stop)

    def _stop_requests(self, iid: int, stop: float) -> None:
        """Requests still running on task ``iid`` at ``stop``: started again elsewhere, or lost."""
        fleet, requeue = self.fleet, self.sc.fargate.spot.on_interruption == "requeue"
        for _, b in self._waiting:
            inst, start, end = b.inst, b.start, b.end
            for i in range(b.n):
                if inst[i] != iid or not (start[i] <= stop < end[i]):
                    continue
                self.requests_interrupted += 1
                d = end[i] - start[i]
                fleet.work_started_s -= end[i] - stop  # the work after the stop never ran
                if not requeue:
                    b.status[i], b.end[i] = INTERRUPTED, stop
                    continue
                self._interrupted.setdefault(id(b), []).append(i)
                j = -1 if fleet.queue else fleet.pick()
                if j >= 0:
                    start[i], inst[i] = stop, j
                    end[i] = fleet.begin(j, stop, d)
                else:
                    b.start[i], b.end[i], b.inst[i] = math.nan, math.nan, -1
                    fleet.enqueue(stop, d, b, i)

    # --- the run -------------------------------------------------------------------
    def run(self) -> None:
        h = self.sc.horizon_s
        self.env.process(self._drive())
        self.autoscaler.start()
        self.env.run(until=h)
        self.fleet.advance(h)
        self.fleet.purge(h)
        self._flush(final=True)

    def _drive(self):
        env, fleet = self.env, self.fleet
        timeout, peek, advance, pick, begin, enqueue, purge = (
            env.timeout, env.peek, fleet.advance, fleet.pick, fleet.begin, fleet.enqueue, fleet.purge)
        done, booting, queue = fleet.done, fleet.booting, fleet.queue
        has_timeout = math.isfinite(fleet.timeout_s)
        sf = self.sc.fargate.speed_factor
        for cols in self.arrivals:
            cols = dict(cols, duration_s=cols["duration_s"] * sf)
            n = len(cols["arrival_s"])
            b = Batch(n)
            start, end, inst = b.start, b.end, b.inst
            ts, ds = cols["arrival_s"].tolist(), cols["duration_s"].tolist()
            self._waiting.append((cols, b))
            for i in range(n):
                t = ts[i]
                if t > env.now and peek() <= t:  # let the autoscaler and Spot notices act first
                    yield timeout(t - env.now)
                fleet.arrived += 1
                if (done and done[0][0] <= t) or (booting and booting[0][0] <= t):
                    advance(t)
                if queue and has_timeout:
                    purge(t)
                if not queue:
                    iid = pick()
                    if iid >= 0:
                        start[i], inst[i] = t, iid
                        end[i] = begin(iid, t, ds[i])
                        continue
                enqueue(t, ds[i], b, i)
            self._flush()

    def _flush(self, final: bool = False) -> None:
        """Fold finished batches (every request started or dropped, and ended by now) into the tally."""
        h, now = self.sc.horizon_s, self.env.now
        while self._waiting:
            cols, b = self._waiting[0]
            if not final and (b.pending or (self.fleet.spot_share > 0 and max(b.end, default=0.0) > now)):
                return  # a Spot stop may still reach a request of this batch
            self._waiting.popleft()
            start, end = np.array(b.start), np.array(b.end)
            st = np.array(b.status, dtype=np.int8)
            st[(st == COMPLETED) & ~(end <= h)] = IN_FLIGHT  # running at the horizon, or still queued
            again = np.zeros(b.n, dtype=np.int16)
            np.add.at(again, self._interrupted.pop(id(b), []), 1)
            self.tally.add({
                "function": cols["function"], "arrival_s": cols["arrival_s"], "start_s": start, "end_s": end,
                "duration_s": cols["duration_s"], "instance": np.array(b.inst, dtype=np.int64), "status": st,
                "restarts": again,
            })
