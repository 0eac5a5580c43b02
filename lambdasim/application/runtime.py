"""Running an application graph on the Lambda model: emission along edges.

:func:`attach` wraps the event source of every function in the graph in a
:class:`Node`: an external arrival becomes a *root* event, every event
carries a token (its id in the :class:`~lambdasim.application.lineage.Lineage`) through
the function's event source (async queue, stream shard, SQS queue, or a
:class:`SyncCall` for sync functions), and the source reports each
successful execution to :meth:`AppRuntime.done`. Then each outgoing edge
emits its events: they reach the target at the run's end plus the edge's
``delay_s`` (a deferred callback on the model), with fresh duration, INIT
and error draws from the target's distributions (random input
``application``, one stream per function and one per edge).

- fan-out: an edge with ``emit`` other than 1 sends a *group*; an edge with
  ``fan_in: X`` counts the completions of the group X's fan-out sent and
  emits once, when the last one ends (a join);
- ``when: failure`` edges fire when an event fails for good (the event
  sources report it to :meth:`AppRuntime.failed`);
- ``sync`` edges: the callee starts at once or is throttled (with the
  callee's client ``retry`` policy, if any); the caller is billed for its
  wait, the callee's end minus the caller's own end (its run time is extended
  in the bill, not in its instance's occupancy: the caller's instance and
  concurrency are freed when its own work ends, a simplification);
- every emitted event is counted in the target's ``events`` so that the
  per-event conservation of :mod:`lambdasim.awslambda.outcomes` holds for every node;
  events still on their way at the horizon count as ``queued``.

Deferred callbacks fire on time however they were deferred (the model's
driver only merges them at arrivals, but stream and SQS processes emit in
between): with an application attached, ``LambdaModel.defer`` adds a SimPy
timeout for each.
"""
from __future__ import annotations

import math
from array import array

import numpy as np

from lambdasim.awslambda.invocation import backoff_s
from lambdasim.application.lineage import Lineage
from lambdasim.awslambda.records import COMPLETED, FAILED, THROTTLED
from lambdasim.billing.services import services_usd
from lambdasim.rng import stream

__all__ = ["AppRuntime", "attach"]

_RATE_KEY = {"x86_64": "lambda.duration_gb_s_usd", "arm64": "lambda.duration_arm_gb_s_usd"}


def attach(model) -> "AppRuntime":
    """Wire the scenario's application into ``model`` (a LambdaModel not yet run)."""
    return AppRuntime(model)


class Node:
    """A function of the graph: gives external arrivals a root token, then hands events to its source."""

    def __init__(self, rt: "AppRuntime", f: int, inner):
        self.rt, self.f, self.inner = rt, f, inner

    def offer(self, t: float, work_s: float, init: float, failed: bool, timed_out: bool, token: int | None = None):
        if token is None:
            token = self.rt.new_root(self.f, t)
        self.inner.offer(t, work_s, init, failed, timed_out, token=token)

    def finish(self, horizon_s: float) -> None:
        self.inner.finish(horizon_s)


class SyncCall:
    """A sync function of the graph: each event is a call that starts now or is throttled (429)."""

    def __init__(self, rt: "AppRuntime", f: int, spec):
        self.rt, self.f, self.retry = rt, f, spec.retry
        self.timeout_s = float(rt.m.timeout_s[f])

    def offer(self, t: float, work_s: float, init: float, failed: bool, timed_out: bool, token: int | None = None):
        self._call(t, token, t, min(work_s, self.timeout_s), init, failed, timed_out, 0)

    def _call(self, t: float, token: int, t0: float, dur: float, init: float, failed: bool, timed_out: bool,
              attempt: int) -> None:
        m, f, r = self.rt.m, self.f, self.retry
        res = m.start(f, t, dur, init)
        if res is None:
            m.throttled_row(f, t, attempt, t - t0)
            if r is not None and attempt + 1 < r.attempts:
                wait = backoff_s(attempt, r.backoff_s, r.multiplier, r.max_backoff_s)
                m.defer(t + wait, self._call, f, (token, t0, dur, init, failed, timed_out, attempt + 1))
            else:
                m.outcomes.add(f, THROTTLED)
                self.rt.failed(f, token, t)
            return
        gid, end, cold, on_pc = res
        m.row(f, t, t, end, init if cold else 0.0, dur, cold, gid, failed, on_pc, attempt, t - t0)
        status = m.rows[-1][8]
        m.outcomes.add(f, status)  # outcome codes 0-3 equal the status codes
        if status == COMPLETED:
            self.rt.done(f, token, t, end, init if cold else 0.0, t - t0)
        elif status == FAILED:
            self.rt.failed(f, token, end)

    def finish(self, horizon_s: float) -> None:
        """Retries still waiting were counted as queued by the model."""


