"""The AWS Lambda platform as a SimPy model.

One driver process walks through the arrivals in time order (one SimPy
timeout per distinct arrival time) and, at each, does what Lambda does for
a synchronous call: free the executions that have finished, check
concurrency, use an idle provisioned instance, else reuse a warm instance,
else start a new one if the burst-scaling budget allows (a cold start:
init, then the run), else throttle. A run's end is known when it starts,
so completions need no events of their own: they are released lazily from
a heap whenever something next needs an instance.

Everything else hangs off the same core (:meth:`LambdaModel.start`):
retries that are due later (a client's retry of a throttled sync call, an
async event's throttle or error retry) sit in a ``deferred`` heap that the
driver merges with the arrivals; stream shards and SQS pollers are SimPy
processes (they wait for their batch to finish); a provisioned-concurrency
schedule is a process too. The driver yields to them whenever time moves.

Each function's events go through its event source
(:mod:`lambdasim.awslambda.sources`; the model is their
:class:`~lambdasim.awslambda.sources.protocol.SourceHost`). A plain sync
call's first attempt is started inline by the driver; an application plugs
its own sources in with :meth:`LambdaModel.route` and hears of every
event's fate through :meth:`LambdaModel.listen`.
"""
from __future__ import annotations

import heapq
import itertools
import math

import numpy as np
import simpy

from lambdasim.workload.arrivals import ArrivalSource
from lambdasim.awslambda.sources.async_queue import AsyncQueue
from lambdasim.billing.rules import init_billed, invocation_billed_ms
from lambdasim.awslambda.concurrency import ConcurrencyLimiter
from lambdasim.work import draw_work, duration_factor
from lambdasim.awslambda.instances import InstanceLog
from lambdasim.awslambda.keepalive import in_force, make_pool, routing_in_force
from lambdasim.awslambda.outcomes import O_QUEUED, Outcomes
from lambdasim.billing.catalogue import Catalogue
from lambdasim.timeseries import HourlyCounts
from lambdasim.awslambda.provisioned import ProvisionedTracking, provisioned_process
from lambdasim.awslambda.records import COMPLETED, FAILED, IN_FLIGHT, THROTTLED, Tally
from lambdasim.awslambda.scaling import make_budgets
from lambdasim.scenario import Scenario
from lambdasim.awslambda.sources.sqs import SqsSource
from lambdasim.awslambda.sources.protocol import EventListener, EventSource
from lambdasim.awslambda.sources.stream import StreamSource
from lambdasim.awslambda.sources.sync import SyncClient
from lambdasim.awslambda.sync_loop import eligible, run_sync
from lambdasim.rng import Streams, stream

__all__ = ["LambdaModel"]

SYNC = 0
_SKIP = -1  # a window row handed to an event source; it records its own rows
_SOURCES = {"sync": SyncClient, "async": AsyncQueue, "stream": StreamSource, "sqs": SqsSource}


