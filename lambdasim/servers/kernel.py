"""A compiled copy of the fleet's scan-mode admission loop (``pip install lambdasim[fast]``: numba).

:meth:`lambdasim.servers.admission.AdmissionLoops._admit_scan` is the reference. :func:`admit` runs the
same loop, compiled, over one batch's requests whenever :func:`ready` says it can take the fleet: scan
mode, no instance draining, every CPU part in progress and every waiting request one of this batch's. It
starts requests, queues them (``enqueue``), serves the queue as slots free (``_serve_queue``), drops them
at the queue's limit or when they time out (``purge``), exactly as the Python loop does. It stops before
a request arriving when an instance comes into service (a boot due: the Python loop's general path takes
that request, then the caller comes back, :meth:`~lambdasim.servers.admission.AdmissionLoops._admit_fast`)
and, as the Python loop does, before a request arriving at or after the next SimPy event. When its arrays
are full they grow and it goes on.

The state is the fleet's own, copied into arrays and back: the heap of known ends ``(end, instance)``
(:mod:`lambdasim.compiled`, sifted as :mod:`heapq` sifts tuples), each instance's heap of CPU parts
``(mark, seq, wait, start, index)`` (ordered by ``(mark, seq)`` as Python orders the tuples; ``seq`` is
unique), the queue's runs of request indices, the loads, due times, virtual times and the fleet-wide sums.
Every number is the same floating-point operation on the same operands, in the same order, as in the Python
loop, so the records, the instances and the state left behind are identical
(``tests/servers/test_fleet_kernel.py`` compares them bit for bit; the fingerprint test runs every case on
both paths).

Imports numba; :mod:`lambdasim.kernels` loads it only for a run that will use it.
"""
from __future__ import annotations

import math

import numpy as np

from lambdasim.compiled import jit, pop, push
from lambdasim.servers.states import DROPPED, IN_SERVICE

__all__ = ["admit", "ready", "THROUGH", "AT_EVENT", "TO_PYTHON"]

#: Why :func:`admit` stopped: the batch is through; a request arrives at or after the next SimPy event;
#: the request at the returned index needs the Python loop.
THROUGH, AT_EVENT, TO_PYTHON = 0, 1, 2
_GROW = 3  # (internal) the arrays are full: they grow and the loop goes on


@jit
def _jless(m1, q1, m2, q2):
    """``(m1, q1, ...) < (m2, q2, ...)`` as Python compares the CPU-part tuples (``q`` is unique)."""
    return m1 < m2 or (m1 == m2 and q1 < q2)


@jit
def _jsiftdown(jm, jq, jw, js, jj, r, pos, m, q, w, s, j):
    """heapq._siftdown on instance ``r``'s row of CPU parts, with the new entry at ``pos``."""
    while pos > 0:
        parent = (pos - 1) >> 1
        if not _jless(m, q, jm[r, parent], jq[r, parent]):
            break
        jm[r, pos] = jm[r, parent]
        jq[r, pos] = jq[r, parent]
        jw[r, pos] = jw[r, parent]
        js[r, pos] = js[r, parent]
        jj[r, pos] = jj[r, parent]
        pos = parent
    jm[r, pos] = m
    jq[r, pos] = q
    jw[r, pos] = w
    js[r, pos] = s
    jj[r, pos] = j


@jit
def _jpop(jm, jq, jw, js, jj, r, n):
    """heapq.heappop on row ``r`` of size ``n`` (> 0): ``(wait, start, index)`` of its smallest entry."""
    n -= 1
    lm, lq, lw, ls, lj = jm[r, n], jq[r, n], jw[r, n], js[r, n], jj[r, n]
    if n == 0:
        return lw, ls, lj
    rw, rs, rj = jw[r, 0], js[r, 0], jj[r, 0]
    pos = 0
    child = 1
    while child < n:
        right = child + 1
        if right < n and not _jless(jm[r, child], jq[r, child], jm[r, right], jq[r, right]):
            child = right
        jm[r, pos] = jm[r, child]
        jq[r, pos] = jq[r, child]
        jw[r, pos] = jw[r, child]
        js[r, pos] = js[r, child]
        jj[r, pos] = jj[r, child]
        pos = child
        child = 2 * pos + 1
    _jsiftdown(jm, jq, jw, js, jj, r, pos, lm, lq, lw, ls, lj)
    return rw, rs, rj


