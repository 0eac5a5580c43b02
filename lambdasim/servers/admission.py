"""The fleet's hot loops: a batch of requests admitted in arrival order (:class:`AdmissionLoops`).

:class:`~lambdasim.servers.fleet.Fleet` inherits them. ``admit`` replays, inline, what ``advance``, ``pick``,
``begin_work`` and ``enqueue`` do one call at a time, on the fleet's own state held in locals; ``_admit_scan``
is the same loop for a small fleet in scan mode (no heaps of free instances or next CPU-part ends). Both are
proven equal to the one-call-at-a-time path and to each other bit for bit (``tests/test_fingerprint.py``,
``tests/servers/test_fleet_scan.py``). They live apart from the fleet's bookkeeping only to keep each file
readable.
"""
from __future__ import annotations

import heapq
import math

from lambdasim.servers.states import DROPPED, IN_SERVICE, Batch

__all__ = ["AdmissionLoops"]


class AdmissionLoops:
    """The batch admission loops of :class:`~lambdasim.servers.fleet.Fleet` (a mixin: it has no state of its own)."""

    def admit(self, ts: list, cs: list, ws: list, b: Batch, i: int, now: float, nxt: float,
              resumed: bool = False) -> int:
        """Requests ``i, i + 1, ...`` of ``b`` (arrival ``ts``, CPU ``cs``, waiting ``ws``) arrive at the fleet.

        Each is started at once (least-loaded instance with a free slot, as :meth:`pick`, then
        :meth:`begin_work`) or queued (:meth:`enqueue`), after the CPU-part ends and completions
        due by its arrival are replayed (as :meth:`advance`). Stops before the first request
        arriving after ``now`` at or after ``nxt`` (the next SimPy event: the autoscaler acts
        first) and returns its index; ``len(ts)`` when the batch is through. ``resumed``: the
        caller has just let SimPy run up to request ``i``, which is admitted then whatever the
        clock says.

        This is the fleet's hot loop (once per request): all of the above is written out inline,
        with the fleet-wide sums in locals that are written back before any call that reads them
        and at the end. The same operations in the same order keep the result exact.
        """
        if self.scan:
            if self.kernel is not None and b.arrays is not None:
                return self._admit_fast(ts, cs, ws, b, i, now, nxt, resumed)
            return self._admit_scan(ts, cs, ws, b, i, now, nxt, resumed)
        done, booting, cpu_next, avail = self.done, self.booting, self.cpu_next, self.avail
        waiting = self.queue
        queue = waiting.segs
        out, state, busy_until, drain_at = self.out, self.state, self.busy_until, self._drain_at
        ps_n, ps_v, ps_t, ps_jobs, due = self.ps_n, self.ps_v, self.ps_t, self.ps_jobs, self.ps_due
        push, pop, replace, inf = heapq.heappush, heapq.heappop, heapq.heapreplace, math.inf
        has_timeout = math.isfinite(self.timeout_s)
        w, vc = self.w, self.vcpu
        start, inst, end = b.start, b.inst, b.end
        cpu_busy, work, count, start_sum = self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum
        cpu_work, seq, pending = self.cpu_work_s, self._seq, b.pending
        n_req, i0 = len(ts), i
        first = i if resumed else -1
        while i < n_req:
            t = ts[i]
            if nxt <= t and t > now and i != first:
                break
            if (done and done[0][0] <= t) or (cpu_next and cpu_next[0][0] <= t):
                if booting and booting[0][0] <= t:  # an instance comes into service: the general path
                    self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum = (
                        cpu_busy, work, count, start_sum)
                    self.cpu_work_s, self._seq, b.pending = cpu_work, seq, pending
                    self.advance(t)
                    cpu_busy, work, count, start_sum = (
                        self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum)
                    cpu_work, seq, pending = self.cpu_work_s, self._seq, b.pending
                else:
                    while True:  # as advance(t) without boots
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
                            if tc > t:
                                break
                            iid = pop(cpu_next)[1]  # a CPU-part end, as _ps_end(iid, tc)
                            jobs = ps_jobs[iid]
                            n = ps_n[iid]
                            cpu_busy += (tc - ps_t[iid]) * (n if n <= vc else vc)
                            v = jobs[0][0]
                            ps_t[iid] = tc
                            started = 0.0
                            k = 0
                            while jobs and jobs[0][0] <= v:
                                _, _, wait, st, bj, j = pop(jobs)
                                e = tc + wait
                                bj.end[j] = e
                                if bj is b:
                                    pending -= 1
                                else:
                                    bj.pending -= 1
                                k += 1
                                started += st
                                work += e - st
                                if e > busy_until[iid]:
                                    busy_until[iid] = e
                                push(done, (e, iid))
                            n -= k
                            ps_v[iid], ps_n[iid] = v, n
                            count -= k
                            start_sum -= started
                            if jobs:  # as _ps_schedule(iid, tc, v, n)
                                x = tc + (jobs[0][0] - v) if n <= vc else tc + (jobs[0][0] - v) * n / vc
                                due[iid] = x
                                push(cpu_next, (x, iid))
                            else:
                                due[iid] = inf
                                if iid in drain_at:
                                    self.retired[iid] = max(drain_at.pop(iid), busy_until[iid])
                        elif td <= t:
                            while True:  # completions up to the next CPU-part end
                                iid = pop(done)[1]
                                out[iid] -= 1
                                if state[iid] == IN_SERVICE:
                                    if queue:
                                        self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum = (
                                            cpu_busy, work, count, start_sum)
                                        self.cpu_work_s, self._seq, b.pending = cpu_work, seq, pending
                                        served = self._serve_queue(iid, td)
                                        cpu_busy, work, count, start_sum = (
                                            self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum)
                                        cpu_work, seq, pending = self.cpu_work_s, self._seq, b.pending
                                        if served:
                                            break
                                    push(avail, (out[iid], iid))
                                if not done:
                                    break
                                td = done[0][0]
                                if td > t or td >= tc:
                                    break
                        else:
                            break
            elif booting and booting[0][0] <= t:
                self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum = cpu_busy, work, count, start_sum
                self.cpu_work_s, self._seq, b.pending = cpu_work, seq, pending
                self.advance(t)
                cpu_busy, work, count, start_sum = self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum
                cpu_work, seq, pending = self.cpu_work_s, self._seq, b.pending
            if queue and has_timeout:
                b.pending = pending
                self.purge(t)
                pending = b.pending
            if not queue:
                iid = -1
                while avail:  # as pick()
                    o, j = avail[0]
                    if out[j] == o and state[j] == IN_SERVICE:
                        if o + 1 < w:
                            replace(avail, (o + 1, j))
                        else:
                            pop(avail)
                        iid = j
                        break
                    pop(avail)
                if iid >= 0:
                    start[i], inst[i] = t, iid
                    cpu, wait = cs[i], ws[i]
                    if cpu <= 0.0:  # as begin(iid, t, wait)
                        e = t + wait
                        out[iid] += 1
                        if e > busy_until[iid]:
                            busy_until[iid] = e
                        push(done, (e, iid))
                        work += wait
                        end[i] = e
                        i += 1
                        continue
                    out[iid] += 1  # as begin_work(iid, t, cpu, wait, b, i)
                    n = ps_n[iid]
                    v = ps_v[iid]
                    if n:
                        dt = t - ps_t[iid]
                        if n <= vc:
                            v += dt
                            cpu_busy += dt * n
                        else:
                            v += dt * vc / n
                            cpu_busy += dt * vc
                        ps_v[iid] = v
                    ps_t[iid] = t
                    seq += 1
                    jobs = ps_jobs[iid]
                    push(jobs, (v + cpu, seq, wait, t, b, i))
                    n += 1
                    ps_n[iid] = n
                    count += 1
                    start_sum += t
                    cpu_work += cpu
                    pending += 1
                    if n <= vc:
                        if t + cpu < due[iid]:
                            due[iid] = t + cpu
                            push(cpu_next, (t + cpu, iid))
                    else:  # as _ps_schedule(iid, t, v, n)
                        x = t + (jobs[0][0] - v) * n / vc
                        due[iid] = x
                        push(cpu_next, (x, iid))
                    i += 1
                    continue
            # as enqueue(t, ws[i], b, i, cs[i]), extending the queue's last run when it ends at i
            limit = 0 if self.spill_while_booting and self.n_pending else self.queue_limit
            if limit is not None and waiting.n >= limit:
                b.status[i], end[i] = DROPPED, t
            else:
                tail = queue[-1] if queue else None
                if tail is not None and tail[2] == i and tail[3] is ts:
                    tail[2] = i + 1
                else:
                    queue.append([b, i, i + 1, ts, cs, ws, 0])
                waiting.n += 1
                pending += 1
            i += 1
        self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum = cpu_busy, work, count, start_sum
        self.cpu_work_s, self._seq, b.pending = cpu_work, seq, pending
        self.arrived += i - i0
        if i == n_req and queue:
            waiting.compact(ts)  # the batch is through: its runs still waiting keep only their part
        return i

    def _admit_fast(self, ts: list, cs: list, ws: list, b: Batch, i: int, now: float, nxt: float,
                    resumed: bool) -> int:
        """:meth:`_admit_scan` compiled (:mod:`lambdasim.servers.kernel`, ``kernel``) whenever the kernel can take
        the fleet (:func:`~lambdasim.servers.kernel.ready`: scan mode, no instance draining, every CPU part in
        progress and every waiting request one of ``b``'s). The Python loop takes the request the kernel stops at
        (a boot due) and, while the kernel cannot take the fleet, stretches of 64 requests; then the kernel
        again. A kernel call that admitted fewer than 16 requests doubles the wait before the next (``_backoff``
        requests, up to 1,024), so that a fleet the kernel keeps handing back is not copied to and fro. Either
        way every request goes through the same operations: the result is the same bit for bit."""
        kern, n, views = self.kernel, len(ts), (ts, cs, ws)
        first = i if resumed else -1
        retry = i  # the kernel is not tried before this request
        while i < n:
            if i >= retry and kern.ready(self, b, views):
                i0 = i
                i, why = kern.admit(self, b, i, now, nxt, first, views)
                if why != kern.TO_PYTHON:
                    return i
                self._backoff = 1 if i - i0 >= 16 else min(1024, 2 * self._backoff)
                retry = i + self._backoff
                stop = i + 1
            else:
                stop = i + 64
            stop = min(n, max(stop, retry))
            j = self._admit_scan(ts, cs, ws, b, i, now, nxt, i == first, stop)
            if j < stop:  # stopped at the next SimPy event
                return j
            i = j
        return i

    def _admit_scan(self, ts: list, cs: list, ws: list, b: Batch, i: int, now: float, nxt: float,
                    resumed: bool, stop: int | None = None) -> int:
        """:meth:`admit` in scan mode (a fleet of at most ``SCAN_MAX`` instances): the same loop, with the
        next CPU-part end the minimum of the instances' due times (``tmin``, kept up to date) and the free
        slot the minimum of their loads, in place of the cpu_next and avail heaps. The same choices
        (lowest id on ties) and the same float operations in the same order: the same result, bit for bit
        (``tests/servers/test_fleet_scan.py`` runs both). ``stop``: admit requests before this index only."""
        done, booting, due, load = self.done, self.booting, self.ps_due, self.load
        waiting = self.queue
        queue = waiting.segs
        out, state, busy_until, drain_at = self.out, self.state, self.busy_until, self._drain_at
        ps_n, ps_v, ps_t, ps_jobs = self.ps_n, self.ps_v, self.ps_t, self.ps_jobs
        push, pop, inf, off = heapq.heappush, heapq.heappop, math.inf, self._OFF
        has_timeout = math.isfinite(self.timeout_s)
        w, vc = self.w, self.vcpu
        start, inst, end = b.start, b.inst, b.end
        cpu_busy, work, count, start_sum = self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum
        cpu_work, seq, pending = self.cpu_work_s, self._seq, b.pending
        n_req, i0 = len(ts), i
        first = i if resumed else -1
        tmin = min(due) if due else inf  # the next CPU-part end, fleet-wide
        stop = n_req if stop is None else stop
        while i < stop:
            t = ts[i]
            if nxt <= t and t > now and i != first:
                break
            if tmin <= t or (done and done[0][0] <= t):
                if booting and booting[0][0] <= t:  # an instance comes into service: the general path
                    self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum = (
                        cpu_busy, work, count, start_sum)
                    self.cpu_work_s, self._seq, b.pending = cpu_work, seq, pending
                    self.advance(t)
                    cpu_busy, work, count, start_sum = (
                        self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum)
                    cpu_work, seq, pending = self.cpu_work_s, self._seq, b.pending
                    tmin = min(due) if due else inf
                else:
                    # With no request waiting, a completion only frees a slot: the completions up to t can
                    # wait until the CPU-part ends up to t are done (nothing else reads the slots meanwhile)
                    lazy = not queue
                    while True:  # as advance(t) without boots
                        td = inf if lazy else done[0][0] if done else inf
                        if tmin <= td:
                            if tmin > t:
                                break
                            tc = tmin
                            iid = due.index(tc)  # a CPU-part end, as _ps_end(iid, tc)
                            jobs = ps_jobs[iid]
                            n = ps_n[iid]
                            cpu_busy += (tc - ps_t[iid]) * (n if n <= vc else vc)
                            v = jobs[0][0]
                            ps_t[iid] = tc
                            started = 0.0
                            k = 0
                            while True:  # the first job ends now (its mark is v), and any with the same mark
                                _, _, wait, st, bj, j = pop(jobs)
                                e = tc + wait
                                if bj is b:
                                    end[j] = e
                                    pending -= 1
                                else:
                                    bj.end[j] = e
                                    bj.pending -= 1
                                k += 1
                                started += st
                                work += e - st
                                if e > busy_until[iid]:
                                    busy_until[iid] = e
                                push(done, (e, iid))
                                if not jobs or jobs[0][0] > v:
                                    break
                            n -= k
                            ps_v[iid], ps_n[iid] = v, n
                            count -= k
                            start_sum -= started
                            if jobs:  # as _ps_schedule(iid, tc, v, n)
                                due[iid] = tc + (jobs[0][0] - v) if n <= vc else tc + (jobs[0][0] - v) * n / vc
                            else:
                                due[iid] = inf
                                if iid in drain_at:
                                    self.retired[iid] = max(drain_at.pop(iid), busy_until[iid])
                            tmin = min(due)
                        elif td <= t:
                            while True:  # completions up to the next CPU-part end
                                iid = pop(done)[1]
                                out[iid] -= 1
                                if state[iid] == IN_SERVICE:
                                    if queue:
                                        self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum = (
                                            cpu_busy, work, count, start_sum)
                                        self.cpu_work_s, self._seq, b.pending = cpu_work, seq, pending
                                        served = self._serve_queue(iid, td)
                                        cpu_busy, work, count, start_sum = (
                                            self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum)
                                        cpu_work, seq, pending = self.cpu_work_s, self._seq, b.pending
                                        tmin = min(due)
                                        if served:
                                            break
                                    load[iid] = out[iid]
                                if not done:
                                    break
                                td = done[0][0]
                                if td > t or td >= tmin:
                                    break
                        else:
                            break
                    if lazy:
                        while done and done[0][0] <= t:
                            iid = pop(done)[1]
                            out[iid] -= 1
                            if state[iid] == IN_SERVICE:
                                load[iid] = out[iid]
            elif booting and booting[0][0] <= t:
                self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum = cpu_busy, work, count, start_sum
                self.cpu_work_s, self._seq, b.pending = cpu_work, seq, pending
                self.advance(t)
                cpu_busy, work, count, start_sum = self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum
                cpu_work, seq, pending = self.cpu_work_s, self._seq, b.pending
                tmin = min(due) if due else inf
            if queue and has_timeout:
                b.pending = pending
                self.purge(t)
                pending = b.pending
            if not queue:
                m = min(load) if load else off  # as pick()
                while m < w:
                    iid = load.index(m)
                    if state[iid] == IN_SERVICE:
                        break
                    load[iid] = off  # left service since: never again
                    m = min(load)
                if m < w:
                    load[iid] = m + 1
                    start[i], inst[i] = t, iid
                    cpu, wait = cs[i], ws[i]
                    if cpu <= 0.0:  # as begin(iid, t, wait)
                        e = t + wait
                        out[iid] += 1
                        if e > busy_until[iid]:
                            busy_until[iid] = e
                        push(done, (e, iid))
                        work += wait
                        end[i] = e
                        i += 1
                        continue
                    out[iid] += 1  # as begin_work(iid, t, cpu, wait, b, i)
                    n = ps_n[iid]
                    v = ps_v[iid]
                    if n:
                        dt = t - ps_t[iid]
                        if n <= vc:
                            v += dt
                            cpu_busy += dt * n
                        else:
                            v += dt * vc / n
                            cpu_busy += dt * vc
                        ps_v[iid] = v
                    ps_t[iid] = t
                    seq += 1
                    jobs = ps_jobs[iid]
                    push(jobs, (v + cpu, seq, wait, t, b, i))
                    n += 1
                    ps_n[iid] = n
                    count += 1
                    start_sum += t
                    cpu_work += cpu
                    pending += 1
                    if n <= vc:
                        x = t + cpu
                        if x < due[iid]:
                            due[iid] = x
                            if x < tmin:
                                tmin = x
                    else:  # as _ps_schedule(iid, t, v, n)
                        due[iid] = t + (jobs[0][0] - v) * n / vc
                        tmin = min(due)
                    i += 1
                    continue
            # as enqueue(t, ws[i], b, i, cs[i]), extending the queue's last run when it ends at i
            limit = 0 if self.spill_while_booting and self.n_pending else self.queue_limit
            if limit is not None and waiting.n >= limit:
                b.status[i], end[i] = DROPPED, t
            else:
                tail = queue[-1] if queue else None
                if tail is not None and tail[2] == i and tail[3] is ts:
                    tail[2] = i + 1
                else:
                    queue.append([b, i, i + 1, ts, cs, ws, 0])
                waiting.n += 1
                pending += 1
            i += 1
        self.cpu_busy, self.work_started_s, self.ps_count, self.ps_start_sum = cpu_busy, work, count, start_sum
        self.cpu_work_s, self._seq, b.pending = cpu_work, seq, pending
        self.arrived += i - i0
        if i == n_req and queue:
            waiting.compact(ts)  # the batch is through: its runs still waiting keep only their part
        return i
