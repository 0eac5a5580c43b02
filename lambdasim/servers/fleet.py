"""An EC2 fleet behind a load balancer, with one FIFO queue of waiting requests.

Instances are *pending* (booting), *in service*, *draining* (taken out of
the load balancer, finishing what they hold) or *terminated*. The balancer
gives a request to the in-service instance with the fewest outstanding
requests (lowest id on ties); when every worker is busy the request waits
in the FIFO queue, optionally bounded (``queue_limit``: the excess is
dropped at once) and with a timeout (a request still waiting after
``timeout_s`` is dropped then).

The fleet is advanced lazily: a request's end is known when it starts, and
an instance's ready time when it launches, so completions and boots sit in
two heaps and :meth:`Fleet.advance` replays them in time order up to the
present. No SimPy event is needed for either; the driver and the
autoscaler call ``advance(now)`` before they look at the fleet.
"""
from __future__ import annotations

import heapq
import math
from collections import deque

__all__ = ["Fleet", "PENDING", "IN_SERVICE", "DRAINING", "TERMINATED", "COMPLETED", "DROPPED", "IN_FLIGHT"]

PENDING, IN_SERVICE, DRAINING, TERMINATED = 0, 1, 2, 3
COMPLETED, DROPPED, IN_FLIGHT = 0, 1, 2


class Batch:
    """The outcome columns of one window of requests, filled as they resolve."""

    __slots__ = ("n", "start", "end", "inst", "status", "pending")

    def __init__(self, n: int):
        self.n = n
        self.start = [math.nan] * n
        self.end = [math.nan] * n
        self.inst = [-1] * n
        self.status = [COMPLETED] * n
        self.pending = 0  # requests of this batch still waiting in the queue


