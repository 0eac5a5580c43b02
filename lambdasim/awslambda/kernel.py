"""A compiled copy of the one-function sync loop (``pip install lambdasim[fast]``: numba).

:func:`lambdasim.awslambda.sync_loop._window_one` is the reference: one sync
function on a plain pool under ``mru`` with a fixed keep-alive, no reserved
concurrency. :func:`window_one` runs the same window in a numba-compiled loop
with the same state: the heap of busy ``(end, instance)`` pairs, sifted by the
same algorithm as :mod:`heapq` (ties in ``end`` broken by the instance id, as
Python compares the tuples), so the heap's layout stays the same list; the
idle deque as an array between a head and a tail; the account's unreserved
cap; the burst budget (:class:`~lambdasim.awslambda.scaling.SlidingWindowBudget`
or :class:`~lambdasim.awslambda.scaling.SteppedBudget`, their state copied in
and out). Every number is the same floating-point operation on the same
operands as in the Python loop, so instance ids, cold starts, throttles,
creations, retirements (in order, at the same times), the state left behind
and the peak concurrency are identical (``tests/awslambda/test_kernel.py``
compares them bit for bit, and the fingerprint test runs on both paths).

Creations and retirements come back as arrays and are written into the
:class:`~lambdasim.awslambda.instances.InstanceLog` afterwards: creations first
(ids are consecutive), then the retirements in the order they happened (the
log's running totals add them in that order).

This module imports numba (through :mod:`lambdasim.compiled`, which also holds the heap's sift); it is loaded
only when a run qualifies (:func:`qualifies`) and :mod:`lambdasim.kernels` chooses it (``LAMBDASIM_KERNEL``).
The compiled loop is cached on disk.
"""
from __future__ import annotations

import numpy as np

from lambdasim.awslambda.scaling import SlidingWindowBudget, SteppedBudget
from lambdasim.compiled import jit, pop as _pop, push as _push

__all__ = ["qualifies", "window_one"]


def qualifies(m) -> bool:
    """Can :func:`window_one` run ``m``'s windows (as ``_window_one`` would; its budget is one it knows)?"""
    b = None if m.budgets is None else m.budgets[0]
    ka = m.pools[0].idle_s
    return (b is None or type(b) in (SlidingWindowBudget, SteppedBudget)) and float(ka) == ka