class LambdaModel:
    def __init__(self, scenario: Scenario, catalogue: Catalogue, keep_records: bool = True):
        self.sc, self.catalogue = scenario, catalogue
        self.env = simpy.Environment()
        fns = scenario.functions
        names = [f.name for f in fns]
        nf = len(names)
        lam, seed = scenario.lambda_, scenario.seed
        self.horizon_s, self.keep_records = scenario.horizon_s, keep_records
        self.instances = InstanceLog(names, keep=keep_records, measure_from_s=scenario.measure_from_s)
        self.tally = Tally(nf, scenario.horizon_s, keep=keep_records, measure_from_s=scenario.measure_from_s)
        if any(scenario.door(i) is not None and scenario.door(i).type == "alb" for i in range(nf)):
            self.tally.hourly = HourlyCounts(nf, scenario.measured_s)  # an ALB's LCUs are billed per hour (measured span)
        self.outcomes = self.tally.outcomes = Outcomes(nf, [f.invocation.type != "sync" for f in fns])
        self.limiter = ConcurrencyLimiter(lam.account_concurrency, [scenario.reserved(i) for i in range(nf)])
        day = scenario.pricing.date  # keep-alive and routing follow the date unless stated (eras.py)
        # the selection streams only draw under random selection (a trace's thousand functions make none)
        ka, selection = in_force(lam.keep_alive, day), routing_in_force(lam.instance_selection, day)
        self.pools = [
            make_pool(i, ka, selection, self.instances, stream(seed, "selection", i) if selection == "random" else None,
                      f.cold_start.mean, f.provisioned_concurrency is not None, seed)
            for i, f in enumerate(fns)
        ]
        self.budgets = make_budgets(lam.scaling, scenario.pricing.date, nf)
        self.arrivals = ArrivalSource(scenario, work=False)  # Lambda reads no cpu_s/wait_s split
        self._busy: list[tuple[float, int, int]] = []  # heap of (end, instance, function)
        self.init_billed = np.array([init_billed(f, catalogue) for f in fns])  # docs/pricing.md
        # function behaviour
        self.factor = np.array([duration_factor(f.memory_mb, f.cpu_scaling, f.speed_factor) for f in fns])
        self.timeout_s = np.array([f.timeout_s for f in fns])
        self.error_p = [f.error_probability for f in fns]
        self._err_rng = Streams(seed, "errors")  # streams made on first use (most functions never fail)
        self._retry_rng = Streams(seed, "retries")
        self.client_retry = [getattr(f.invocation, "retry", None) for f in fns]
        # retries due later, merged with the arrivals: (time, seq, callback, function, args)
        self.deferred: list = []
        self._seq = itertools.count()
        self.rows: list[tuple] = []  # rows of retries and event sources, flushed into the tally
        self.listener: EventListener | None = None  # told of every event's fate (see listen)
        self.listening = False
        # 0: the driver starts a sync call inline; 1: every event goes to the function's source (offer)
        self.kinds = [0 if f.invocation.type == "sync" else 1 for f in fns]
        self.sources: list[EventSource] = [_SOURCES[f.invocation.type](self, i, f.invocation)
                                           for i, f in enumerate(fns)]
        self.provisioned = [provisioned_process(self.env, self.pools[i], f.provisioned_concurrency, f.init,
                                                stream(seed, "init", 1000 + i), self.horizon_s, self.release_until)
                            if f.provisioned_concurrency is not None else None for i, f in enumerate(fns)]
        # target tracking measures PC utilisation from the PC executions started (start, end)
        self.pc_meters = [p.busy if isinstance(p, ProvisionedTracking) else None for p in self.provisioned]

    # --- plugging in (an application runtime) ----------------------------------
    def listen(self, listener: EventListener) -> None:
        """Tell ``listener`` the fate of every event that carries a token (call before :meth:`run`)."""
        self.listener, self.listening = listener, True

    def source(self, f: int) -> EventSource:
        """Function ``f``'s event source."""
        return self.sources[f]

    def route(self, f: int, source: EventSource) -> None:
        """Send every event of function ``f`` (sync calls too) to ``source`` (call before :meth:`run`)."""
        self.sources[f], self.kinds[f] = source, 1

    def draw_event(self, f: int, rng: np.random.Generator) -> tuple[float, float, bool, bool]:
        """A new event of ``f`` drawn from ``rng``: (run time at this memory, INIT, fails, times out)."""
        fn = self.sc.functions[f]
        drawn = draw_work(fn, rng, rng, 1)[0] if fn.work is not None else fn.duration.sample(rng, 1)
        work = float(drawn[0]) * float(self.factor[f])
        init = float(fn.cold_start.sample(rng, 1)[0])
        timed_out = work > self.timeout_s[f]
        failed = bool(timed_out or (self.error_p[f] > 0 and rng.random() < self.error_p[f]))
        return work, init, failed, bool(timed_out)

    def count_event(self, f: int) -> None:
        """One more event of ``f`` to account for (one emitted by an application)."""
        self.outcomes.events[f] += 1

    def add_billed_ms(self, ms: np.ndarray) -> None:
        """Billed ms per function beyond the executions' own (a sync caller's wait)."""
        self.tally.billed_ms += ms

    # --- what a source asks (SourceHost) -----------------------------------------
    def function_timeout_s(self, f: int) -> float:
        return float(self.timeout_s[f])

    def report_done(self, f: int, token, start: float, end: float, init: float, retry: float,
                    share: float = 1.0) -> None:
        if self.listening and token is not None:
            self.listener.done(f, token, start, end, init, retry, share)

    def report_failed(self, f: int, token, t: float) -> None:
        if self.listening and token is not None:
            self.listener.failed(f, token, t)

    # --- the run ------------------------------------------------------------
    def run(self) -> None:
        h = self.horizon_s
        if eligible(self):  # every function sync on a plain pool: one tight loop, no clock (sync_loop.py)
            run_sync(self)
        else:
            for pc in self.provisioned:
                if pc is not None:
                    self.env.process(pc.run())
            self.env.process(self._drive())
            self.env.run(until=h)
        self.release_until(h)
        for pool in self.pools:
            pool.close(h)
        for _, _, _, f, _ in self.deferred:
            self.outcomes.add(f, O_QUEUED)
        for src in self.sources:
            if src is not None:
                src.finish(h)
        self.flush()

    def pc_steps(self) -> list[tuple[tuple[float, int], ...]]:
        """Per function, the PC steps ``(from_s, n)`` applied during the run (empty without PC)."""
        return [tuple(p.steps) if p is not None else () for p in self.provisioned]

    def release_until(self, t: float) -> None:
        """Free every execution that ended by ``t``: its instance goes idle, its concurrency returns."""
        busy, pools, release = self._busy, self.pools, self.limiter.release
        while busy and busy[0][0] <= t:
            end, gid, f = heapq.heappop(busy)
            pools[f].release(gid, end)
            release(f)

    def start(self, f: int, t: float, dur: float, init: float):
        """Start one execution of ``f`` at ``t``: ``(instance, end, cold, on_pc)``, or ``None`` if throttled."""
        if self._busy and self._busy[0][0] <= t:
            self.release_until(t)
        if not self.limiter.acquire(f):
            return None
        pool, cold, on_pc = self.pools[f], False, False
        if pool.pc_idle:
            gid, on_pc, end = pool.pc_idle.pop(), True, t + dur
            meter = self.pc_meters[f]
            if meter is not None:
                meter.append((t, end))
        else:
            gid = pool.take(t)
            if gid < 0:
                if self.budgets is not None and not self.budgets[f].take(f, t):
                    self.limiter.release(f)
                    return None
                gid, cold, end = pool.create(t, init), True, t + init + dur
            else:
                end = t + dur
        heapq.heappush(self._busy, (end, gid, f))
        if len(self._busy) > self.tally.max_concurrency:
            self.tally.max_concurrency = len(self._busy)
        return gid, end, cold, on_pc

    def defer(self, t: float, callback, f: int, args: tuple = ()) -> None:
        """Call ``callback(t, *args)`` at time ``t`` (an event of function ``f`` waits till then)."""
        heapq.heappush(self.deferred, (t, next(self._seq), callback, f, args))
        if self.listening and t < self.horizon_s:
            # an application's stream and SQS processes defer events while the driver sleeps until its
            # next arrival: a timeout makes the callback fire on time (application/runtime.py)
            self.env.timeout(max(0.0, t - self.env.now)).callbacks.append(self._fire)

    def _fire(self, _event) -> None:
        """Run the deferred callbacks due now (whoever comes first, this or the driver, runs each once)."""
        d, now = self.deferred, self.env.now
        while d and d[0][0] <= now:
            when, _, callback, _, args = heapq.heappop(d)
            callback(when, *args)

    def draw_error(self, f: int) -> bool:
        p = self.error_p[f]
        return p > 0 and bool(self._retry_rng[f].random() < p)

    def row(self, f: int, arrival: float, start: float, end: float, init: float, dur: float, cold: bool,
            gid: int, failed: bool, on_pc: bool, attempt: int, queue_delay: float) -> int:
        """Record one execution that started at ``start``; its status."""
        st = IN_FLIGHT if end > self.horizon_s else (FAILED if failed else COMPLETED)
        self.rows.append((f, arrival, start, end, init, dur, cold, gid, st, on_pc, attempt, queue_delay))
        return st

    def throttled_row(self, f: int, t: float, attempt: int, queue_delay: float) -> None:
        nan = math.nan
        self.rows.append((f, t, nan, nan, nan, nan, False, -1, THROTTLED, False, attempt, queue_delay))

    # --- the driver ---------------------------------------------------------------
    def _due(self, t: float, strict: bool = False):
        """Run the deferred callbacks due by ``t`` (before ``t`` if ``strict``), each at its time."""
        d, env = self.deferred, self.env
        while d and (d[0][0] < t if strict else d[0][0] <= t):
            when, _, callback, _, args = heapq.heappop(d)
            if self._clock and when > env.now:
                yield env.timeout(when - env.now)
            callback(when, *args)

    def _prepare(self, b: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Scale the drawn durations to the function's memory and arch; cut at the timeout; draw errors."""
        fs = b["function"]
        dur = b["duration_s"]
        if np.any(self.factor != 1.0):
            dur = dur * _per_row(self.factor, fs)
        b["work_s"] = dur
        tmo = _per_row(self.timeout_s, fs)
        timed_out = dur > tmo
        fail = timed_out.copy()
        b["duration_s"] = np.minimum(dur, tmo)
        for i, p in enumerate(self.error_p):
            if p > 0:
                mine = fs == i
                fail[mine] |= self._err_rng[i].random(int(mine.sum())) < p
        self.outcomes.events += np.bincount(fs, minlength=len(self.error_p))
        return fail, timed_out

    def _drive(self):
        env = self.env
        # the clock on demand: only event sources, PC schedules and applications wait on SimPy time;
        # without them the driver never yields (retries are merged by time from the deferred heap)
        clock = self._clock = self.listening or any(self.kinds) or any(p is not None for p in self.provisioned)
        for b in self.arrivals:
            n = len(b["arrival_s"])
            fail_a, timed_out_a = self._prepare(b)
            status, cold, inst, end, pcs = [COMPLETED] * n, [False] * n, [-1] * n, [math.nan] * n, [False] * n
            ts, fs = b["arrival_s"].tolist(), b["function"].tolist()
            ds, inits = b["duration_s"].tolist(), b["init_draw"].tolist()
            start, timeout = self.start, env.timeout
            kinds, deferred, retry = self.kinds, self.deferred, self.client_retry
            retried = []
            for i in range(n):
                t = ts[i]
                if deferred and deferred[0][0] <= t:
                    yield from self._due(t)
                if clock and t > env.now:
                    yield timeout(t - env.now)
                f = fs[i]
                if kinds[f]:
                    status[i] = _SKIP
                    self.sources[f].offer(t, b["work_s"][i], inits[i], bool(fail_a[i]), bool(timed_out_a[i]))
                    continue
                res = start(f, t, ds[i], inits[i])
                if res is None:
                    status[i] = THROTTLED
                    if retry[f] is not None and retry[f].attempts > 1:
                        retried.append(i)
                        self.sources[f].retry(t, ds[i], inits[i], bool(timed_out_a[i]))
                    continue
                inst[i], end[i], cold[i], pcs[i] = res
            self._record(b, status, cold, inst, end, pcs, fail_a, retried)
            self.flush()
        yield from self._due(self.horizon_s, strict=True)

    # --- records ------------------------------------------------------------------------
    def _record(self, b, status, cold, inst, end, pcs, fail, retried) -> None:
        """Fold one window's invocations into the tally; ``pcs`` None: none ran on provisioned concurrency."""
        st = np.array(status, dtype=np.int8)
        keep = st != _SKIP
        if not keep.all():
            b = {k: v[keep] for k, v in b.items()}
            st, fail = st[keep], fail[keep]
            final = np.ones(len(keep), dtype=bool)  # rows whose outcome is final (not retried later)
            final[retried] = False
            retried = np.flatnonzero(~final[keep])
            cold, inst, end = (np.array(x)[keep] for x in (cold, inst, end))
            pcs = None if pcs is None else np.array(pcs)[keep]
        cold = np.asarray(cold, dtype=bool)
        end = np.asarray(end, dtype=float)
        ran = st != THROTTLED
        st[ran & fail] = FAILED
        st[ran & (end > self.horizon_s)] = IN_FLIGHT
        f = b["function"]
        oc = self.outcomes.counts  # outcome codes 0-3 equal the status codes; retried rows are not final
        fo, sto = f, st
        if len(retried):
            final = np.ones(len(st), dtype=bool)
            final[retried] = False
            fo, sto = f[final], st[final]
        code = fo.astype(np.intp)
        code *= oc.shape[1]
        code += sto
        oc += np.bincount(code, minlength=oc.size).reshape(oc.shape)
        init = np.where(cold, b["init_draw"], 0.0)
        ib = self.init_billed  # one flag for every function (usually): no gather per invocation
        ib = bool(ib[0]) if len(ib) and (ib == ib[0]).all() else ib[f]
        billed = invocation_billed_ms(b["duration_s"], init, ib, self.catalogue)
        paid = (st == COMPLETED) | (st == FAILED)
        if not paid.all():
            billed = np.where(paid, billed, 0.0)
        # every row ran (no throttles, usually): the window's own arrays are the columns, no copies
        everyone = bool(ran.all())
        cols = {
            "function": f, "arrival_s": b["arrival_s"],
            "start_s": np.where(ran, b["arrival_s"], np.nan), "end_s": end,
            "init_s": init if everyone else np.where(ran, init, np.nan),
            "duration_s": b["duration_s"] if everyone else np.where(ran, b["duration_s"], np.nan),
            "cold": cold, "instance": np.asarray(inst, dtype=np.int32), "status": st, "billed_ms": billed,
        }  # attempt 0, no queue delay and (without pcs) not on PC: filled when records are read
        if pcs is not None and np.any(pcs):
            cols["on_pc"] = np.asarray(pcs, dtype=bool)
        self.tally.add(cols)

    def flush(self) -> None:
        """Fold the rows of retries and event sources recorded so far into the tally."""
        if not self.rows:
            return
        cols = list(zip(*self.rows))
        self.rows = []
        f = np.array(cols[0], dtype=np.int32)
        st = np.array(cols[8], dtype=np.int8)
        dur, init = np.array(cols[5], dtype=float), np.array(cols[4], dtype=float)
        qd = np.array(cols[11], dtype=float)
        if not self.tally.keep:
            self.outcomes.add_delays(f, qd)
        billed = np.where((st == COMPLETED) | (st == FAILED),
                          invocation_billed_ms(np.nan_to_num(dur), init, self.init_billed[f], self.catalogue), 0.0)
        self.tally.add({
            "function": f, "arrival_s": np.array(cols[1], dtype=float), "start_s": np.array(cols[2], dtype=float),
            "end_s": np.array(cols[3], dtype=float), "init_s": init, "duration_s": dur,
            "cold": np.array(cols[6], dtype=bool), "instance": np.array(cols[7], dtype=np.int32), "status": st,
            "billed_ms": billed, "on_pc": np.array(cols[9], dtype=bool), "attempt": np.array(cols[10], dtype=np.int32),
            "queue_delay_s": qd,
        })


def _per_row(values: np.ndarray, fs: np.ndarray) -> np.ndarray | float:
    """Each row's function's value: one number when every function has the same (no gather)."""
    return float(values[0]) if len(values) and (values == values[0]).all() else values[fs]