@jit
def _begin(iid, t, cpu, wait, j, vc, out, busy, ps_n, ps_v, ps_t, due, jm, jq, jw, js, jj, he, hg, fs, ist, bend):
    """``Fleet.begin_work`` (or ``begin`` without CPU work) of request ``j`` on ``iid`` at ``t``, as
    ``_serve_queue`` calls it; the sums in ``fs``/``ist``. The caller takes the new due time into ``tmin``.
    The loop's own start of an arriving request is this code written out inline (a call costs a third of
    the run on the default scenario); the two are proven equal by the tests' queueing cases."""
    if cpu <= 0.0:  # as begin(iid, t, wait)
        e = t + wait
        out[iid] += 1
        if e > busy[iid]:
            busy[iid] = e
        ist[3] = push(he, hg, ist[3], e, iid)
        fs[1] += wait
        bend[j] = e
        return
    out[iid] += 1
    n = ps_n[iid]
    v = ps_v[iid]
    if n:
        dt = t - ps_t[iid]
        if n <= vc:
            v += dt
            fs[0] += dt * n
        else:
            v += dt * vc / n
            fs[0] += dt * vc
        ps_v[iid] = v
    ps_t[iid] = t
    ist[1] += 1
    _jsiftdown(jm, jq, jw, js, jj, iid, n, v + cpu, ist[1], wait, t, j)
    n += 1
    ps_n[iid] = n
    ist[0] += 1
    fs[2] += t
    fs[3] += cpu
    ist[2] += 1
    if n <= vc:
        if t + cpu < due[iid]:
            due[iid] = t + cpu
    else:  # as _ps_schedule(iid, t, v, n)
        due[iid] = t + (jm[iid, 0] - v) * n / vc


