"""A pool whose instances die by timers drawn per instance, by the function's quiet time, or by age.

Three timers, any of them optional, all enforced lazily (no timer event per
instance; an instance is retired at the exact time its timer ran out, when
the pool is next touched or when the run ends):

- the **instance timer** (``instance_idle_s``): an instance idle for that
  long is retired. A number, or a ``(low, high)`` range drawn uniformly each
  time the instance goes idle. Under the ``fixed`` policy this is ``idle_s``;
  under ``function_idle`` it is ``spare_idle_s``, the longer life AWS gave a
  spare idle instance while other instances kept serving (SimFaaS logs of
  2020: reused after up to 1,523 s idle; github.com/pacslab/serverless-performance-modeling).
- the **function timer** (``function_idle_s``): when the *function* has had
  no run in progress for that long, every idle instance goes. A lone idle
  instance is then retired ``function_idle_s`` after the function's last
  run ended (the 2020 logs: about 640 s, sharp; mikhail.io 2019: 10 min
  after the last request). Runs on provisioned instances do not count.
- the **lifetime cap** (``max_lifetime_s``, number or range drawn once per
  instance at its creation): an instance that old is retired when found
  idle, or when its current call ends (busy ones too: no instance lived past
  123 min in the 2020 logs; the Lambda docs: "every few hours").

Idle instances wait in a deque in the order they went idle (releases come in
time order), each with its own expiry; ``mru`` takes the most recently freed
one (the 2020 logs: 99.7 % of 22,946 choices). Ranges draw from the
scenario's ``keep_alive`` random stream, so runs stay deterministic.
"""
from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np

from lambdasim.awslambda.instances import InstanceLog
from lambdasim.awslambda.pool import ProvisionedPool

__all__ = ["TimerPool", "Span", "window"]

Span = float | tuple[float, float] | None
#: Pairs that never finish, at the end of a heap of (end, instance) so the root always has two children.
_SENTINELS = ((math.inf, -1), (math.inf, -2), (math.inf, -3))


def _bounds(span: Span) -> tuple[float, float]:
    """(low, width) of a timer: a number has width 0; none is an infinite timer."""
    if span is None:
        return math.inf, 0.0
    if isinstance(span, tuple):
        return span[0], span[1] - span[0]
    return float(span), 0.0


