"""The common case in one tight loop: every function sync on a plain or a timer pool.

When every function is invoked synchronously without client retries, on a
plain :class:`~lambdasim.awslambda.pool.InstancePool` (fixed keep-alive,
``mru`` or ``lru`` selection, no provisioned concurrency, no maximum
lifetime) or on :class:`~lambdasim.awslambda.timers.TimerPool` pools (the
dated presets: ranged, function and lifetime timers, any selection; their
window is :func:`lambdasim.awslambda.timers.window`), and no application
graph, nothing but the arrivals moves time: no process needs the SimPy clock. :func:`run_sync` then walks each window
of arrivals in one loop with :meth:`LambdaModel.start`, the completions'
release, the pool's reap/take/pick/release and the concurrency limiter
written out inline on the same state objects (the heap of busy instances,
the pools' idle deques, the limiter's counters, the instance log), in the
same order of operations as the general path. Cold starts and throttles
are collected as index lists and the columns are rebuilt with numpy, each
number by the same floating-point operation, so the records are
bit-identical to the general path's (``tests/test_fingerprint.py``).
Everything else runs through the general :meth:`LambdaModel.start`.
With numba installed, :func:`_window_one` can run compiled (:mod:`lambdasim.awslambda.kernel`, chosen by
``LAMBDASIM_KERNEL``, see :func:`_kernel`); this Python loop stays the reference.
"""
from __future__ import annotations

import heapq
import math

import numpy as np

from lambdasim.kernels import kernel as choose_kernel
from lambdasim.awslambda.pool import InstancePool
from lambdasim.awslambda.records import THROTTLED
from lambdasim.awslambda.timers import TimerPool, window as timer_window

__all__ = ["eligible", "run_sync"]

#: Arrivals turned into Python lists at a time (the loop's state carries over from chunk to chunk).
CHUNK = 25_000
#: Pairs that never finish, at the end of a heap of (end, instance) so the root always has two children.
_SENTINELS = ((math.inf, -1), (math.inf, -2), (math.inf, -3))

#: Under ``LAMBDASIM_KERNEL=auto``, a fresh process runs the compiled kernel from this many expected arrivals
#: (numba's start-up, about 1-1.5 s of CPU, against about 0.8 s saved per million; `lambdasim run` on the default
#: scenario's million took 2.4-2.5 s of CPU on the Python loop and 2.7-4.1 s with the kernel's start-up).
AUTO_MIN_ARRIVALS = 3_000_000


def eligible(m) -> bool:
    """Can model ``m`` run on the tight loop (see the module docstring)?"""
    pools = m.pools
    return (not m.listening and m.sc.application is None and not any(m.kinds)
            and all(p is None for p in m.provisioned)
            and all(r is None or r.attempts <= 1 for r in m.client_retry)
            and len({p.selection for p in pools}) == 1
            and (all(type(p) is TimerPool and not p.pc_ids for p in pools)
                 or all(type(p) is InstancePool and p.lifetime_s is None and p.selection in ("mru", "lru")
                        and not p.pc_ids for p in pools) and len({p.idle_s for p in pools}) == 1))


def run_sync(m) -> None:
    """Run every window of ``m``'s arrivals (what ``_drive`` does, without the SimPy clock)."""
    if type(m.pools[0]) is TimerPool:
        window = timer_window
    elif all(r is None for r in m.limiter.reserved):
        one = len(m.pools) == 1 and m.pools[0].selection == "mru" and m.limiter.unreserved_cap >= 1
        window = _window_one if one else _window_shared
    else:
        window = _window
    kern = _kernel(m) if window is _window_one else None
    one_function = len(m.pools) == 1
    for b in m.arrivals:
        fail, _ = m._prepare(b)
        ts, fs, ds, inits = b["arrival_s"], b["function"], b["duration_s"], b["init_draw"]
        n = len(ts)
        inst = np.empty(n, dtype=np.int32)
        cold_idx: list[int] = []
        thr_idx: list[int] = []
        if kern is not None:  # the compiled copy of _window_one (kernel.py): the whole window in one call
            inst, cold_idx, thr_idx = kern(m, ts, ds, inits)
        # Python lists of one chunk at a time keep the peak memory low (no chunk when the kernel ran)
        for c0 in range(0, n if kern is None else 0, CHUNK):
            c1 = min(n, c0 + CHUNK)
            # the INIT draws stay an array: only a cold start reads one
            if one_function:  # every index is 0; times and durations read through memoryviews (as Python
                # floats, each made when the loop reaches it rather than a list of them all at once)
                got, cold_c, thr_c = window(m, memoryview(ts[c0:c1]), [0] * (c1 - c0), memoryview(ds[c0:c1]),
                                            inits[c0:c1])
            else:
                got, cold_c, thr_c = window(m, ts[c0:c1].tolist(), fs[c0:c1].tolist(), ds[c0:c1].tolist(),
                                            inits[c0:c1])
            inst[c0:c1] = np.fromiter(got, np.int32, c1 - c0)
            cold_idx += [c0 + i for i in cold_c]
            thr_idx += [c0 + i for i in thr_c]
        end = ts + ds
        if cold_idx:
            end[cold_idx] = ts[cold_idx] + inits[cold_idx] + ds[cold_idx]  # t + init + dur, as start() adds them
        status = np.zeros(n, dtype=np.int8)
        cold = np.zeros(n, dtype=bool)
        cold[cold_idx] = True
        if thr_idx:
            end[thr_idx] = math.nan
            status[thr_idx] = THROTTLED
        m._record(b, status, cold, inst, end, None, fail, [])