@jit
def _loop(ts, cs, ws, i, now, nxt, first, w, vc, off, tboot, limit, timeout, state, out, load, busy, ps_n, ps_v,
          ps_t, due, jm, jq, jw, js, jj, he, hg, fs, ist, qh, qs, bstart, binst, bend, bstatus):
    """The loop of ``AdmissionLoops._admit_scan`` (read it alongside), with ``_serve_queue``, ``purge`` and
    ``enqueue`` for a queue of this batch's requests only.

    ``fs``: cpu_busy, work started, sum of CPU-part starts, CPU work; ``ist``: CPU parts in progress, seq, this
    batch's pending requests, size of the done heap, first and end run of the queue, requests waiting (all
    updated in place). The queue: runs of request indices ``qh[r] .. qs[r] - 1`` for runs ``ist[4] ..
    ist[5] - 1``. ``limit``: the queue's limit (-1: none); ``timeout``: the request timeout (inf: none). The
    batch's columns ``bstart``, ``binst``, ``bend``, ``bstatus`` are written as the Python loop writes them.
    Returns ``(index, why)``.
    """
    inf = np.inf
    cap_j = jm.shape[1]
    cap_d = he.shape[0]
    n_req = ts.shape[0]
    has_timeout = timeout < inf
    why = THROUGH
    tmin = inf
    for a in range(due.shape[0]):
        if due[a] < tmin:
            tmin = due[a]
    while i < n_req:
        t = ts[i]
        if nxt <= t and t > now and i != first:
            why = AT_EVENT
            break
        if tboot <= t:  # an instance comes into service by t: the Python loop's general path
            why = TO_PYTHON
            break
        # room for what this request may add: every CPU part and queued request may reach the done heap, and
        # while requests wait, any instance may get as many CPU parts as it has slots (served from the queue)
        if ist[3] + ist[0] + ist[6] + 1 > cap_d or (ist[6] > 0 and cap_j < w):
            why = _GROW
            break
        if tmin <= t or (ist[3] > 0 and he[0] <= t):
            lazy = ist[6] == 0  # nothing waits: the completions can wait until the CPU-part ends are done
            while True:
                td = inf if lazy else (he[0] if ist[3] > 0 else inf)
                if tmin <= td:
                    if tmin > t:
                        break
                    tc = tmin  # a CPU-part end, as _ps_end(iid, tc)
                    iid = 0
                    while due[iid] != tc:
                        iid += 1
                    n = ps_n[iid]
                    fs[0] += (tc - ps_t[iid]) * (n if n <= vc else vc)
                    v = jm[iid, 0]
                    ps_t[iid] = tc
                    started = 0.0
                    k = 0
                    sz = n
                    while True:  # the first CPU part ends now (its mark is v), and any with the same mark
                        wait, st, j = _jpop(jm, jq, jw, js, jj, iid, sz)
                        sz -= 1
                        e = tc + wait
                        bend[j] = e
                        ist[2] -= 1
                        k += 1
                        started += st
                        fs[1] += e - st
                        if e > busy[iid]:
                            busy[iid] = e
                        ist[3] = push(he, hg, ist[3], e, iid)
                        if sz == 0 or jm[iid, 0] > v:
                            break
                    n -= k
                    ps_v[iid] = v
                    ps_n[iid] = n
                    ist[0] -= k
                    fs[2] -= started
                    if sz > 0:
                        due[iid] = tc + (jm[iid, 0] - v) if n <= vc else tc + (jm[iid, 0] - v) * n / vc
                    else:
                        due[iid] = inf
                    tmin = inf
                    for a in range(due.shape[0]):
                        if due[a] < tmin:
                            tmin = due[a]
                elif td <= t:
                    while True:  # completions up to the next CPU-part end
                        _, iid = pop(he, hg, ist[3])
                        ist[3] -= 1
                        out[iid] -= 1
                        if state[iid] == IN_SERVICE:
                            if ist[6] > 0:  # as _serve_queue(iid, td)
                                served = False
                                while ist[4] < ist[5]:
                                    r = ist[4]
                                    j = qh[r]
                                    if j + 1 == qs[r]:
                                        ist[4] += 1
                                    else:
                                        qh[r] = j + 1
                                    ist[6] -= 1
                                    ist[2] -= 1
                                    a_ = ts[j]
                                    if a_ + timeout < td:
                                        bstatus[j] = DROPPED
                                        bend[j] = a_ + timeout
                                        continue
                                    bstart[j] = td
                                    binst[j] = iid
                                    _begin(iid, td, cs[j], ws[j], j, vc, out, busy, ps_n, ps_v, ps_t, due,
                                           jm, jq, jw, js, jj, he, hg, fs, ist, bend)
                                    served = True
                                    break
                                tmin = inf
                                for a in range(due.shape[0]):
                                    if due[a] < tmin:
                                        tmin = due[a]
                                if served:
                                    break
                            load[iid] = out[iid]
                        if ist[3] == 0:
                            break
                        td = he[0]
                        if td > t or td >= tmin:
                            break
                else:
                    break
            if lazy:
                while ist[3] > 0 and he[0] <= t:
                    _, iid = pop(he, hg, ist[3])
                    ist[3] -= 1
                    out[iid] -= 1
                    if state[iid] == IN_SERVICE:
                        load[iid] = out[iid]
        if ist[6] > 0 and has_timeout:  # as purge(t)
            while ist[4] < ist[5]:
                r = ist[4]
                j = qh[r]
                stop = qs[r]
                while j < stop:
                    a_ = ts[j]
                    if not a_ + timeout < t:
                        break
                    ist[6] -= 1
                    ist[2] -= 1
                    bstatus[j] = DROPPED
                    bend[j] = a_ + timeout
                    j += 1
                if j < stop:
                    qh[r] = j
                    break
                ist[4] += 1
        if ist[6] == 0:
            m = off  # as pick()
            iid = -1
            for a in range(load.shape[0]):
                if load[a] < m:
                    m = load[a]
                    iid = a
            while m < w:
                if state[iid] == IN_SERVICE:
                    break
                load[iid] = off  # left service since: never again
                m = off
                for a in range(load.shape[0]):
                    if load[a] < m:
                        m = load[a]
                        iid = a
            if m < w:
                cpu = cs[i]
                wait = ws[i]
                if cpu > 0.0 and ps_n[iid] >= cap_j:
                    why = _GROW
                    break
                load[iid] = m + 1
                bstart[i] = t
                binst[i] = iid
                if cpu <= 0.0:  # as begin(iid, t, wait)
                    e = t + wait
                    out[iid] += 1
                    if e > busy[iid]:
                        busy[iid] = e
                    ist[3] = push(he, hg, ist[3], e, iid)
                    fs[1] += wait
                    bend[i] = e
                    i += 1
                    continue
                out[iid] += 1  # as begin_work(iid, t, cpu, wait, b, i)
                n = ps_n[iid]
                v = ps_v[iid]
                if n:
                    dt = t - ps_t[iid]
                    if n <= vc:
                        v += dt
                        fs[0] += dt * n
                    else:
                        v += dt * vc / n
                        fs[0] += dt * vc
                    ps_v[iid] = v
                ps_t[iid] = t
                ist[1] += 1
                _jsiftdown(jm, jq, jw, js, jj, iid, n, v + cpu, ist[1], wait, t, i)
                n += 1
                ps_n[iid] = n
                ist[0] += 1
                fs[2] += t
                fs[3] += cpu
                ist[2] += 1
                if n <= vc:
                    x = t + cpu
                    if x < due[iid]:
                        due[iid] = x
                        if x < tmin:
                            tmin = x
                else:  # as _ps_schedule(iid, t, v, n)
                    due[iid] = t + (jm[iid, 0] - v) * n / vc
                    tmin = inf
                    for a in range(due.shape[0]):
                        if due[a] < tmin:
                            tmin = due[a]
                i += 1
                continue
        # as enqueue(t, ws[i], b, i, cs[i]), extending the queue's last run when it ends at i
        if limit >= 0 and ist[6] >= limit:
            bstatus[i] = DROPPED
            bend[i] = t
        else:
            if ist[5] > ist[4] and qs[ist[5] - 1] == i:
                qs[ist[5] - 1] = i + 1
            else:
                qh[ist[5]] = i
                qs[ist[5]] = i + 1
                ist[5] += 1
            ist[6] += 1
            ist[2] += 1
        i += 1
    return i, why