class TimerPool(ProvisionedPool):
    """One function's instances under the instance, function and lifetime timers (see the module docstring).

    Provisioned instances are handled as in :class:`ProvisionedPool`; the idle deque holds
    ``(idle since, id, expiry)``.
    """

    def __init__(self, function: int, selection: str, log: InstanceLog, select_rng: np.random.Generator | None,
                 timer_rng: np.random.Generator | None, *, instance_idle_s: Span = None,
                 function_idle_s: float | None = None, max_lifetime_s: Span = None):
        super().__init__(function, math.inf, selection, log, select_rng)
        self._rng = select_rng
        self._timer_rng, self._u = timer_rng, []  # uniforms drawn 1,024 at a time, used from the end
        self._lo, self._w = _bounds(instance_idle_s)
        self.instance_idle_s, self.function_idle_s, self.timer_lifetime_s = instance_idle_s, function_idle_s, max_lifetime_s
        self.idle: deque[tuple[float, int, float]] = deque()  # (idle since, instance id, expiry)
        self.dies: dict[int, float] = {}    # instance id -> the end of its lifetime (with a cap)
        self.busy = 0                       # on-demand instances running a call
        self.quiet_since = 0.0              # when the last on-demand run ended (with busy == 0)

    # --- the timers ------------------------------------------------------------
    def _quiet(self, t: float) -> None:
        """The function timer: every idle instance dies once the function was quiet for ``function_idle_s``."""
        if self.function_idle_s is None or self.busy or not self.idle:
            return
        end = self.quiet_since + self.function_idle_s
        if end <= t:
            retire, dies = self.log.retire, self.dies
            for since, gid, expiry in self.idle:
                retire(gid, min(expiry, end))
                dies.pop(gid, None)
            self.idle.clear()

    def reap(self, t: float) -> None:
        """Retire the idle instances (from the oldest) whose time ran out at or before ``t``."""
        self._quiet(t)
        idle, retire = self.idle, self.log.retire
        while idle and idle[0][2] <= t:
            _, gid, expiry = idle.popleft()
            retire(gid, expiry)
            self.dies.pop(gid, None)

    # --- the pool interface (InstancePool's, with expiries) ------------------------------------
    def take(self, t: float) -> int:
        """An idle instance's id by the selection rule, or -1 if none is warm at ``t``."""
        idle = self.idle
        if not idle:
            return -1
        if not self.busy and self.function_idle_s is not None:
            self._quiet(t)
        retire = self.log.retire
        while idle and idle[0][2] <= t:  # the reap, inlined (the hot path)
            _, gid, expiry = idle.popleft()
            retire(gid, expiry)
            self.dies.pop(gid, None)
        mru = self.selection == "mru"
        while idle:
            _, gid, expiry = idle.pop() if mru else self._pick()
            if expiry > t:
                self.busy += 1
                return gid
            retire(gid, expiry)  # its own timer ran out before the oldest one's
            self.dies.pop(gid, None)
        return -1

    def create(self, t: float, init_s: float) -> int:
        """Start a new instance at ``t`` (a cold start); it is ready after ``init_s``."""
        gid = self.log.create(self.function, t, t + init_s)
        if self.timer_lifetime_s is not None:
            lo, w = _bounds(self.timer_lifetime_s)
            self.dies[gid] = t + lo + (self._uniform() * w if w else 0.0)
        self.busy += 1
        return gid

    def release(self, gid: int, t: float) -> None:
        """Instance ``gid`` finished its run at ``t``: idle until a timer runs out, or retired now if too old."""
        if gid in self.pc_ids:
            super().release(gid, t)  # back on the PC stack, or retired
            return
        self.busy -= 1
        if not self.busy:
            self.quiet_since = t
        expiry = t + self._lo
        if self._w:
            expiry += (self._u or self._refill()).pop() * self._w
        dies = self.dies.get(gid, math.inf) if self.dies else math.inf
        if dies < expiry:
            if dies <= t:
                del self.dies[gid]
                self.log.retire(gid, t)
                return
            expiry = dies
        self.idle.append((t, gid, expiry))

    def _refill(self) -> list[float]:
        self._u = self._timer_rng.random(1024).tolist()
        return self._u

    def _uniform(self) -> float:
        return (self._u or self._refill()).pop()

    def close(self, horizon_s: float) -> None:
        """End of run: retire what expired by the horizon; the rest stay live."""
        self.reap(horizon_s)
        keep = deque()
        for since, gid, expiry in self.idle:
            if expiry <= horizon_s:
                self.log.retire(gid, expiry)
            else:
                keep.append((since, gid, expiry))
        self.idle = keep



