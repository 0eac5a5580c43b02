"""A compiled copy of the fleet's scan-mode admission loop (``pip install lambdasim[fast]``: numba).

:meth:`lambdasim.servers.admission.AdmissionLoops._admit_scan` is the reference. :func:`admit` runs the
same loop, compiled, over a stretch of one batch's requests while the stretch is the common case: no
request waits in the queue, every request in a CPU part belongs to this batch, no instance drains and no
boot is due. It stops before the first request that needs more (a boot due by its arrival; no free slot,
so it would wait or be dropped) and returns its index (when its arrays are full they grow and it goes on):
the Python loop takes that request, and the caller comes back once the fleet is in the common case again
(:meth:`~lambdasim.servers.admission.AdmissionLoops._admit_fast`). It also stops, as the Python loop
does, before a request arriving at or after the next SimPy event.

The state is the fleet's own, copied into arrays and back: the heap of known ends ``(end, instance)``
(:mod:`lambdasim.compiled`, sifted as :mod:`heapq` sifts tuples), each instance's heap of CPU parts
``(mark, seq, wait, start, index)`` (ordered by ``(mark, seq)`` as Python orders the tuples; ``seq`` is
unique), the loads, due times, virtual times and the fleet-wide sums. Every number is the same
floating-point operation on the same operands, in the same order, as in the Python loop, so the records,
the instances and the state left behind are identical (``tests/servers/test_fleet_kernel.py`` compares
them bit for bit; the fingerprint test runs every case on both paths).

Imports numba; :mod:`lambdasim.kernels` loads it only for a run that will use it.
"""
from __future__ import annotations

import math

import numpy as np

from lambdasim.compiled import jit, pop, push
from lambdasim.servers.states import DROPPED, IN_SERVICE

__all__ = ["admit", "THROUGH", "AT_EVENT", "TO_PYTHON"]

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
def _loop(ts, cs, ws, i, now, nxt, first, w, vc, off, tboot, drop, state, out, load, busy, ps_n, ps_v, ps_t, due,
          jm, jq, jw, js, jj, he, hg, fsum, isum, bstart, binst, bend, bstatus):
    """The loop of ``AdmissionLoops._admit_scan`` with no request waiting (read it alongside).

    ``fsum``: cpu_busy, work started, sum of CPU-part starts, CPU work; ``isum``: CPU parts in progress,
    seq, this batch's pending requests, size of the done heap (all updated in place). The batch's columns
    ``bstart``, ``binst``, ``bend``, ``bstatus`` are written as the Python loop writes them. ``drop``: the
    queue's limit is 0 (a hybrid's ``busy`` routing, LMI's throttling), so a request finding no free slot is
    dropped at once (as ``enqueue`` drops it); otherwise it would wait, and the Python loop takes it.
    Returns ``(index, why)``.
    """
    inf = np.inf
    cpu_busy, work, start_sum, cpu_work = fsum[0], fsum[1], fsum[2], fsum[3]
    count, seq, pending, nd = isum[0], isum[1], isum[2], isum[3]
    cap_j = jm.shape[1]
    cap_d = he.shape[0]
    n_req = ts.shape[0]
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
        if tmin <= t or (nd > 0 and he[0] <= t):
            while tmin <= t:  # CPU-part ends up to t (the completions can wait: nothing waits for a slot)
                tc = tmin
                iid = 0
                while due[iid] != tc:
                    iid += 1
                n = ps_n[iid]
                cpu_busy += (tc - ps_t[iid]) * (n if n <= vc else vc)
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
                    pending -= 1
                    k += 1
                    started += st
                    work += e - st
                    if e > busy[iid]:
                        busy[iid] = e
                    nd = push(he, hg, nd, e, iid)
                    if sz == 0 or jm[iid, 0] > v:
                        break
                n -= k
                ps_v[iid] = v
                ps_n[iid] = n
                count -= k
                start_sum -= started
                if sz > 0:
                    due[iid] = tc + (jm[iid, 0] - v) if n <= vc else tc + (jm[iid, 0] - v) * n / vc
                else:
                    due[iid] = inf
                tmin = inf
                for a in range(due.shape[0]):
                    if due[a] < tmin:
                        tmin = due[a]
            while nd > 0 and he[0] <= t:
                _, iid = pop(he, hg, nd)
                nd -= 1
                out[iid] -= 1
                if state[iid] == IN_SERVICE:
                    load[iid] = out[iid]
        if nd + count + 1 > cap_d:
            why = _GROW
            break
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
        if m >= w:  # no free slot: dropped at a queue limit of 0, else it waits (the Python loop)
            if drop:
                bstatus[i] = DROPPED
                bend[i] = t
                i += 1
                continue
            why = TO_PYTHON
            break
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
            nd = push(he, hg, nd, e, iid)
            work += wait
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
                cpu_busy += dt * n
            else:
                v += dt * vc / n
                cpu_busy += dt * vc
            ps_v[iid] = v
        ps_t[iid] = t
        seq += 1
        _jsiftdown(jm, jq, jw, js, jj, iid, n, v + cpu, seq, wait, t, i)
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
            due[iid] = t + (jm[iid, 0] - v) * n / vc
            tmin = inf
            for a in range(due.shape[0]):
                if due[a] < tmin:
                    tmin = due[a]
        i += 1
    fsum[0] = cpu_busy
    fsum[1] = work
    fsum[2] = start_sum
    fsum[3] = cpu_work
    isum[0] = count
    isum[1] = seq
    isum[2] = pending
    isum[3] = nd
    return i, why