def admit(f, b, i: int, now: float, nxt: float, first: int, views: tuple) -> tuple[int, int]:
    """Admit requests ``i, i + 1, ...`` of batch ``b`` on fleet ``f`` as ``f._admit_scan`` would, if
    :func:`ready`. ``b`` is a batch of arrays (``Batch(n, arrays=...)``: its arrival, CPU and waiting seconds
    as float64 arrays, its columns numpy arrays the kernel writes in place); ``views``: the memoryviews of
    those arrays the Python loop reads (the queue's runs point into them); ``first``: the request admitted
    whatever the clock says (-1: none). Returns ``(index, why)``: the next request not admitted and why the
    loop stopped (:data:`THROUGH`, :data:`AT_EVENT`, :data:`TO_PYTHON`). The fleet's state is copied in and
    written back."""
    f64, i64 = np.float64, np.int64
    ts, cs, ws = b.arrays
    n_inst = len(f.state)
    w = int(f.w)
    ps_jobs, done, q = f.ps_jobs, f.done, f.queue
    state = np.array(f.state, dtype=np.int8)
    out, load, ps_n = (np.array(x, dtype=i64) for x in (f.out, f.load, f.ps_n))
    busy, ps_v, ps_t, due = (np.array(x, dtype=f64) for x in (f.busy_until, f.ps_v, f.ps_t, f.ps_due))
    fs = np.array([f.cpu_busy, f.work_started_s, f.ps_start_sum, f.cpu_work_s], dtype=f64)
    runs = len(q.segs)
    ist = np.array([f.ps_count, f._seq, b.pending, len(done), 0, runs, q.n], dtype=i64)
    rest = len(ts) - i
    qh, qs = np.empty(runs + rest + 1, dtype=i64), np.empty(runs + rest + 1, dtype=i64)
    for r, seg in enumerate(q.segs):
        qh[r], qs[r] = seg[1], seg[2]
    tboot = f.booting[0][0] if f.booting else math.inf
    most = max(f.ps_n) if n_inst else 0
    cap_j = min(w, max(16, 2 * most))  # CPU parts per instance (at most its slots); grows on demand
    cap_d = max(64, 2 * (len(done) + f.ps_count + q.n + 1))  # known ends: grows on demand
    jm = np.empty((n_inst, cap_j), dtype=f64)
    jq = np.empty((n_inst, cap_j), dtype=i64)
    jw, js = np.empty((n_inst, cap_j), dtype=f64), np.empty((n_inst, cap_j), dtype=f64)
    jj = np.empty((n_inst, cap_j), dtype=i64)
    for r, jobs in enumerate(ps_jobs):
        if jobs:
            k = len(jobs)
            jm[r, :k], jq[r, :k], jw[r, :k], js[r, :k], _, jj[r, :k] = zip(*jobs)
    he, hg = np.empty(cap_d, dtype=f64), np.empty(cap_d, dtype=i64)
    if done:
        he[:len(done)], hg[:len(done)] = zip(*done)
    limit = 0 if f.spill_while_booting and f.n_pending else f.queue_limit  # as enqueue(); no boot comes due here
    status = np.frombuffer(b.status, dtype=np.uint8)  # the batch's bytearray, written in place
    i0 = i
    while True:
        i, why = _loop(ts, cs, ws, i, float(now), float(nxt), first, w, float(f.vcpu), f._OFF, float(tboot),
                       -1 if limit is None else int(limit), float(f.timeout_s), state, out, load, busy, ps_n, ps_v,
                       ps_t, due, jm, jq, jw, js, jj, he, hg, fs, ist, qh, qs, b.start, b.inst, b.end, status)
        if why != _GROW:
            break
        if ist[3] + ist[0] + ist[6] + 1 > he.shape[0]:  # the known ends' heap doubles
            he, hg = np.concatenate([he, np.empty_like(he)]), np.concatenate([hg, np.empty_like(hg)])
        else:  # the CPU parts' rows double, or take the slots at once while requests wait (any may be served)
            grow = (w if ist[6] else min(w, 2 * jm.shape[1])) - jm.shape[1]
            jm, jq, jw, js, jj = (np.concatenate([x, np.empty((n_inst, grow), dtype=x.dtype)], axis=1)
                                  for x in (jm, jq, jw, js, jj))
    # write back: the fleet's lists and the queue, in place
    count, seq, pending, nd, q0, q1, qn = ist.tolist()
    f.out[:], f.load[:], f.ps_n[:] = out.tolist(), load.tolist(), ps_n.tolist()
    f.busy_until[:], f.ps_v[:], f.ps_t[:], f.ps_due[:] = busy.tolist(), ps_v.tolist(), ps_t.tolist(), due.tolist()
    f.cpu_busy, f.work_started_s, f.ps_start_sum, f.cpu_work_s = fs.tolist()
    f.ps_count, f._seq, b.pending = count, seq, pending
    for r, k in enumerate(f.ps_n):
        ps_jobs[r][:] = zip(jm[r, :k].tolist(), jq[r, :k].tolist(), jw[r, :k].tolist(), js[r, :k].tolist(),
                            [b] * k, jj[r, :k].tolist()) if k else ()
    done[:] = zip(he[:nd].tolist(), hg[:nd].tolist())
    vt, vc, vw = views
    q.segs.clear()
    q.segs.extend([b, h, e, vt, vc, vw, 0] for h, e in zip(qh[q0:q1].tolist(), qs[q0:q1].tolist()))
    q.n = qn
    f.arrived += i - i0
    if i == len(ts) and qn:
        q.compact(vt)  # the batch is through: its runs still waiting keep only their part (as _admit_scan)
    return i, why


def ready(f, b, views: tuple) -> bool:
    """Can :func:`admit` take over ``f`` now? In scan mode with no instance draining, every CPU part in progress
    and every waiting request one of ``b``'s, the waiting ones in runs pointing into ``views`` (this batch's
    admission, not a compacted or a restarted one)."""
    q = f.queue
    if not f.scan or f._drain_at or f.ps_count != b.pending - q.n:
        return False
    vt = views[0]
    return all(seg[0] is b and seg[3] is vt for seg in q.segs)
