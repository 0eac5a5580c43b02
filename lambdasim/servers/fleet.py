"""A server fleet behind a load balancer, with one FIFO queue of waiting requests.

Instances are *pending* (booting), *in service*, *draining* (taken out of
the load balancer, finishing what they hold) or *terminated*. The balancer
gives a request to the in-service instance with the fewest outstanding
requests (lowest id on ties) that has a free slot (``slots`` requests at
once: :mod:`lambdasim.servers.capacity`); when every slot is taken the
request waits in the FIFO queue, optionally bounded (``queue_limit``: the
excess is dropped at once; with ``spill_while_booting``, a hybrid's
routing, the limit is 0 while an instance boots) and with a timeout (a
request still waiting after ``timeout_s`` is dropped then).

A started request runs its CPU part, then its waiting part. CPU parts on
one instance share its ``vcpu`` vCPUs by processor sharing
(:func:`~lambdasim.servers.capacity.processor_share`), tracked exactly with
a per-instance *virtual time* ``V`` (CPU seconds each CPU-phase request has
received): a request joining at ``V0`` with ``c`` CPU seconds leaves its
CPU part when ``V`` reaches ``V0 + c``. A request without CPU work (or
whose CPU part is over) has a known end.

The fleet is advanced lazily: known ends, the next CPU-part end of each
instance and instances' ready times sit in three heaps and
:meth:`Fleet.advance` replays them in time order up to the present. No
SimPy event is needed for any of them; the driver and the autoscaler call
``advance(now)`` before they look at the fleet. A small fleet (at most
``Fleet.SCAN_MAX`` instances launched so far, ``KERNEL_SCAN_MAX`` with the
compiled kernel: the default scenario's one m5.large, two Fargate tasks,
three LMI instances) keeps no heap of next
CPU-part ends or of free instances: it takes the minimum of its instances'
due times (``ps_due``) and of their loads (``load``) over these short lists,
which makes the same choices (lowest id on ties); past the limit it builds
the two heaps and keeps them (``tests/servers/test_fleet_scan.py`` proves
both modes give the same result bit for bit).

API for a server platform: ``Fleet(slots, ready_delay_s, timeout_s,
queue_limit, vcpu)``; ``launch``/``set_desired`` for capacity; per request
``pick()`` then ``begin(iid, t, d)`` (a known duration: returns the end) or
``begin_work(iid, t, cpu_s, wait_s, batch, i)`` (CPU shared by processor
sharing, then waiting), or ``enqueue(t, d_or_wait_s, batch, i, cpu=cpu_s)``; or ``admit`` a batch's
requests in arrival order (all of the above, inline); ``advance(t)`` and ``purge(t)`` before looking;
outcomes land in a :class:`Batch` (``pending`` counts its requests whose end is not known yet). The
queue (:class:`WaitingQueue`) holds runs of request indices, so its memory per waiting request is a
few bytes: summary mode stays small on an overloaded fleet.
"""
from __future__ import annotations

import heapq
import math
from array import array
from collections import deque

from lambdasim.servers.admission import AdmissionLoops
from lambdasim.servers.states import (COMPLETED, DRAINING, DROPPED, IN_FLIGHT, IN_SERVICE, PENDING, TERMINATED,
                                      Batch)


__all__ = ["Fleet", "WaitingQueue", "Batch", "PENDING", "IN_SERVICE", "DRAINING", "TERMINATED", "COMPLETED", "DROPPED",
           "IN_FLIGHT"]


class WaitingQueue:
    """The FIFO queue of waiting requests, held as runs of indices, not one entry per request.

    ``segs`` is a deque of runs ``[batch, head, stop, arrivals, cpus, waits, offset]``: requests
    ``head .. stop - 1`` of ``batch`` wait in that order, request ``j`` with arrival
    ``arrivals[j - offset]`` and its CPU and waiting seconds likewise. While a batch is being
    admitted its runs point into the admission lists; once it is through, the runs still waiting
    keep a compact copy of their part only (``array('d')``: 24 bytes per waiting request), so an
    overloaded fleet's queue costs a few bytes per request and no Python object per request.
    ``len()`` is the number of waiting requests; a run is removed as soon as it is empty.
    """

    __slots__ = ("segs", "n")

    def __init__(self):
        self.segs: deque = deque()
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def __bool__(self) -> bool:
        return self.n > 0

    def compact(self, ts: list) -> None:
        """Runs that point into the admission list ``ts`` (a batch just admitted) keep a copy of their part."""
        for seg in self.segs:
            if seg[3] is ts:
                lo, hi = seg[1], seg[2]
                seg[3], seg[4], seg[5] = array("d", ts[lo:hi]), array("d", seg[4][lo:hi]), array("d", seg[5][lo:hi])
                seg[6] = lo