def admit(f, b, i: int, now: float, nxt: float, first: int) -> tuple[int, int]:
    """Admit requests ``i, i + 1, ...`` of batch ``b`` on fleet ``f`` (scan mode, no request waiting, every CPU
    part in progress one of ``b``'s, no instance draining) as ``f._admit_scan`` would. ``b`` is a batch of
    arrays (``Batch(n, arrays=...)``: its arrival, CPU and waiting seconds as float64 arrays, its columns numpy
    arrays the kernel writes in place); ``first``: the request admitted whatever the clock says (-1: none).
    Returns ``(index, why)``: the next request not admitted and why the loop stopped (:data:`THROUGH`,
    :data:`AT_EVENT`, :data:`TO_PYTHON`). The fleet's state is copied in and written back."""
    f64, i64 = np.float64, np.int64
    ts, cs, ws = b.arrays
    n_inst = len(f.state)
    w = int(f.w)
    ps_jobs, done = f.ps_jobs, f.done
    state = np.array(f.state, dtype=np.int8)
    out, load, ps_n = (np.array(x, dtype=i64) for x in (f.out, f.load, f.ps_n))
    busy, ps_v, ps_t, due = (np.array(x, dtype=f64) for x in (f.busy_until, f.ps_v, f.ps_t, f.ps_due))
    fsum = np.array([f.cpu_busy, f.work_started_s, f.ps_start_sum, f.cpu_work_s], dtype=f64)
    isum = np.array([f.ps_count, f._seq, b.pending, len(done)], dtype=i64)
    tboot = f.booting[0][0] if f.booting else math.inf
    most = max(f.ps_n) if n_inst else 0
    cap_j = min(w, max(16, 2 * most))  # CPU parts per instance (at most its slots); grows on demand
    cap_d = max(64, 2 * (len(done) + f.ps_count + 1))  # known ends: grows on demand
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
    drop = limit is not None and limit <= 0
    status = np.frombuffer(b.status, dtype=np.uint8)  # the batch's bytearray, written in place
    i0 = i
    while True:
        i, why = _loop(ts, cs, ws, i, float(now), float(nxt), first, w, float(f.vcpu), f._OFF, float(tboot), drop,
                       state, out, load, busy, ps_n, ps_v, ps_t, due, jm, jq, jw, js, jj, he, hg, fsum, isum,
                       b.start, b.inst, b.end, status)
        if why != _GROW:
            break
        if isum[3] + isum[0] + 1 > he.shape[0]:  # the known ends' heap doubles
            he, hg = np.concatenate([he, np.empty_like(he)]), np.concatenate([hg, np.empty_like(hg)])
        else:  # the CPU parts' rows double (up to the slots)
            grow = min(w, 2 * jm.shape[1]) - jm.shape[1]
            jm, jq, jw, js, jj = (np.concatenate([x, np.empty((n_inst, grow), dtype=x.dtype)], axis=1)
                                  for x in (jm, jq, jw, js, jj))
    # write back: the fleet's lists, in place
    count, seq, pending, nd = isum.tolist()
    f.out[:], f.load[:], f.ps_n[:] = out.tolist(), load.tolist(), ps_n.tolist()
    f.busy_until[:], f.ps_v[:], f.ps_t[:], f.ps_due[:] = busy.tolist(), ps_v.tolist(), ps_t.tolist(), due.tolist()
    f.cpu_busy, f.work_started_s, f.ps_start_sum, f.cpu_work_s = fsum.tolist()
    f.ps_count, f._seq, b.pending = count, seq, pending
    for r, k in enumerate(f.ps_n):
        ps_jobs[r][:] = zip(jm[r, :k].tolist(), jq[r, :k].tolist(), jw[r, :k].tolist(), js[r, :k].tolist(),
                            [b] * k, jj[r, :k].tolist()) if k else ()
    done[:] = zip(he[:nd].tolist(), hg[:nd].tolist())
    f.arrived += i - i0
    return i, why