class AppRuntime:
    def __init__(self, model):
        m = self.m = model
        sc, app = model.sc, model.sc.application
        self.app, self.fns = app, sc.functions
        self.names = [f.name for f in sc.functions]
        idx = {n: i for i, n in enumerate(self.names)}
        nf = len(self.names)
        self.edges = app.edges
        self.edge_from = [idx[e.from_] for e in app.edges]
        self.edge_to = [idx[e.to] for e in app.edges]
        self.fan_in_origin = [idx[e.fan_in] if e.fan_in is not None else -1 for e in app.edges]
        self.out: list[list[int]] = [[] for _ in range(nf)]       # edges fired on success
        self.out_fail: list[list[int]] = [[] for _ in range(nf)]  # edges fired on failure for good
        for k, e in enumerate(app.edges):
            (self.out if e.when == "success" else self.out_fail)[self.edge_from[k]].append(k)
        self.ingress: dict[int, dict[str, float]] = {}
        for g in app.ingress:
            d = self.ingress.setdefault(idx[g.to], {})
            for s, n in g.services.items():
                d[s] = d.get(s, 0.0) + n
        cat = model.catalogue
        self.edge_services_usd = [services_usd(e.services, cat) for e in app.edges]
        self.ingress_usd = {f: services_usd(s, cat) for f, s in self.ingress.items()}
        self.service_counts: dict[str, float] = {}
        self.emitted = np.zeros(len(app.edges), dtype=np.int64)
        self.wait_ms = np.zeros(nf)
        self.lin = Lineage()
        self.ev_group = array("q")  # the fan-out group of each event (-1: none)
        # fan-out groups: members left, latest end, its event, the enclosing group, the fanning function
        self.g_left: list[int] = []
        self.g_end: list[float] = []
        self.g_last: list[int] = []
        self.g_parent: list[int] = []
        self.g_origin: list[int] = []
        self.caller: dict[int, int] = {}  # event of a sync call -> the caller's event
        seed = sc.seed
        self._draw = [stream(seed, "application", i) for i in range(nf)]
        self._edge_rng = [stream(seed, "application", 100_000 + k) for k in range(len(app.edges))]
        # per-execution cost (on-demand, first-tier rates; monthly tiers and free tier are in the bill)
        self.req_usd = cat["lambda.request_per_million_usd"] / 1e6
        self.gb = [f.memory_mb / 1024.0 for f in sc.functions]
        self.gb_s_usd = [cat[_RATE_KEY[f.arch]] for f in sc.functions]
        self.gran_ms, self.init_cap_s = cat["lambda.billing_granularity_ms"], cat["lambda.init_cap_s"]
        # wire into the model
        model.app = self
        nodes = set(self.edge_from) | set(self.edge_to) | set(self.ingress)
        for i in sorted(nodes):
            inv = sc.functions[i].invocation
            inner = model.sources[i]
            if inv.type == "sync":
                inner = SyncCall(self, i, inv)
                model.kinds[i] = 1
            model.sources[i] = Node(self, i, inner)

    # --- events -----------------------------------------------------------------------------
    def new_root(self, f: int, t: float) -> int:
        for s, n in self.ingress.get(f, {}).items():
            self.service_counts[s] = self.service_counts.get(s, 0.0) + n
        self.ev_group.append(-1)
        return self.lin.new_root(f, t, self.ingress_usd.get(f, 0.0))

    def billed_usd(self, f: int, run_s: float, init_s: float) -> float:
        """One execution's Lambda cost: a request and its billed GB-s (INIT where billed, capped)."""
        extra = min(init_s, self.init_cap_s) if self.m.init_billed[f] else 0.0
        ms = self._billed_ms(run_s + extra)
        return self.req_usd + self.gb[f] * ms / 1000.0 * self.gb_s_usd[f]

    def _billed_ms(self, s: float) -> float:
        """``s`` seconds rounded up to the billing granularity, in ms (as :func:`lambdasim.billing.rules.billed_ms`)."""
        return math.ceil(round(s * 1000.0, 6) / self.gran_ms) * self.gran_ms  # as billing.billed_ms

    def done(self, f: int, token: int, start: float, end: float, init: float, retry: float,
             share: float = 1.0) -> None:
        """Event ``token`` of function ``f`` ran successfully from ``start`` to ``end`` (called when known)."""
        self.lin.done(token, start, end, init, retry, share * self.billed_usd(f, end - start - init, init))
        self._caller_waited(token, end)
        for k in self.out[f]:
            self._edge(k, token, end)

    def failed(self, f: int, token: int, t: float) -> None:
        """Event ``token`` of function ``f`` failed for good at ``t``: its ``when: failure`` edges fire."""
        self.lin.fail(token, t, bool(self.out_fail[f]))
        self._caller_waited(token, t)
        for k in self.out_fail[f]:
            self._edge(k, token, t)

    def _caller_waited(self, token: int, t: float) -> None:
        caller = self.caller.pop(token, None)
        if caller is not None:  # the caller of a sync call waited from its own end until ``t``
            lin = self.lin
            fc = lin.fn[caller]
            wait_ms = self._billed_ms(t - lin.sent[token])
            self.wait_ms[fc] += wait_ms
            lin.lambda_usd[caller] += self.gb[fc] * wait_ms / 1000.0 * self.gb_s_usd[fc]

    def _edge(self, k: int, token: int, end: float) -> None:
        e, origin, grp = self.edges[k], self.fan_in_origin[k], self.ev_group[token]
        if origin >= 0 and grp >= 0 and self.g_origin[grp] == origin:
            self.g_left[grp] -= 1
            if end >= self.g_end[grp]:
                self.g_end[grp], self.g_last[grp] = end, token
            if self.g_left[grp] == 0:
                self._send(k, self.g_last[grp], self.g_end[grp], self.g_parent[grp])
            return
        rng = self._edge_rng[k]
        if e.probability < 1.0 and rng.random() >= e.probability:
            return
        if not e.fans_out:
            self._send(k, token, end, grp)
            return
        n = e.count(rng)
        self.g_left.append(n)
        self.g_end.append(end)
        self.g_last.append(token)
        self.g_parent.append(grp)
        self.g_origin.append(self.edge_from[k])
        new = len(self.g_left) - 1
        for _ in range(n):
            self._send(k, token, end, new)
        if n == 0:  # an empty group is complete at once: its joins fire now
            for k2 in self.out[self.edge_to[k]]:
                if self.fan_in_origin[k2] == self.edge_from[k]:
                    self._send(k2, token, end, grp)

    def _send(self, k: int, parent: int, t: float, grp: int) -> None:
        e, g, lin = self.edges[k], self.edge_to[k], self.lin
        for s, n in e.services.items():
            self.service_counts[s] = self.service_counts.get(s, 0.0) + n
        at = t + e.delay_s
        ev = lin.add(lin.root[parent], parent, g, t, at, self.edge_services_usd[k])
        self.ev_group.append(grp)
        self.emitted[k] += 1
        self.m.outcomes.events[g] += 1
        if e.trigger == "sync":
            self.caller[ev] = parent
        self.m.defer(at, self._deliver, g, (ev,))

    def _deliver(self, t: float, ev: int) -> None:
        g = self.lin.fn[ev]
        fn, m, rng = self.fns[g], self.m, self._draw[g]
        work = float(fn.duration.sample(rng, 1)[0]) * float(m.factor[g])
        init = float(fn.init.sample(rng, 1)[0])
        timed_out = work > m.timeout_s[g]
        failed = bool(timed_out or (m.error_p[g] > 0 and rng.random() < m.error_p[g]))
        m.sources[g].offer(t, work, init, failed, bool(timed_out), token=ev)

    # --- the end -------------------------------------------------------------------------------
    def finish(self):
        """After the run: bill the sync callers' waits; the :class:`ApplicationResult`."""
        from lambdasim.application.result import ApplicationResult

        self.m.tally.billed_ms += self.wait_ms
        return ApplicationResult(self)