class Fleet(AdmissionLoops):
    SCAN_MAX = 16  # instances (launched so far) up to which the fleet scans instead of keeping heaps
    KERNEL_SCAN_MAX = 256  # the same with the compiled kernel, whose scans over a few hundred numbers cost little
    _OFF = 1 << 40  # a load that is never below the slots: the instance is not in service

    def __init__(self, workers: int, ready_delay_s: float, timeout_s: float | None = None,
                 queue_limit: int | None = None, vcpu: float = 1.0):
        self.w, self.ready_delay_s, self.vcpu = workers, ready_delay_s, float(vcpu)
        self.timeout_s = math.inf if timeout_s is None else timeout_s
        self.queue_limit = queue_limit
        self.spill_while_booting = False  # a hybrid's "booting" routing: no queue while an instance boots
        self.launched: list[float] = []
        self.ready: list[float] = []
        self.retired: list[float] = []  # nan while live
        self.state: list[int] = []
        self.out: list[int] = []  # outstanding requests per instance
        self.busy_until: list[float] = []  # latest end of a request begun on the instance
        self.avail: list[tuple[int, int]] = []  # heap (outstanding, id); stale entries skipped
        self.done: list[tuple[float, int]] = []  # heap (end, id) of running requests
        self.booting: list[tuple[float, int]] = []  # heap (ready, id)
        self.queue = WaitingQueue()
        self.n_pending = self.n_in_service = 0
        self.work_started_s = 0.0  # total time in service of every request whose end is known
        self.arrived = 0
        # processor sharing, per instance: requests in their CPU part, virtual time and its clock
        self.ps_n: list[int] = []
        self.ps_v: list[float] = []
        self.ps_t: list[float] = []
        self.ps_jobs: list[list] = []  # heap (V at the CPU part's end, seq, wait, start, batch, index)
        self.ps_due: list[float] = []  # the time of each instance's next CPU-part end (inf: none)
        self.cpu_next: list[tuple[float, int]] = []  # heap (next CPU-part end, id); stale if not the due time
        self.cpu_busy = 0.0  # vCPU-seconds used, up to each instance's ps_t
        self.cpu_work_s = 0.0  # CPU seconds (at one vCPU) of every request started
        self.ps_count = 0  # requests in a CPU part, fleet-wide
        self.ps_start_sum = 0.0  # sum of their start times
        self._seq = 0
        self._drain_at: dict[int, float] = {}  # draining instances whose last end is not known yet
        # a small fleet finds its free slot and next CPU-part end by scanning (min over a short list, in C)
        # instead of the avail and cpu_next heaps: the same choices (lowest id on ties), fewer operations
        self.scan = True  # until more than SCAN_MAX instances were launched; then the heaps, for good
        self.load: list[int] = []  # scan mode: outstanding requests of each in-service instance (others: any)
        self.kernel = None  # lambdasim.servers.kernel: scan mode runs compiled whenever it can (the driver decides)
        self._backoff = 1  # requests the Python loop takes before the kernel is tried again (_admit_fast)

    # --- capacity ---------------------------------------------------------------
    @property
    def scan_max(self) -> int:
        """Instances up to which this fleet stays in scan mode (``KERNEL_SCAN_MAX`` when its kernel runs, at most
        16 times ``SCAN_MAX``, so that ``SCAN_MAX = 0`` forces the heaps on both paths)."""
        return self.SCAN_MAX if self.kernel is None else min(self.KERNEL_SCAN_MAX, 16 * self.SCAN_MAX)

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
        self.ps_n.append(0)
        self.ps_v.append(0.0)
        self.ps_t.append(t)
        self.ps_jobs.append([])
        self.ps_due.append(math.inf)
        self.state.append(PENDING)
        self.load.append(self._OFF)
        self.n_pending += 1
        if self.scan and len(self.state) > self.scan_max:
            self._to_heaps()
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
        for iid in self._victims(live, self.active - n):
            if self.state[iid] == PENDING:
                self.n_pending -= 1
                self.state[iid] = TERMINATED
                self.retired[iid] = t
            else:
                self.n_in_service -= 1
                self.state[iid] = DRAINING
                if self.ps_n[iid]:  # its last end is known once its CPU parts are done
                    self._drain_at[iid] = t
                else:
                    self.retired[iid] = max(t, self.busy_until[iid])
        if not self.scan and len(self.avail) > 8 * len(self.state) + 64:
            self._rebuild_avail()

    def _victims(self, live: list[int], k: int) -> list[int]:
        """The ``k`` servers a scale-in removes, from ``live`` in removal order (a Spot fleet keeps its share)."""
        return live[:k]

    def _in_service(self, iid: int, t: float) -> None:
        self.state[iid] = IN_SERVICE
        self.n_pending -= 1
        self.n_in_service += 1
        while self.out[iid] < self.w and self._serve_queue(iid, t):
            pass
        if self.scan:
            self.load[iid] = self.out[iid]
        elif self.out[iid] < self.w:
            heapq.heappush(self.avail, (self.out[iid], iid))

    def _rebuild_avail(self) -> None:
        self.avail[:] = [(o, i) for i, (s, o) in enumerate(zip(self.state, self.out)) if s == IN_SERVICE and o < self.w]
        heapq.heapify(self.avail)

    def _to_heaps(self) -> None:
        """Leave scan mode: the avail and cpu_next heaps from the instances' loads and due times."""
        self.scan = False
        self._rebuild_avail()
        self.cpu_next[:] = [(d, i) for i, d in enumerate(self.ps_due) if d != math.inf]
        heapq.heapify(self.cpu_next)

    # --- requests ---------------------------------------------------------------
    def begin(self, iid: int, t: float, d: float) -> float:
        """Start a request of known duration ``d`` (no CPU sharing) on instance ``iid`` at ``t``; returns its end."""
        e = t + d
        self.out[iid] += 1
        if e > self.busy_until[iid]:
            self.busy_until[iid] = e
        heapq.heappush(self.done, (e, iid))
        self.work_started_s += d
        return e

    def begin_work(self, iid: int, t: float, cpu: float, wait: float, b: Batch, i: int) -> None:
        """Start request ``i`` of ``b`` on instance ``iid`` at ``t``: ``cpu`` CPU seconds, then ``wait`` s.

        Its end lands in ``b.end[i]`` when it is known (at once without CPU work).
        """
        if cpu <= 0.0:
            b.end[i] = self.begin(iid, t, wait)
            return
        self.out[iid] += 1
        vc, n = self.vcpu, self.ps_n[iid]
        v = self.ps_v[iid]
        if n:  # bring the virtual time up to t (as _ps_sync, inlined: this is the hot path)
            dt = t - self.ps_t[iid]
            if n <= vc:
                v += dt
                self.cpu_busy += dt * n
            else:
                v += dt * vc / n
                self.cpu_busy += dt * vc
            self.ps_v[iid] = v
        self.ps_t[iid] = t
        jobs = self.ps_jobs[iid]
        self._seq += 1
        heapq.heappush(jobs, (v + cpu, self._seq, wait, t, b, i))
        n += 1
        self.ps_n[iid] = n
        self.ps_count += 1
        self.ps_start_sum += t
        self.cpu_work_s += cpu
        b.pending += 1
        if n <= vc:  # every CPU part still runs at a full vCPU: only an earlier end changes the due time
            if t + cpu < self.ps_due[iid]:
                self.ps_due[iid] = t + cpu
                if not self.scan:
                    heapq.heappush(self.cpu_next, (t + cpu, iid))
        else:
            self._ps_schedule(iid, t, v, n)

    def _ps_sync(self, iid: int, t: float) -> float:
        """Bring instance ``iid``'s virtual time up to ``t``; returns it."""
        n, v = self.ps_n[iid], self.ps_v[iid]
        if n:
            dt = t - self.ps_t[iid]
            vc = self.vcpu
            if n <= vc:
                v += dt
                self.cpu_busy += dt * n
            else:
                v += dt * vc / n
                self.cpu_busy += dt * vc
            self.ps_v[iid] = v
        self.ps_t[iid] = t
        return v

    def _ps_schedule(self, iid: int, t: float, v: float, n: int) -> None:
        """Put instance ``iid``'s next CPU-part end on the heap (an older entry becomes stale)."""
        jobs = self.ps_jobs[iid]
        if jobs:
            due = t + (jobs[0][0] - v) if n <= self.vcpu else t + (jobs[0][0] - v) * n / self.vcpu
            self.ps_due[iid] = due
            if not self.scan:
                heapq.heappush(self.cpu_next, (due, iid))
        else:
            self.ps_due[iid] = math.inf

    def _ps_end(self, iid: int, t: float) -> None:
        """At ``t`` the first CPU part of ``iid`` ends (and any ending with it): they go on to wait."""
        jobs = self.ps_jobs[iid]
        n = self.ps_n[iid]
        dt = t - self.ps_t[iid]
        vc = self.vcpu
        self.cpu_busy += dt * (n if n <= vc else vc)
        v = jobs[0][0]  # the virtual time now: exactly the finishing job's mark (no rounding drift)
        self.ps_t[iid] = t
        done, busy_until = self.done, self.busy_until
        started = 0.0
        k = 0
        while jobs and jobs[0][0] <= v:
            _, _, wait, start, b, i = heapq.heappop(jobs)
            e = t + wait
            b.end[i] = e
            b.pending -= 1
            k += 1
            started += start
            self.work_started_s += e - start
            if e > busy_until[iid]:
                busy_until[iid] = e
            heapq.heappush(done, (e, iid))
        n -= k
        self.ps_v[iid], self.ps_n[iid] = v, n
        self.ps_count -= k
        self.ps_start_sum -= started
        if not jobs and iid in self._drain_at:
            self.retired[iid] = max(self._drain_at.pop(iid), busy_until[iid])
        self._ps_schedule(iid, t, v, n)

    def pick(self) -> int:
        """The in-service instance with the fewest outstanding requests and a free worker, or -1."""
        if self.scan:
            return self._pick_scan()
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

    def _pick_scan(self) -> int:
        """:meth:`pick` in scan mode: the lowest load (lowest id on ties) below the slots."""
        load, state = self.load, self.state
        m = min(load) if load else self._OFF
        while m < self.w:
            iid = load.index(m)
            if state[iid] == IN_SERVICE:
                load[iid] = m + 1
                return iid
            load[iid] = self._OFF  # left service since: never again
            m = min(load)
        return -1

    def _serve_queue(self, iid: int, t: float) -> bool:
        """Give the oldest waiting request to ``iid`` at ``t`` (dropping timed-out ones); False if none."""
        q, limit = self.queue, self.timeout_s
        segs = q.segs
        while segs:
            seg = segs[0]
            b, j = seg[0], seg[1]
            k = j - seg[6]
            a, c, w = seg[3][k], seg[4][k], seg[5][k]
            if j + 1 == seg[2]:
                segs.popleft()
            else:
                seg[1] = j + 1
            q.n -= 1
            b.pending -= 1
            if a + limit < t:
                b.status[j], b.end[j] = DROPPED, a + limit
                continue
            b.start[j], b.inst[j] = t, iid
            if c > 0.0:
                self.begin_work(iid, t, c, w, b, j)
            else:
                b.end[j] = self.begin(iid, t, w)
            return True
        return False

    def purge(self, t: float) -> None:
        """Drop waiting requests whose timeout has passed by ``t`` (they are at the head)."""
        q, limit = self.queue, self.timeout_s
        segs = q.segs
        while segs:
            seg = segs[0]
            b, j, stop, arrivals, off = seg[0], seg[1], seg[2], seg[3], seg[6]
            while j < stop:
                a = arrivals[j - off]
                if not a + limit < t:
                    seg[1] = j
                    return
                q.n -= 1
                b.pending -= 1
                b.status[j], b.end[j] = DROPPED, a + limit
                j += 1
            segs.popleft()

    def enqueue(self, t: float, d: float, b: Batch, i: int, cpu: float = 0.0) -> None:
        """Queue request ``i`` of ``b`` at ``t``: ``cpu`` CPU seconds (shared), then ``d`` seconds of known duration."""
        q = self.queue
        limit = 0 if self.spill_while_booting and self.n_pending else self.queue_limit
        if limit is not None and q.n >= limit:
            b.status[i], b.end[i] = DROPPED, t
            return
        q.segs.append([b, i, i + 1, [t], [cpu], [d], i])
        q.n += 1
        b.pending += 1

    # --- time ---------------------------------------------------------------------
    def advance(self, t: float) -> None:
        """Replay every CPU-part end, completion and boot at or before ``t``, in time order.

        Boots are rare: CPU-part ends and completions are replayed up to the next boot (inclusive:
        at a tie they come first), then the boot, and so on. The CPU-part end (:meth:`_ps_end` and
        :meth:`_ps_schedule`) is written out inline and the fleet-wide sums are kept in locals
        between calls that read them: this runs about once per request, and the same operations in
        the same order keep the result exact.
        """
        done, booting, out, state = self.done, self.booting, self.out, self.state
        cpu_next, due = self.cpu_next, self.ps_due
        ps_jobs, ps_n, ps_t, ps_v, busy_until, drain_at = (self.ps_jobs, self.ps_n, self.ps_t, self.ps_v,
                                                            self.busy_until, self._drain_at)
        avail, queue, load = self.avail, self.queue.segs, self.load
        pop, push, inf = heapq.heappop, heapq.heappush, math.inf
        vc = self.vcpu
        while True:
            tb = booting[0][0] if booting else inf
            lim = t if t < tb else tb
            cpu_busy, work, count, start_sum = self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum
            while True:
                scan = self.scan  # a served queue never launches: the mode holds while this loop runs
                if scan:
                    tc = min(due) if due else inf
                else:
                    while cpu_next:
                        head = cpu_next[0]
                        if head[0] == due[head[1]]:
                            tc = head[0]
                            break
                        pop(cpu_next)  # stale: the instance's sharing changed since
                    else:
                        tc = inf
                td = done[0][0] if done else inf
                if tc <= td:
                    if tc > lim:
                        break
                    iid = due.index(tc) if scan else pop(cpu_next)[1]  # as _ps_end(iid, tc), inlined
                    jobs = ps_jobs[iid]
                    n = ps_n[iid]
                    cpu_busy += (tc - ps_t[iid]) * (n if n <= vc else vc)
                    v = jobs[0][0]
                    ps_t[iid] = tc
                    started = 0.0
                    k = 0
                    while jobs and jobs[0][0] <= v:
                        _, _, wait, start, b, i = pop(jobs)
                        e = tc + wait
                        b.end[i] = e
                        b.pending -= 1
                        k += 1
                        started += start
                        work += e - start
                        if e > busy_until[iid]:
                            busy_until[iid] = e
                        push(done, (e, iid))
                    n -= k
                    ps_v[iid], ps_n[iid] = v, n
                    count -= k
                    start_sum -= started
                    if jobs:  # as _ps_schedule(iid, tc, v, n)
                        nxt = tc + (jobs[0][0] - v) if n <= vc else tc + (jobs[0][0] - v) * n / vc
                        due[iid] = nxt
                        if not scan:
                            push(cpu_next, (nxt, iid))
                    else:
                        due[iid] = inf
                        if iid in drain_at:
                            self.retired[iid] = max(drain_at.pop(iid), busy_until[iid])
                elif td <= lim:
                    # completions up to the next CPU-part end; a served queue may move the CPU end up
                    while True:
                        iid = pop(done)[1]
                        out[iid] -= 1
                        if state[iid] == IN_SERVICE:
                            if queue:
                                self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum = (
                                    cpu_busy, work, count, start_sum)
                                served = self._serve_queue(iid, td)
                                cpu_busy, work, count, start_sum = (
                                    self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum)
                                if served:
                                    break
                            if scan:
                                load[iid] = out[iid]
                            else:
                                push(avail, (out[iid], iid))
                        if not done:
                            break
                        td = done[0][0]
                        if td > lim or td >= tc:
                            break
                else:
                    break
            self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum = cpu_busy, work, count, start_sum
            if tb <= t:
                iid = pop(booting)[1]
                if state[iid] == PENDING:
                    self._in_service(iid, tb)
            else:
                return

    # --- what the autoscaler reads ----------------------------------------------------
    def busy_worker_s(self, t: float) -> float:
        """Busy slot-seconds from 0 to ``t`` (after ``advance(t)``)."""
        return (self.work_started_s - sum(e - t for e, _ in self.done)
                + self.ps_count * t - self.ps_start_sum)

    def busy_vcpu_s(self, t: float) -> float:
        """vCPU-seconds used from 0 to ``t`` (after ``advance(t)``)."""
        for iid, n in enumerate(self.ps_n):
            if n:
                self._ps_sync(iid, t)
        return self.cpu_busy

    def worker_s(self, t: float) -> float:
        """Serving worker-seconds (in service or draining) from 0 to ``t``."""
        total = 0.0
        for r, x in zip(self.ready, self.retired):
            end = t if x != x or x > t else x  # x != x: still live
            if end > r:
                total += end - r
        return total * self.w

    def vcpu_s(self, t: float) -> float:
        """Serving vCPU-seconds (in service or draining) from 0 to ``t``."""
        return self.worker_s(t) / self.w * self.vcpu
