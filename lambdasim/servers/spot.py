"""Spot capacity with an interruption process, shared by the server platforms (EC2 Spot, Fargate Spot).

The group keeps a share of its live servers (pending or in service) on
Spot: of ``m`` live servers, ``floor(m · share)`` (:func:`spot_target`). A
launch is Spot when the live Spot servers are below the target of the group
it makes, and a scale-in removes servers of the market above its target (in
the fleet's removal order), as an EC2 Auto Scaling group with a mixed
instances policy keeps its On-Demand percentage and an ECS service its
FARGATE / FARGATE_SPOT capacity provider weights. Without interruptions or
scale-in this is the weighted round robin of launch order (:func:`is_spot`).

Each Spot server receives an interruption notice after an exponential time
with the platform's rate per server-hour, drawn when it is launched from the
run's Spot random stream (so the same seed gives the same notices). At its
notice the server leaves the load balancer and the group launches a
replacement, Spot again since the group is one Spot server short of its
share ("When a Spot Instance is terminated, Amazon EC2 Auto Scaling group
attempts to launch a replacement instance to maintain the desired capacity
for the group", AWS::AutoScaling::AutoScalingGroup MixedInstancesPolicy);
``notice_s`` later (2 minutes on AWS) it stops. Requests still running on it
then are ``requeue``-d (started again from scratch on another server, or
queued) or lost (status ``INTERRUPTED``), and counted either way.

:class:`SpotFleet` is the :class:`~lambdasim.servers.fleet.Fleet` with the
Spot flags and the two fleet-side steps (:meth:`SpotFleet.interrupt`,
:meth:`SpotFleet.stop`); :class:`SpotInterruptions` is the SimPy side: the
notices, and what becomes of the requests a stop cuts.
"""
from __future__ import annotations

import heapq
import math
from typing import Callable

import numpy as np

from lambdasim.billing.catalogue import Catalogue
from lambdasim.servers.fleet import DRAINING, IN_SERVICE, PENDING, TERMINATED, Batch, Fleet

__all__ = ["SpotFleet", "SpotInterruptions", "is_spot", "spot_target", "spot_rate", "INTERRUPTED"]

#: Status of a request lost when its Spot server stopped under it (``servers.result.SERVER_STATUS``).
INTERRUPTED = 3


def spot_rate(stated: float | None, catalogue: Catalogue | None, key: str) -> float:
    """A Spot pool's interruptions per server-hour: the scenario's own rate, else the catalogue's dated default
    ``key`` (``catalogue`` is none when nothing runs on Spot: the rate is then never used)."""
    if stated is not None:
        return stated
    return catalogue[key] if catalogue is not None else 0.0


def spot_target(m: int, share: float) -> int:
    """How many of a group's ``m`` live servers run on Spot."""
    return math.floor(m * share + 1e-9)


def is_spot(k: int, share: float) -> bool:
    """Whether the ``k``-th launched server runs on Spot when none has left the group (weighted round robin)."""
    return spot_target(k + 1, share) > spot_target(k, share)


class SpotFleet(Fleet):
    """A fleet keeping ``spot_share`` of its live servers on Spot (:func:`spot_target`); ``on_launch(iid, t)``
    hears of every launch (the interruption process draws its notice there)."""

    def __init__(self, workers: int, ready_delay_s: float, timeout_s: float | None = None,
                 queue_limit: int | None = None, vcpu: float = 1.0, *, spot_share: float = 0.0,
                 on_launch: Callable[[int, float], None] | None = None):
        super().__init__(workers, ready_delay_s, timeout_s, queue_limit, vcpu)
        self.spot_share, self.on_launch = spot_share, on_launch
        self.spot: list[bool] = []
        self.interrupted_at: list[float] = []  # notice time, nan if never interrupted
        self.spot_live = 0  # live (pending or in service) servers on Spot

    def launch(self, t: float, booted: bool = False) -> int:
        spot = self.spot_live < spot_target(self.active + 1, self.spot_share)
        iid = super().launch(t, booted)
        self.spot.append(spot)
        self.spot_live += spot
        self.interrupted_at.append(math.nan)
        if self.on_launch is not None:
            self.on_launch(iid, t)
        return iid

    def interrupt(self, iid: int, t: float, notice_s: float) -> float | None:
        """Spot notice for server ``iid`` at ``t``: out of service, replaced; returns its stop time (None: gone already)."""
        s = self.state[iid]
        if s in (DRAINING, TERMINATED):
            return None
        self.interrupted_at[iid] = t
        self.spot_live -= self.spot[iid]
        if s == PENDING:
            self.n_pending -= 1
            self.state[iid], self.retired[iid] = TERMINATED, t
            stop = t
        else:
            assert s == IN_SERVICE
            self.n_in_service -= 1
            self.state[iid], self.retired[iid] = DRAINING, t + notice_s
            stop = t + notice_s
        self.launch(t)  # the group keeps its desired count, and its share: the replacement is Spot
        return stop

    def _victims(self, live: list[int], k: int) -> list[int]:
        """A scale-in by ``k``: each removal takes the first server (in ``live``'s removal order) of the market
        above its target once the group is one smaller."""
        spot = [i for i in live if self.spot[i]]
        other = [i for i in live if not self.spot[i]]
        out, m, n_spot, si, oi = [], self.active, self.spot_live, 0, 0
        for _ in range(k):
            m -= 1
            if si < len(spot) and (n_spot > spot_target(m, self.spot_share) or oi == len(other)):
                out.append(spot[si])
                si, n_spot = si + 1, n_spot - 1
            else:
                out.append(other[oi])
                oi += 1
        self.spot_live = n_spot
        return out

    def stop(self, iid: int, t: float) -> list[tuple[Batch, int]]:
        """Server ``iid`` stops at ``t`` (after ``advance(t)``): what it still runs ends there.

        Requests in their CPU part are cut and returned as ``(batch, index)``
        (their end was not known yet); requests in their waiting part (a known
        end after ``t``) lose the rest of it, and the caller finds them by that
        end. Busy time counts up to ``t`` only.
        """
        cut = []
        jobs = self.ps_jobs[iid]
        if jobs:
            self._ps_sync(iid, t)
            for _, _, _, start, b, i in jobs:
                b.pending -= 1
                self.ps_start_sum -= start
                self.work_started_s += t - start
                cut.append((b, i))
            self.ps_count -= len(jobs)
            self.out[iid] -= len(jobs)
            jobs.clear()
            self.ps_n[iid], self.ps_due[iid] = 0, math.inf
        later = [(e, j) for e, j in self.done if j == iid and e > t]
        if later:
            self.done[:] = [(e, j) for e, j in self.done if not (j == iid and e > t)]  # in place: drivers hold it
            heapq.heapify(self.done)
            self.work_started_s -= sum(e - t for e, _ in later)
            self.out[iid] -= len(later)
        return cut