@jit
def _loop(ts, ds, inits, he, hg, nh, ie, ig, ih, it, ka, cap, maxc, next_id,
          bmode, st, sh, stl, limit, window_s, tokens, anchor, burst, step, step_s,
          inst, cold, thr, rg, rt):
    """The loop of ``sync_loop._window_one`` (read it alongside); every array is preallocated by the caller.

    Heap: ``he``/``hg`` (ends, ids), size ``nh``. Idle deque: ``ie``/``ig`` (idle since, ids) from ``ih`` to
    ``it`` (exclusive). Budget ``bmode`` 0: none; 1: sliding window (start times ``st`` from ``sh`` to ``stl``,
    ``limit`` per ``window_s``); 2: stepped (``tokens``, ``anchor``, ``burst``, ``step`` per ``step_s``).
    Out: ``inst`` (ids, -1 throttled), ``cold``/``thr`` (rows), ``rg``/``rt`` (retired ids and times).
    """
    inf = np.inf
    nxt = he[0] if nh > 0 else inf
    nc = 0
    nt = 0
    nr = 0
    for i in range(ts.shape[0]):
        t = ts[i]
        d = ds[i]
        need_cold = False
        if nxt <= t:  # release the executions that finished by t; hold the last one
            e, g = _pop(he, hg, nh)
            nh -= 1
            while nh > 0 and he[0] <= t:
                ie[it] = e
                ig[it] = g
                it += 1
                e, g = _pop(he, hg, nh)
                nh -= 1
            while ih < it and ie[ih] + ka <= t:
                rg[nr] = ig[ih]
                rt[nr] = ie[ih] + ka
                nr += 1
                ih += 1
            if e + ka > t:  # the most recently freed instance, warm
                nh = _push(he, hg, nh, t + d, g)
                nxt = he[0]
                inst[i] = g
                continue
            rg[nr] = g  # it expired as well (after every older one)
            rt[nr] = e + ka
            nr += 1
            need_cold = True
        else:
            k = nh
            if k >= cap:
                inst[i] = -1
                thr[nt] = i
                nt += 1
                continue
            while ih < it and ie[ih] + ka <= t:
                rg[nr] = ig[ih]
                rt[nr] = ie[ih] + ka
                nr += 1
                ih += 1
            if ih < it:
                it -= 1
                g = ig[it]
                e = t + d
                nh = _push(he, hg, nh, e, g)
                if e < nxt:
                    nxt = e
                if k >= maxc:
                    maxc = k + 1
                inst[i] = g
                continue
            need_cold = True
        if need_cold:  # a cold start, if the burst budget allows it
            ok = True
            if bmode == 1:  # SlidingWindowBudget.take
                while sh < stl and st[sh] <= t - window_s:
                    sh += 1
                if stl - sh >= limit:
                    ok = False
                else:
                    st[stl] = t
                    stl += 1
            elif bmode == 2:  # SteppedBudget.take
                if tokens < burst:
                    kk = int((t - anchor) // step_s)
                    if kk > 0:
                        tokens = min(burst, tokens + kk * step)
                        anchor += kk * step_s
                if tokens <= 0:
                    ok = False
                else:
                    if tokens == burst:
                        anchor = t
                    tokens -= 1
            if not ok:
                nxt = he[0] if nh > 0 else inf
                inst[i] = -1
                thr[nt] = i
                nt += 1
                continue
            init = inits[i]
            g = next_id
            next_id += 1
            cold[nc] = i
            nc += 1
            nh = _push(he, hg, nh, t + init + d, g)
            nxt = he[0]
            if nh > maxc:
                maxc = nh
            inst[i] = g
    return nh, ih, it, maxc, next_id, nc, nt, nr, sh, stl, tokens, anchor


def window_one(m, ts: np.ndarray, ds: np.ndarray, inits: np.ndarray) -> tuple[np.ndarray, list[int], list[int]]:
    """``sync_loop._window_one`` on a whole window of arrays: instance ids (int32, -1 when throttled), cold-start
    rows, throttled rows; the same state left in ``m`` (busy heap, idle deque, instance log, limiter, peak)."""
    f64 = np.float64
    ts, ds, inits = (np.ascontiguousarray(x, dtype=f64) for x in (ts, ds, inits))
    n = len(ts)
    busy, pool, limiter, tally, log = m._busy, m.pools[0], m.limiter, m.tally, m.instances
    idle = pool.idle
    nb, ni = len(busy), len(idle)
    he, hg = np.empty(nb + n, dtype=f64), np.empty(nb + n, dtype=np.int64)
    if nb:
        he[:nb] = [e for e, _, _ in busy]
        hg[:nb] = [g for _, g, _ in busy]
    room = ni + nb + n  # every busy execution and arrival goes idle at most once; every instance retires once
    ie, ig = np.empty(room, dtype=f64), np.empty(room, dtype=np.int64)
    if ni:
        ie[:ni] = [s for s, _ in idle]
        ig[:ni] = [g for _, g in idle]
    budget = m.budgets[0] if m.budgets is not None else None
    bmode, limit, window_s, tokens, anchor, burst, step, step_s = 0, 0, 0.0, 0, 0.0, 0, 0, 0
    starts = np.empty(0, dtype=f64)
    if type(budget) is SlidingWindowBudget:
        bmode, limit, window_s = 1, budget.limit, float(budget.window_s)
        old = list(budget._starts)
        starts = np.empty(len(old) + n, dtype=f64)
        starts[:len(old)] = old
    elif type(budget) is SteppedBudget:
        bmode, tokens, anchor = 2, budget.tokens, float(budget._anchor)
        burst, step, step_s = budget.burst, budget.step, budget.step_s
    nsl = len(starts) - n if bmode == 1 else 0
    inst = np.empty(n, dtype=np.int32)
    cold, thr = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    rg, rt = np.empty(room, dtype=np.int64), np.empty(room, dtype=f64)
    c0 = log.count
    (nh, ih, it, maxc, next_id, nc, nt, nr, sh, stl, tokens, anchor) = _loop(
        ts, ds, inits, he, hg, nb, ie, ig, 0, ni, float(pool.idle_s), limiter.unreserved_cap,
        tally.max_concurrency, c0, bmode, starts, 0, nsl, limit, window_s, tokens, anchor, burst, step, step_s,
        inst, cold, thr, rg, rt)
    cold_idx, thr_idx = cold[:nc].tolist(), thr[:nt].tolist()
    create, retire = log.create, log.retire
    tl, il = ts[cold_idx].tolist(), inits[cold_idx].tolist()
    for t, init in zip(tl, il):  # ids come out consecutive from c0, as the kernel numbered them
        create(0, t, t + init)
    assert log.count == next_id
    for g, t in zip(rg[:nr].tolist(), rt[:nr].tolist()):
        retire(g, t)
    idle.clear()
    idle.extend(zip(ie[ih:it].tolist(), ig[ih:it].tolist()))
    busy[:] = [(e, g, 0) for e, g in zip(he[:nh].tolist(), hg[:nh].tolist())]
    limiter.unreserved_busy = limiter.busy[0] = nh
    tally.max_concurrency = maxc
    if bmode == 1:
        budget._starts.clear()
        budget._starts.extend(starts[sh:stl].tolist())
    elif bmode == 2:
        budget.tokens, budget._anchor = tokens, anchor
    return inst, cold_idx, thr_idx