class Fleet:
    def __init__(self, workers: int, ready_delay_s: float, timeout_s: float | None = None,
                 queue_limit: int | None = None):
        self.w, self.ready_delay_s = workers, ready_delay_s
        self.timeout_s = math.inf if timeout_s is None else timeout_s
        self.queue_limit = queue_limit
        self.launched: list[float] = []
        self.ready: list[float] = []
        self.retired: list[float] = []  # nan while live
        self.state: list[int] = []
        self.out: list[int] = []  # outstanding requests per instance
        self.busy_until: list[float] = []  # latest end of a request begun on the instance
        self.avail: list[tuple[int, int]] = []  # heap (outstanding, id); stale entries skipped
        self.done: list[tuple[float, int]] = []  # heap (end, id) of running requests
        self.booting: list[tuple[float, int]] = []  # heap (ready, id)
        self.queue: deque = deque()  # (arrival, duration, batch, index)
        self.n_pending = self.n_in_service = 0
        self.work_started_s = 0.0  # total duration of every request started so far
        self.arrived = 0

    # --- capacity ---------------------------------------------------------------
    @property
    def active(self) -> int:
        """Instances pending or in service: the fleet's current capacity target."""
        return self.n_pending + self.n_in_service

    def launch(self, t: float, booted: bool = False) -> int:
        """Start an instance at ``t``; it serves from ``t + ready_delay_s`` (or at once if ``booted``)."""
        iid = len(self.state)
        r = t if booted else t + self.ready_delay_s
        self.launched.append(t)
        self.ready.append(r)
        self.retired.append(math.nan)
        self.out.append(0)
        self.busy_until.append(t)
        self.state.append(PENDING)
        self.n_pending += 1
        if booted:
            self._in_service(iid, t)
        else:
            heapq.heappush(self.booting, (r, iid))
        return iid

    def set_desired(self, n: int, t: float) -> None:
        """Launch or remove instances so that ``active == n`` (removal: pending first, then the least loaded)."""
        n = max(0, int(n))
        while self.active < n:
            self.launch(t)
        if self.active <= n:
            return
        live = [i for i, s in enumerate(self.state) if s in (PENDING, IN_SERVICE)]
        live.sort(key=lambda i: (self.state[i] == IN_SERVICE, self.out[i], -i))
        for iid in live[: self.active - n]:
            if self.state[iid] == PENDING:
                self.n_pending -= 1
                self.state[iid] = TERMINATED
                self.retired[iid] = t
            else:
                self.n_in_service -= 1
                self.state[iid] = DRAINING
                self.retired[iid] = max(t, self.busy_until[iid])
        if len(self.avail) > 8 * len(self.state) + 64:
            self._rebuild_avail()

    def _in_service(self, iid: int, t: float) -> None:
        self.state[iid] = IN_SERVICE
        self.n_pending -= 1
        self.n_in_service += 1
        while self.out[iid] < self.w and self._serve_queue(iid, t):
            pass
        if self.out[iid] < self.w:
            heapq.heappush(self.avail, (self.out[iid], iid))

    def _rebuild_avail(self) -> None:
        self.avail = [(o, i) for i, (s, o) in enumerate(zip(self.state, self.out)) if s == IN_SERVICE and o < self.w]
        heapq.heapify(self.avail)

    # --- requests ---------------------------------------------------------------
    def begin(self, iid: int, t: float, d: float) -> float:
        """Start a request of duration ``d`` on instance ``iid`` at ``t``; returns its end."""
        e = t + d
        o = self.out[iid] + 1
        self.out[iid] = o
        if e > self.busy_until[iid]:
            self.busy_until[iid] = e
        heapq.heappush(self.done, (e, iid))
        self.work_started_s += d
        return e

    def pick(self) -> int:
        """The in-service instance with the fewest outstanding requests and a free worker, or -1."""
        avail, state, out = self.avail, self.state, self.out
        while avail:
            o, iid = avail[0]
            if out[iid] == o and state[iid] == IN_SERVICE:
                if o + 1 < self.w:
                    heapq.heapreplace(avail, (o + 1, iid))
                else:
                    heapq.heappop(avail)
                return iid
            heapq.heappop(avail)
        return -1

    def _serve_queue(self, iid: int, t: float) -> bool:
        """Give the oldest waiting request to ``iid`` at ``t`` (dropping timed-out ones); False if none."""
        q, limit = self.queue, self.timeout_s
        while q:
            a, d, b, i = q.popleft()
            b.pending -= 1
            if a + limit < t:
                b.status[i], b.end[i] = DROPPED, a + limit
                continue
            b.start[i], b.inst[i] = t, iid
            b.end[i] = self.begin(iid, t, d)
            return True
        return False

    def purge(self, t: float) -> None:
        """Drop waiting requests whose timeout has passed by ``t`` (they are at the head)."""
        q, limit = self.queue, self.timeout_s
        while q and q[0][0] + limit < t:
            a, _, b, i = q.popleft()
            b.pending -= 1
            b.status[i], b.end[i] = DROPPED, a + limit

    def enqueue(self, t: float, d: float, b: Batch, i: int) -> None:
        if self.queue_limit is not None and len(self.queue) >= self.queue_limit:
            b.status[i], b.end[i] = DROPPED, t
            return
        self.queue.append((t, d, b, i))
        b.pending += 1

    # --- time ---------------------------------------------------------------------
    def advance(self, t: float) -> None:
        """Replay every completion and boot at or before ``t``, in time order."""
        done, booting, out, state = self.done, self.booting, self.out, self.state
        while True:
            if done and done[0][0] <= t and not (booting and booting[0][0] < done[0][0]):
                e, iid = heapq.heappop(done)
                out[iid] -= 1
                if state[iid] == IN_SERVICE and not (self.queue and self._serve_queue(iid, e)):
                    heapq.heappush(self.avail, (out[iid], iid))
            elif booting and booting[0][0] <= t:
                r, iid = heapq.heappop(booting)
                if state[iid] == PENDING:
                    self._in_service(iid, r)
            else:
                return

    # --- what the autoscaler reads ----------------------------------------------------
    def busy_worker_s(self, t: float) -> float:
        """Busy worker-seconds from 0 to ``t`` (after ``advance(t)``)."""
        return self.work_started_s - sum(e - t for e, _ in self.done)

    def worker_s(self, t: float) -> float:
        """Serving worker-seconds (in service or draining) from 0 to ``t``."""
        total = 0.0
        for r, x in zip(self.ready, self.retired):
            end = t if x != x or x > t else x  # x != x: still live
            if end > r:
                total += end - r
        return total * self.w