class SpotInterruptions:
    """The interruption process of one run: notices at ``rate_per_hour`` per Spot server, stops ``notice_s`` later.

    ``waiting`` is the driver's deque of ``(columns, batch, cpu, wait)`` (arrays) not yet folded into the tally: a stop
    scans it for the requests running on the stopped server. Call :meth:`attach` with the fleet before its
    first launch, and give :meth:`launched` to the fleet as ``on_launch``.
    """

    def __init__(self, env, rng: np.random.Generator, rate_per_hour: float, notice_s: float, requeue: bool,
                 horizon_s: float, waiting):
        self.env, self.rng, self.rate, self.notice_s = env, rng, rate_per_hour, notice_s
        self.requeue, self.horizon_s, self.waiting = requeue, horizon_s, waiting
        self.fleet: SpotFleet | None = None
        self.interruptions = 0  # Spot notices received
        self.requests_interrupted = 0  # requests running on a server when it stopped
        self._restarted: dict[int, list[int]] = {}  # id(batch) -> indices of requests interrupted (requeued)

    def attach(self, fleet: SpotFleet) -> None:
        self.fleet = fleet

    @property
    def active(self) -> bool:
        """Whether a stop may happen at all (some share on Spot)."""
        return self.fleet is not None and self.fleet.spot_share > 0

    def launched(self, iid: int, t: float) -> None:
        """The fleet launched server ``iid`` at ``t``: a Spot one gets its notice time."""
        if self.fleet.spot[iid] and self.rate > 0:
            notice = t + self.rng.exponential(3600.0 / self.rate)
            if notice < self.horizon_s:
                self.env.process(self._life(iid, notice))

    def holds(self, b: Batch, now: float) -> bool:
        """Whether a stop may still reach a request of batch ``b`` (one that ends after ``now``)."""
        return self.active and max(b.end, default=0.0) > now

    def restarts(self, b: Batch) -> np.ndarray:
        """How many times each request of ``b`` was started again (forgets ``b``)."""
        again = np.zeros(b.n, dtype=np.int16)
        np.add.at(again, self._restarted.pop(id(b), []), 1)
        return again

    def _life(self, iid: int, notice: float):
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
        """Requests still running on server ``iid`` at ``stop``: started again elsewhere, or lost."""
        fleet, requeue = self.fleet, self.requeue
        cut: dict[int, set[int]] = {}  # id(batch) -> requests cut in their CPU part (their end not known yet)
        for b, i in fleet.stop(iid, stop):
            cut.setdefault(id(b), set()).add(i)
        for _, b, cs, ws in self.waiting:
            inst, start, end, mine = b.inst, b.start, b.end, cut.get(id(b), ())
            # the requests running on the server at the stop (each pass below changes only its own request's
            # columns, so finding them first gives the ones testing each request in turn would); a batch of
            # arrays (the fleet's kernel) is searched in numpy, one of lists in a comprehension
            if isinstance(inst, np.ndarray):
                hits = np.flatnonzero((inst == iid) & (start <= stop) & (stop < end)).tolist()
            else:
                hits = [i for i in range(b.n) if inst[i] == iid and start[i] <= stop < end[i]]
            if mine:
                hits = sorted(set(hits).union(mine))
            for i in hits:
                self.requests_interrupted += 1
                if not requeue:
                    b.status[i], b.end[i] = INTERRUPTED, stop
                    continue
                self._restarted.setdefault(id(b), []).append(i)
                j = -1 if fleet.queue else fleet.pick()
                c, w = float(cs[i]), float(ws[i])  # the work arrays' values, as the admitted lists held them
                if j >= 0:
                    start[i], inst[i], end[i] = stop, j, math.nan
                    fleet.begin_work(j, stop, c, w, b, i)
                else:
                    start[i], end[i], inst[i] = math.nan, math.nan, -1
                    fleet.enqueue(stop, w, b, i, c)