def window(m, ts: list, fs: list, ds: list, inits: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """One window of sync arrivals on :class:`TimerPool` pools, for the tight loop of
    :mod:`lambdasim.awslambda.sync_loop`: instance ids (-1 when throttled), cold-start rows, throttled rows.

    What :meth:`LambdaModel.start <lambdasim.awslambda.model.LambdaModel.start>` does with the
    concurrency limiter and :meth:`TimerPool.release`, :meth:`~TimerPool.take` and :meth:`~TimerPool.create`,
    written out on the same state in the same order of operations and floating-point operations (the
    timers' uniforms come from the same buffers in the same order), so the records are bit-identical
    (``tests/test_fingerprint.py``, the ``timers_*`` cases). No provisioned concurrency (not eligible).

    Two shortcuts keep it close to the plain pool's loop: without reserved concurrency every busy
    execution holds one slot of the shared pool, so the limiter's counts are set from the heap at the
    window's end (as ``sync_loop._window_shared`` does); without a function timer nothing reads a
    pool's ``busy`` or ``quiet_since`` during the window, so ``busy`` too is set from the heap at the end
    (``quiet_since`` is read only by the function timer).
    """
    pools, limiter = m.pools, m.limiter
    shared = all(r is None for r in limiter.reserved)
    track = any(p.function_idle_s is not None for p in pools)
    if shared and not track and pools[0].selection == "mru":
        if len(pools) == 1 and limiter.unreserved_cap >= 1:
            return _window_lean_one(m, ts, fs, ds, inits)
        return _window_lean(m, ts, fs, ds, inits)
    busy, tally = m._busy, m.tally
    idles = [p.idle for p in pools]
    dies = [p.dies for p in pools]
    los = [p._lo for p in pools]
    ws = [p._w for p in pools]
    fidle = [p.function_idle_s for p in pools]
    lives = [None if p.timer_lifetime_s is None else _bounds(p.timer_lifetime_s) for p in pools]
    us = [p._u for p in pools]
    pbusy = [p.busy for p in pools]
    quiet = [p.quiet_since for p in pools]
    mru = pools[0].selection == "mru"
    log = m.instances
    create, retire = log.create, log.retire
    budgets = m.budgets
    reserved, fbusy = limiter.reserved, limiter.busy
    cap, unres = limiter.unreserved_cap, limiter.unreserved_busy
    maxc = tally.max_concurrency
    heappush, heappop = heapq.heappush, heapq.heappop
    inf = math.inf
    nb = len(busy)
    nxt = busy[0][0] if busy else inf  # the earliest end among the busy executions
    inst: list[int] = []
    cold_idx: list[int] = []
    thr_idx: list[int] = []
    add, add_cold, add_thr = inst.append, cold_idx.append, thr_idx.append
    for i, t, f, d in zip(range(len(ts)), ts, fs, ds):
        if nxt <= t:  # release the executions that finished by t (release_until: TimerPool.release, limiter)
            while busy and busy[0][0] <= t:
                e, g, h = heappop(busy)
                if track:
                    k = pbusy[h] - 1
                    pbusy[h] = k
                    if not k:
                        quiet[h] = e
                expiry = e + los[h]
                w = ws[h]
                if w:
                    u = us[h]
                    if not u:
                        u = us[h] = pools[h]._refill()
                    expiry += u.pop() * w
                dh = dies[h]
                end = dh.get(g, inf) if dh else inf
                if end < expiry and end <= e:
                    del dh[g]
                    retire(g, e)
                else:
                    idles[h].append((e, g, end if end < expiry else expiry))
                if not shared:
                    fbusy[h] -= 1
                    if reserved[h] is None:
                        unres -= 1
            nb = len(busy)
            nxt = busy[0][0] if busy else inf
        # concurrency (ConcurrencyLimiter.acquire)
        if shared:
            if nb >= cap:
                add(-1)
                add_thr(i)
                continue
        else:
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
        # a warm instance (TimerPool.take)
        idle = idles[f]
        g = -1
        if idle:
            if track and not pbusy[f] and fidle[f] is not None:  # the function timer (TimerPool._quiet)
                end = quiet[f] + fidle[f]
                if end <= t:
                    for _, gid, expiry in idle:
                        retire(gid, min(expiry, end))
                        dies[f].pop(gid, None)
                    idle.clear()
            while idle and idle[0][2] <= t:
                _, gid, expiry = idle.popleft()
                retire(gid, expiry)
                dies[f].pop(gid, None)
            while idle:
                _, gid, expiry = idle.pop() if mru else pools[f]._pick()
                if expiry > t:
                    g = gid
                    break
                retire(gid, expiry)
                dies[f].pop(gid, None)
        if g >= 0:
            e = t + d
        else:
            if budgets is not None and not budgets[f].take(f, t):
                if not shared:  # ConcurrencyLimiter.release
                    fbusy[f] -= 1
                    if r is None:
                        unres -= 1
                add(-1)
                add_thr(i)
                continue
            init = float(inits[i])
            g = create(f, t, t + init)  # TimerPool.create
            life = lives[f]
            if life is not None:
                lo, w = life
                if w:
                    u = us[f]
                    if not u:
                        u = us[f] = pools[f]._refill()
                    dies[f][g] = t + lo + u.pop() * w
                else:
                    dies[f][g] = t + lo + 0.0
            add_cold(i)
            e = t + init + d
        if track:
            pbusy[f] += 1
        heappush(busy, (e, g, f))
        nb += 1
        if e < nxt:
            nxt = e
        if nb > maxc:
            maxc = nb
        add(g)
    if not track:
        pbusy = [0] * len(pools)
        for _, _, h in busy:
            pbusy[h] += 1
    for p, k, q in zip(pools, pbusy, quiet):
        p.busy, p.quiet_since = k, q
    if shared:
        limiter.unreserved_busy = nb
        fbusy[:] = [0] * len(fbusy)
        for _, _, h in busy:
            fbusy[h] += 1
    else:
        limiter.unreserved_busy = unres
    tally.max_concurrency = maxc
    return inst, cold_idx, thr_idx


def _window_lean(m, ts: list, fs: list, ds: list, inits: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """:func:`window` for the dated default since 2021 (and before 2019-07): no reserved concurrency, no
    function timer, ``mru`` selection; the same operations in the same order with the branches that cannot
    run left out (a popped instance that expired before the oldest one goes back to :func:`_take_rest`)."""
    pools, limiter = m.pools, m.limiter
    busy, tally = m._busy, m.tally
    idles = [p.idle for p in pools]
    dies = [p.dies for p in pools]
    los = [p._lo for p in pools]
    ws = [p._w for p in pools]
    lives = [None if p.timer_lifetime_s is None else _bounds(p.timer_lifetime_s) for p in pools]
    us = [p._u for p in pools]
    log = m.instances
    create, retire = log.create, log.retire
    budgets = m.budgets
    cap = limiter.unreserved_cap
    maxc = tally.max_concurrency
    heappush, heappop = heapq.heappush, heapq.heappop
    inf = math.inf
    nb = len(busy)
    nxt = busy[0][0] if busy else inf
    inst: list[int] = []
    cold_idx: list[int] = []
    thr_idx: list[int] = []
    add, add_cold, add_thr = inst.append, cold_idx.append, thr_idx.append
    for i, t, f, d in zip(range(len(ts)), ts, fs, ds):
        if nxt <= t:  # TimerPool.release of the executions that finished by t
            while busy and busy[0][0] <= t:
                e, g, h = heappop(busy)
                expiry = e + los[h]
                w = ws[h]
                if w:
                    u = us[h]
                    if not u:
                        u = us[h] = pools[h]._refill()
                    expiry += u.pop() * w
                dh = dies[h]
                if dh:
                    end = dh.get(g, inf)
                    if end < expiry:
                        if end <= e:
                            del dh[g]
                            retire(g, e)
                            continue
                        expiry = end
                idles[h].append((e, g, expiry))
            nb = len(busy)
            nxt = busy[0][0] if busy else inf
        if nb >= cap:
            add(-1)
            add_thr(i)
            continue
        idle = idles[f]  # TimerPool.take
        while idle and idle[0][2] <= t:
            _, g, expiry = idle.popleft()
            retire(g, expiry)
            dies[f].pop(g, None)
        g = -1
        if idle:
            _, g, expiry = idle.pop()
            if expiry <= t:
                retire(g, expiry)
                dies[f].pop(g, None)
                g = _take_rest(idle, t, retire, dies[f])
        if g >= 0:
            e = t + d
        else:
            if budgets is not None and not budgets[f].take(f, t):
                add(-1)
                add_thr(i)
                continue
            init = float(inits[i])
            g = create(f, t, t + init)  # TimerPool.create
            life = lives[f]
            if life is not None:
                lo, w = life
                if w:
                    u = us[f]
                    if not u:
                        u = us[f] = pools[f]._refill()
                    dies[f][g] = t + lo + u.pop() * w
                else:
                    dies[f][g] = t + lo + 0.0
            add_cold(i)
            e = t + init + d
        heappush(busy, (e, g, f))
        nb += 1
        if e < nxt:
            nxt = e
        if nb > maxc:
            maxc = nb
        add(g)
    _set_busy(pools, limiter, busy)
    limiter.unreserved_busy = nb
    tally.max_concurrency = maxc
    return inst, cold_idx, thr_idx


def _window_lean_one(m, ts: list, fs: list, ds: list, inits: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """:func:`_window_lean` for one function (the default scenario under the date's keep-alive).

    As :func:`lambdasim.awslambda.sync_loop._window_one` does for the plain pool: the heap holds
    ``(end, instance)`` pairs; the last instance that went idle at this arrival (the one ``mru`` takes
    unless its timer ran out) is held in hand rather than appended to the idle deque and popped again;
    a release frees a slot, so that arrival is neither throttled nor a new peak. When that instance
    cannot have timed out by ``t`` (its idle expiry is at least ``end + low`` and its lifetime ends after
    ``t``) it serves without its expiry being computed: its uniform is used but not read. The buffer of
    uniforms is walked by an index (``u[ui]``, from the end, as ``pop`` takes them; cut to what is left
    at the window's end), so the uniforms are used in the same order (releases in end order, then a
    cold start's lifetime) and the retirements made in the same order at the same times.

    As in ``_window_one``, three never-finishing sentinels give the heap's root two children: the root is
    the last execution to finish by ``t`` when neither child finished, and a warm reuse of it replaces it
    at the root (``heapreplace``); ``exp`` is at most the expiry of the idle deque's first instance, so
    the deque is looked at only when that one may have run out.
    """
    pool, limiter = m.pools[0], m.limiter
    busy, tally = m._busy, m.tally
    idle, dies = pool.idle, pool.dies
    lo, w = pool._lo, pool._w
    life = None if pool.timer_lifetime_s is None else _bounds(pool.timer_lifetime_s)
    u = pool._u
    refill = pool._refill
    log = m.instances
    create, retire = log.create, log.retire
    budget = m.budgets[0] if m.budgets is not None else None
    cap = limiter.unreserved_cap + 3  # in units of len(heap), sentinels included
    maxc = tally.max_concurrency + 3
    heappush, heappop, heapreplace = heapq.heappush, heapq.heappop, heapq.heapreplace
    push_idle = idle.append
    inf = math.inf
    heap = [(e, g) for e, g, _ in busy]  # the same heap order: the third item is always 0
    heap += _SENTINELS  # no smaller than any pair: still a heap
    nxt = heap[0][0]
    exp = idle[0][2] if idle else inf
    ui = len(u)  # the uniforms u[:ui] are still to be used, from the end (as pop() takes them)
    inst = [-1] * len(ts)  # -1: throttled
    cold_idx: list[int] = []
    thr_idx: list[int] = []
    add_cold, add_thr = cold_idx.append, thr_idx.append
    for i, t, d in zip(range(len(ts)), ts, ds):
        if nxt <= t:  # TimerPool.release of the executions that finished by t
            e, g = heap[0]
            many = False
            while heap[1][0] <= t or heap[2][0] <= t:  # (e, g) is not the last to finish: idle with its expiry
                heappop(heap)
                many = True
                if w:
                    ui -= 1
                    while ui < 0:  # the buffer ran out: the next 1,024, as TimerPool._refill draws them
                        u = refill()
                        ui += len(u)
                    expiry = e + lo + u[ui] * w  # (e + lo) + u * w, as TimerPool.release adds them
                else:
                    expiry = e + lo
                if life is not None:  # every live instance has its end of life in `dies`
                    end = dies[g]
                    if end < expiry:
                        if end <= e:  # too old: retired as its call ends
                            del dies[g]
                            retire(g, e)
                            e, g = heap[0]
                            continue
                        expiry = end
                push_idle((e, g, expiry))
                e, g = heap[0]
            if many:
                exp = idle[0][2] if idle else inf
            if e + lo > t and (life is None or dies[g] > t):
                # the most recently freed instance, and neither of its timers can have run out by t (its
                # idle expiry is at least e + lo): it serves this call; its uniform is only counted
                if w:
                    ui -= 1  # used, not read (a refill waits for the next draw that reads one)
                if exp <= t:
                    exp = _reap(idle, t, retire, dies)
                heapreplace(heap, (t + d, g))
                nxt = heap[0][0]
                inst[i] = g
                continue
            heappop(heap)
            hg = -1  # the last one, released exactly
            if w:
                ui -= 1
                while ui < 0:
                    u = refill()
                    ui += len(u)
                expiry = e + lo + u[ui] * w
            else:
                expiry = e + lo
            end = dies[g] if life is not None else inf
            if end < expiry and end <= e:
                del dies[g]
                retire(g, e)
            else:
                hg, hx = g, (end if end < expiry else expiry)
            if exp <= t:
                exp = _reap(idle, t, retire, dies)
            if hg >= 0 and hx > t:  # the most recently freed instance, warm
                heappush(heap, (t + d, hg))
                nxt = heap[0][0]
                inst[i] = hg
                continue
            nxt = heap[0][0]
            if hg >= 0:  # its timer ran out too
                retire(hg, hx)
                dies.pop(hg, None)
            g = _take_rest(idle, t, retire, dies) if idle else -1
            if g >= 0:
                heappush(heap, (t + d, g))
                nxt = heap[0][0]
                inst[i] = g
                continue
        else:
            k = len(heap)
            if k >= cap:
                add_thr(i)
                continue
            if exp <= t:
                exp = _reap(idle, t, retire, dies)
            if idle:
                _, g, expiry = idle.pop()
                if expiry <= t:
                    retire(g, expiry)
                    dies.pop(g, None)
                    g = _take_rest(idle, t, retire, dies)
                if g >= 0:
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
            add_thr(i)
            continue
        init = float(inits[i])
        g = create(0, t, t + init)  # TimerPool.create
        if life is not None:
            llo, lw = life
            if lw:
                ui -= 1
                while ui < 0:
                    u = refill()
                    ui += len(u)
                dies[g] = t + llo + u[ui] * lw
            else:
                dies[g] = t + llo + 0.0
        add_cold(i)
        e = t + init + d
        heappush(heap, (e, g))
        if e < nxt:
            nxt = e
        if len(heap) > maxc:
            maxc = len(heap)
        inst[i] = g
    while ui < 0:
        u = refill()
        ui += len(u)
    del u[ui:]  # the buffer as TimerPool.release would have left it (popped from the end)
    busy[:] = [(e, g, 0) for e, g in heap if g >= 0]
    heapq.heapify(busy)  # without the sentinels
    pool.busy = limiter.busy[0] = limiter.unreserved_busy = len(busy)
    tally.max_concurrency = maxc - 3
    return inst, cold_idx, thr_idx


def _reap(idle: deque, t: float, retire, dies: dict) -> float:
    """The start of :meth:`TimerPool.take`: retire the instances at the front of ``idle`` whose timer ran out
    by ``t``; the expiry of the new front (``inf`` with none idle)."""
    while idle and idle[0][2] <= t:
        _, g, expiry = idle.popleft()
        retire(g, expiry)
        dies.pop(g, None)
    return idle[0][2] if idle else math.inf


def _take_rest(idle: deque, t: float, retire, dies: dict) -> int:
    """The rest of :meth:`TimerPool.take` under ``mru``: the next most recently freed instance still warm."""
    while idle:
        _, g, expiry = idle.pop()
        if expiry > t:
            return g
        retire(g, expiry)
        dies.pop(g, None)
    return -1


def _set_busy(pools: list, limiter, busy: list) -> None:
    """Each pool's and the limiter's busy counts from the heap of busy executions (all on demand)."""
    counts = [0] * len(pools)
    for _, _, h in busy:
        counts[h] += 1
    for p, k in zip(pools, counts):
        p.busy = k
    limiter.busy[:] = counts