def _kernel(m):
    """:func:`lambdasim.awslambda.kernel.window_one` if ``m`` qualifies and :func:`lambdasim.kernels.kernel` chooses it
    (``LAMBDASIM_KERNEL``; under ``auto`` from ``AUTO_MIN_ARRIVALS`` expected arrivals: numba's start-up costs 1-1.5 s
    of CPU per process, the kernel saves about 0.8 s per million), else None."""
    kernel = choose_kernel("lambdasim.awslambda.kernel", m.sc, AUTO_MIN_ARRIVALS)
    return kernel.window_one if kernel is not None and kernel.qualifies(m) else None


def _window(m, ts: list, fs: list, ds: list, inits: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """One window's arrivals: instance ids (-1 when throttled), cold-start rows, throttled rows."""
    busy, pools, limiter, tally = m._busy, m.pools, m.limiter, m.tally
    idles = [p.idle for p in pools]
    mru = pools[0].selection == "mru"
    ka = pools[0].idle_s
    log = m.instances
    create, retire = log.create, log.retire
    budgets = m.budgets
    reserved, fbusy = limiter.reserved, limiter.busy
    cap, unres = limiter.unreserved_cap, limiter.unreserved_busy
    maxc = tally.max_concurrency
    heappush, heappop = heapq.heappush, heapq.heappop
    inst: list[int] = []
    cold_idx: list[int] = []
    thr_idx: list[int] = []
    add, add_cold, add_thr = inst.append, cold_idx.append, thr_idx.append
    for i, t in enumerate(ts):
        f = fs[i]
        # release the executions that finished by t (start() -> _release)
        while busy and busy[0][0] <= t:
            e, g, h = heappop(busy)
            idles[h].append((e, g))
            fbusy[h] -= 1
            if reserved[h] is None:
                unres -= 1
        # concurrency (ConcurrencyLimiter.acquire)
        r = reserved[f]
        if r is None:
            if unres >= cap:
                add(-1)
                add_thr(i)
                continue
            unres += 1
        elif fbusy[f] >= r:
            add(-1)
            add_thr(i)
            continue
        fbusy[f] += 1
        # a warm instance (InstancePool.take: reap, then pick)
        idle = idles[f]
        while idle and idle[0][0] + ka <= t:
            since, g = idle.popleft()
            retire(g, since + ka)
        if idle:
            g = idle.pop()[1] if mru else idle.popleft()[1]
            e = t + ds[i]
        else:
            if budgets is not None and not budgets[f].take(f, t):
                fbusy[f] -= 1  # ConcurrencyLimiter.release
                if r is None:
                    unres -= 1
                add(-1)
                add_thr(i)
                continue
            init = float(inits[i])
            g = create(f, t, t + init)
            add_cold(i)
            e = t + init + ds[i]
        heappush(busy, (e, g, f))
        if len(busy) > maxc:
            maxc = len(busy)
        add(g)
    limiter.unreserved_busy = unres
    tally.max_concurrency = maxc
    return inst, cold_idx, thr_idx


def _window_shared(m, ts: list, fs: list, ds: list, inits: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """:func:`_window` when no function reserves concurrency: every busy execution holds one slot of the
    shared pool, so the limiter's count is the number of busy executions (set back at the window's end).

    As in :func:`_window_one`, the heap carries three sentinels ``(inf, -1..-3, 0)`` that never finish, and
    when executions finished by ``t`` all but the last (in end order) are popped; the last goes idle too
    (its function's deque, as on the general path) but its triple stays at the root, and the arrival's
    execution replaces it there (``heapreplace``: one sift instead of a pop and a push). Under ``mru``, when
    the last released ran the arrival's own function, it is the instance taken unless it expired: it is
    held rather than put on the deque and taken back (the older idle instances are reaped first, as the
    general path's take does). A release leaves
    a free slot, so that arrival is not throttled by the account limit and the count reaches no new peak.
    The triples are totally ordered (distinct instance ids), so the layout does not change the order in
    which executions finish.
    """
    busy, pools, limiter, tally = m._busy, m.pools, m.limiter, m.tally
    idles = [p.idle for p in pools]
    mru = pools[0].selection == "mru"
    ka = pools[0].idle_s
    log = m.instances
    create, retire = log.create, log.retire
    budgets = m.budgets
    cap = limiter.unreserved_cap + 3  # in units of len(heap), sentinels included
    maxc = tally.max_concurrency + 3
    heappush, heappop, heapreplace = heapq.heappush, heapq.heappop, heapq.heapreplace
    heap = busy + [(e, g, 0) for e, g in _SENTINELS]  # no larger than any triple: still a heap
    nxt = heap[0][0]  # the earliest end among the busy executions
    inst = [-1] * len(ts)  # -1: throttled
    cold_idx: list[int] = []
    thr_idx: list[int] = []
    add_cold, add_thr = cold_idx.append, thr_idx.append
    for i, t, f, d in zip(range(len(ts)), ts, fs, ds):
        if nxt <= t:  # release the executions that finished by t; the last one stays at the root
            while heap[1][0] <= t or heap[2][0] <= t:
                e, g, h = heappop(heap)
                idles[h].append((e, g))
            e, g, h = heap[0]
            idle = idles[f]
            if h == f and mru:  # the last released would be the newest of f's idle deque and taken first:
                while idle and idle[0][0] + ka <= t:  # held instead of pushed and popped (older ones reaped)
                    since, x = idle.popleft()
                    retire(x, since + ka)
                if e + ka > t:
                    heapreplace(heap, (t + d, g, f))
                    nxt = heap[0][0]
                    inst[i] = g
                    continue
                retire(g, e + ka)  # it expired as well (after every older one): f has none idle
            else:
                idles[h].append((e, g))
                while idle and idle[0][0] + ka <= t:
                    since, g = idle.popleft()
                    retire(g, since + ka)
                if idle:
                    g = idle.pop()[1] if mru else idle.popleft()[1]
                    heapreplace(heap, (t + d, g, f))
                    nxt = heap[0][0]
                    inst[i] = g
                    continue
            # a cold start in the released slot
            if budgets is not None and not budgets[f].take(f, t):
                heappop(heap)
                nxt = heap[0][0]
                add_thr(i)
                continue
            init = float(inits[i])
            g = create(f, t, t + init)
            add_cold(i)
            heapreplace(heap, (t + init + d, g, f))
            nxt = heap[0][0]
            inst[i] = g
            continue
        k = len(heap)
        if k >= cap:
            add_thr(i)
            continue
        idle = idles[f]
        while idle and idle[0][0] + ka <= t:
            since, g = idle.popleft()
            retire(g, since + ka)
        if idle:
            g = idle.pop()[1] if mru else idle.popleft()[1]
            e = t + d
        else:
            if budgets is not None and not budgets[f].take(f, t):
                add_thr(i)
                continue
            init = float(inits[i])
            g = create(f, t, t + init)
            add_cold(i)
            e = t + init + d
        heappush(heap, (e, g, f))
        if e < nxt:
            nxt = e
        if k >= maxc:
            maxc = k + 1
        inst[i] = g
    busy[:] = [x for x in heap if x[1] >= 0]
    heapq.heapify(busy)  # without the sentinels
    limiter.unreserved_busy = len(busy)
    fbusy = limiter.busy
    fbusy[:] = [0] * len(fbusy)
    for _, _, h in busy:
        fbusy[h] += 1
    tally.max_concurrency = maxc - 3
    return inst, cold_idx, thr_idx


def _window_one(m, ts: list, fs: list, ds: list, inits: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """:func:`_window_shared` for one function under ``mru`` (the default scenario's case).

    The heap holds ``(end, instance)`` pairs (the function is always 0: the same order as the triples),
    plus three sentinels ``(inf, -1..-3)`` that never finish, so the root's children ``heap[1]`` and
    ``heap[2]`` always exist. When executions finished by ``t``, all but the last of them (in end order)
    go idle in order; the last (the most recently freed) is the instance ``mru`` takes unless it expired
    too: it stays at the root and the new execution replaces it there (``heapreplace``, one sift instead
    of a pop and a push). The root is the last to have finished when neither child finished by ``t``.
    A release leaves a free slot, so that arrival cannot be throttled (the account limit is at least 1),
    and the busy count cannot reach a new peak. ``exp`` is at most the oldest idle instance's expiry
    (``inf`` only with none idle), so the idle deque is looked at only when one may have expired.
    Instance ids are distinct, so the pairs are totally ordered and the heap's layout does not change
    which execution finishes next. Retirements happen in the same order, at the same times, as on the
    general path.
    """
    busy, pool, limiter, tally = m._busy, m.pools[0], m.limiter, m.tally
    idle = pool.idle
    ka = pool.idle_s
    log = m.instances
    create, retire = log.create, log.retire
    budget = m.budgets[0] if m.budgets is not None else None
    cap = limiter.unreserved_cap + 3  # in units of len(heap), sentinels included
    maxc = tally.max_concurrency + 3
    heappush, heappop, heapreplace = heapq.heappush, heapq.heappop, heapq.heapreplace
    push_idle, pop_idle = idle.append, idle.pop
    inf = math.inf
    heap = [(e, g) for e, g, _ in busy]  # the same heap order: the third item is always 0
    heap += _SENTINELS  # no larger than any pair: still a heap
    nxt = heap[0][0]  # the earliest end among the busy executions
    exp = idle[0][0] + ka if idle else inf
    inst = [-1] * len(ts)  # -1: throttled
    cold_idx: list[int] = []
    thr_idx: list[int] = []
    add_cold, add_thr = cold_idx.append, thr_idx.append
    for i, t, d in zip(range(len(ts)), ts, ds):
        if nxt <= t:  # release the executions that finished by t; the last one stays at the root
            if heap[1][0] <= t or heap[2][0] <= t:
                push_idle(heappop(heap))  # (end, instance): (idle since, instance)
                while heap[1][0] <= t or heap[2][0] <= t:
                    push_idle(heappop(heap))
                exp = idle[0][0] + ka
            e, g = heap[0]
            if exp <= t:
                exp = _reap(idle, t, ka, retire)
            if e + ka > t:  # the most recently freed instance, warm
                heapreplace(heap, (t + d, g))
                nxt = heap[0][0]
                inst[i] = g
                continue
            heappop(heap)
            retire(g, e + ka)  # it expired as well (after every older one)
        else:
            k = len(heap)
            if k >= cap:
                add_thr(i)
                continue
            if exp <= t:
                exp = _reap(idle, t, ka, retire)
            if idle:
                g = pop_idle()[1]
                e = t + d
                heappush(heap, (e, g))
                if e < nxt:
                    nxt = e
                if k >= maxc:
                    maxc = k + 1
                inst[i] = g
                continue
        # a cold start
        if budget is not None and not budget.take(0, t):
            nxt = heap[0][0]
            add_thr(i)
            continue
        init = float(inits[i])
        g = create(0, t, t + init)
        add_cold(i)
        heappush(heap, (t + init + d, g))
        nxt = heap[0][0]
        if len(heap) > maxc:
            maxc = len(heap)
        inst[i] = g
    busy[:] = [(e, g, 0) for e, g in heap if g >= 0]
    heapq.heapify(busy)  # without the sentinels
    limiter.unreserved_busy = limiter.busy[0] = len(busy)
    tally.max_concurrency = maxc - 3
    return inst, cold_idx, thr_idx


def _reap(idle, t: float, ka: float, retire) -> float:
    """Retire the instances at the front of ``idle`` that expired by ``t`` (``InstancePool.take``'s reap);
    the expiry of the new front (``inf`` with none idle)."""
    while idle and idle[0][0] + ka <= t:
        since, g = idle.popleft()
        retire(g, since + ka)
    return idle[0][0] + ka if idle else math.inf
