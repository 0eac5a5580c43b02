"""The driver every server platform shares: the same arrivals walked through a fleet, folded into a tally.

:class:`ServerModel` holds what EC2, Fargate and Lambda Managed Instances
have in common: the SimPy environment, the :class:`ArrivalSource` (common
random numbers with every other platform), the :class:`ServerTally`, an
optional :class:`~lambdasim.servers.spot.SpotInterruptions`, and the run
itself. One driver process walks the arrivals and yields to SimPy only when
another process (the autoscaler, a schedule, a Spot notice) has an event
due before the next arrival, so a fixed fleet runs with a handful of SimPy
events in all. A request's work on a server is its drawn CPU and waiting
time (:mod:`lambdasim.work`) times the platform's ``speed_factor``; its CPU
seconds are handed to the fleet in units of ``cpu_unit`` vCPU (LMI runs its
fleet in units of one request's top speed). A subclass builds ``fleet`` and
``autoscaler`` (and launches the initial servers) in its constructor.
"""
from __future__ import annotations

from collections import deque

import numpy as np
import simpy

from lambdasim.kernels import kernel as choose_kernel
from lambdasim.scenario import Scenario
from lambdasim.servers.fleet import COMPLETED, IN_FLIGHT, Batch, Fleet
from lambdasim.servers.result import ServerTally
from lambdasim.servers.spot import SpotInterruptions
from lambdasim.workload.arrivals import ArrivalSource

__all__ = ["ServerModel", "AUTO_MIN_REQUESTS"]

#: Under ``LAMBDASIM_KERNEL=auto``, a fresh process runs the fleet's compiled kernel (:mod:`lambdasim.servers.kernel`)
#: from this many expected requests (numba's start-up, about 1-1.5 s of CPU, against about 2 s saved per million).
AUTO_MIN_REQUESTS = 1_000_000


class ServerModel:
    """A server platform's run; subclasses set ``fleet`` and ``autoscaler`` (and ``spot`` for Spot)."""

    def __init__(self, scenario: Scenario, speed_factor: float, keep_records: bool = True, cpu_unit: float = 1.0):
        self.sc = scenario
        self.speed_factor, self.cpu_unit = speed_factor, cpu_unit
        self.env = simpy.Environment()
        self.tally = ServerTally(len(scenario.functions), scenario.horizon_s, keep=keep_records,
                                 measure_from_s=scenario.measure_from_s)
        self.arrivals = ArrivalSource(scenario)
        self.kernel = choose_kernel("lambdasim.servers.kernel", scenario, AUTO_MIN_REQUESTS)  # None: the Python loop
        self.spot: SpotInterruptions | None = None
        self._waiting: deque = deque()  # (columns, batch, cpu, wait arrays or None) not yet in the tally

    @property
    def fleet(self) -> Fleet:
        """The platform's fleet; set by the subclass before it launches any server, it gets the run's kernel."""
        return self._fleet

    @fleet.setter
    def fleet(self, fleet: Fleet) -> None:
        fleet.kernel = self.kernel  # before the first launch: the kernel keeps larger fleets in scan mode
        self._fleet = fleet

    def spot_process(self, rng: np.random.Generator, rate_per_hour: float, notice_s: float,
                     requeue: bool) -> SpotInterruptions:
        """The run's Spot interruption process (kept as ``spot``), reading the driver's waiting batches."""
        self.spot = SpotInterruptions(self.env, rng, rate_per_hour, notice_s, requeue, self.sc.horizon_s,
                                      self._waiting)
        return self.spot

    @property
    def interruptions(self) -> int:
        """Spot notices received."""
        return self.spot.interruptions if self.spot is not None else 0

    def run(self) -> None:
        h = self.sc.horizon_s
        self.env.process(self._drive())
        self.autoscaler.start()
        self.env.run(until=h)
        self.fleet.advance(h)
        self.fleet.purge(h)
        self._flush(final=True)

    def _drive(self):
        env, admit, kern = self.env, self.fleet.admit, self.kernel
        sf, unit = self.speed_factor, self.cpu_unit
        for cols in self.arrivals:
            cpu_a, wait_a = cols["cpu_s"] * sf, cols["wait_s"] * sf
            # duration on a server: the work alone; only the columns the tally reads are kept while requests wait
            cols = {"function": cols["function"], "arrival_s": cols["arrival_s"], "duration_s": cpu_a + wait_a,
                    "cpu_s": cpu_a}
            n = len(cols["arrival_s"])
            cpu_u = cpu_a if unit == 1.0 else cpu_a / unit
            if kern is None:
                b = Batch(n)
                ts, cs, ws = cols["arrival_s"].tolist(), cpu_u.tolist(), wait_a.tolist()
            else:  # the kernel reads the columns as arrays; the Python loop through memoryviews (as floats)
                arrays = tuple(np.ascontiguousarray(x, dtype=np.float64) for x in (cols["arrival_s"], cpu_u, wait_a))
                b = Batch(n, arrays)
                ts, cs, ws = (memoryview(x) for x in arrays)
            # before admitting: a Spot stop scans the batches waiting (and restarts from their work arrays;
            # without Spot none are kept: an overloaded fleet's waiting batches stay small, issue 16)
            spot = self.spot is not None and self.fleet.spot_share > 0
            self._waiting.append((cols, b) + ((cpu_u, wait_a) if spot else (None, None)))
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
        """Fold finished batches (every request started or dropped, and ended by now) into the tally, in order."""
        h, now, spot = self.sc.horizon_s, self.env.now, self.spot
        while self._waiting:
            cols, b, _, _ = self._waiting[0]
            if not final and (b.pending or (spot is not None and spot.holds(b, now))):
                return  # a request is still queued, or a Spot stop may still reach one
            self._waiting.popleft()
            start, end = np.array(b.start), np.array(b.end)
            st = np.array(b.status, dtype=np.int8)
            st[(st == COMPLETED) & ~(end <= h)] = IN_FLIGHT  # running at the horizon, or still queued
            again = spot.restarts(b) if spot is not None else np.zeros(b.n, dtype=np.int16)
            self.tally.add({
                "function": cols["function"], "arrival_s": cols["arrival_s"], "start_s": start, "end_s": end,
                "duration_s": cols["duration_s"], "cpu_s": cols["cpu_s"], "instance": np.array(b.inst, dtype=np.int64),
                "status": st, "restarts": again,
            })
