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

from lambdasim.billing.catalogue import Catalogue, load_catalogue
from lambdasim.billing.fargate import TaskSize, task_size
from lambdasim.fargate.tasks import TaskFleet
from lambdasim.rng import stream
from lambdasim.scenario import Scenario
from lambdasim.servers.autoscaler import Autoscaler
from lambdasim.servers.capacity import Capacity, server_capacity
from lambdasim.servers.fleet import COMPLETED, IN_FLIGHT, Batch
from lambdasim.servers.result import INTERRUPTED, ServerTally
from lambdasim.servers.scaling import Fixed, Scheduled, TargetTracking
from lambdasim.workload.arrivals import ArrivalSource
from lambdasim.workload.kinds import mean_rate_per_s

__all__ = ["FargateModel", "fargate_capacity", "offered_load", "initial_tasks", "DEFAULT_UTILIZATION"]

#: Utilisation of the binding resource (vCPUs or request slots) a service is sized to when no task count is given.
DEFAULT_UTILIZATION = 0.7


def fargate_capacity(scenario: Scenario, catalogue: Catalogue | None = None) -> Capacity:
    """What one task (the allowed size the section rounds up to) can do for this scenario's work."""
    fg = scenario.fargate
    size = task_size(fg.vcpu, fg.memory_gb, catalogue or load_catalogue(scenario.pricing), fg.arch)
    return server_capacity(scenario.functions, scenario.horizon_s, instance_type=f"Fargate task {size.label}",
                           vcpu=size.vcpu, memory_gib=size.memory_gib, reserve_mb=fg.reserve_mb,
                           workers=fg.workers_per_task, speed_factor=fg.speed_factor,
                           working_memory_mb=fg.working_memory_mb, section="fargate")


def offered_load(scenario: Scenario) -> float:
    """The offered load in tasks' worth of capacity (the binding resource: vCPUs or slots)."""
    return fargate_capacity(scenario).load_in_instances()


def initial_tasks(scenario: Scenario) -> int:
    """The service's tasks at time 0: the policy's ``instances``, else sized to the offered load."""
    p = scenario.fargate.scaling
    if p.instances is not None:
        return p.instances
    if isinstance(p, TargetTracking) and p.metric == "requests_per_instance":
        rate = sum(mean_rate_per_s(f.workload, scenario.horizon_s) for f in scenario.functions)
        n = max(1, math.ceil(rate / p.target - 1e-9))
    else:
        u = p.target if isinstance(p, TargetTracking) else DEFAULT_UTILIZATION
        n = max(1, math.ceil(offered_load(scenario) / u - 1e-9))
    return n if isinstance(p, (Fixed, Scheduled)) else min(max(n, p.min), p.max)


class FargateModel:
    def __init__(self, scenario: Scenario, catalogue: Catalogue, keep_records: bool = True):
        self.sc, fg = scenario, scenario.fargate
        self.size: TaskSize = task_size(fg.vcpu, fg.memory_gb, catalogue, fg.arch)
        self.capacity = fargate_capacity(scenario, catalogue)
        self.notice_s = catalogue["fargate.spot_notice_s"]
        self.env = simpy.Environment()
        self._spot_rng = stream(scenario.seed, "fargate", 1)
        self.fleet = TaskFleet(self.capacity.slots, fg.start_delay, stream(scenario.seed, "fargate", 0),
                               fg.spot.share, fg.request_timeout_s, fg.queue_limit, on_launch=self._launched,
                               vcpu=self.capacity.vcpu)
        for _ in range(initial_tasks(scenario)):
            self.fleet.launch(0.0, booted=True)
        self.autoscaler = Autoscaler(self.env, self.fleet, fg.scaling)
        self.tally = ServerTally(len(scenario.functions), scenario.horizon_s, keep=keep_records,
                                 measure_from_s=scenario.measure_from_s)
        self.arrivals = ArrivalSource(scenario)
        self._waiting: deque = deque()  # (columns, batch, cpu, wait) not yet folded into the tally
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
        cut: dict[int, set[int]] = {}  # id(batch) -> requests cut in their CPU part (their end not known yet)
        for b, i in fleet.stop(iid, stop):
            cut.setdefault(id(b), set()).add(i)
        for _, b, cs, ws in self._waiting:
            inst, start, end, mine = b.inst, b.start, b.end, cut.get(id(b), ())
            for i in range(b.n):
                if i not in mine and (inst[i] != iid or not (start[i] <= stop < end[i])):
                    continue
                self.requests_interrupted += 1
                if not requeue:
                    b.status[i], b.end[i] = INTERRUPTED, stop
                    continue
                self._interrupted.setdefault(id(b), []).append(i)
                j = -1 if fleet.queue else fleet.pick()
                if j >= 0:
                    start[i], inst[i], end[i] = stop, j, math.nan
                    fleet.begin_work(j, stop, cs[i], ws[i], b, i)
                else:
                    start[i], end[i], inst[i] = math.nan, math.nan, -1
                    fleet.enqueue(stop, ws[i], b, i, cs[i])

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
        env, admit = self.env, self.fleet.admit
        sf = self.sc.fargate.speed_factor
        for cols in self.arrivals:
            cpu_a, wait_a = cols["cpu_s"] * sf, cols["wait_s"] * sf
            cols = dict(cols, duration_s=cpu_a + wait_a, cpu_s=cpu_a)  # duration on a task: the work alone
            n = len(cols["arrival_s"])
            b = Batch(n)
            ts, cs, ws = cols["arrival_s"].tolist(), cpu_a.tolist(), wait_a.tolist()
            self._waiting.append((cols, b, cs, ws))  # before admitting: a Spot stop scans the batches waiting
            i, resumed = 0, False
            while True:
                # Only this process runs between two yields, so the next SimPy event (the
                # autoscaler's or a Spot notice's) stays put while the fleet admits arrivals up to it.
                i = admit(ts, cs, ws, b, i, env.now, env.peek(), resumed)
                if i == n:
                    break
                yield env.timeout(ts[i] - env.now)  # let the autoscaler and Spot notices act first
                resumed = True
            self._flush()

    def _flush(self, final: bool = False) -> None:
        """Fold finished batches (every request started or dropped, and ended by now) into the tally."""
        h, now = self.sc.horizon_s, self.env.now
        while self._waiting:
            cols, b, _, _ = self._waiting[0]
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
                "duration_s": cols["duration_s"], "cpu_s": cols["cpu_s"], "instance": np.array(b.inst, dtype=np.int64),
                "status": st, "restarts": again,
            })
