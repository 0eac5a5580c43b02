"""Running an application graph on the Lambda model: emission along edges.

:func:`attach` wraps the event source of every function in the graph in a
:class:`Node` and routes all the function's events to it
(:meth:`LambdaModel.route <lambdasim.awslambda.model.LambdaModel.route>`):
an external arrival becomes a *root* event, every event carries a token (its
id in the :class:`~lambdasim.application.lineage.Lineage`) through the
function's event source (sync client, async queue, stream shard, SQS queue),
and the model reports each event's fate to the runtime, its listener
(:meth:`AppRuntime.done`, :meth:`AppRuntime.failed`). Then each outgoing edge
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
between): with a listener, ``LambdaModel.defer`` adds a SimPy timeout for each.
"""
from __future__ import annotations

from array import array

import numpy as np

from lambdasim.application.lineage import Lineage
from lambdasim.awslambda.model import LambdaModel
from lambdasim.awslambda.sources.protocol import EventSource
from lambdasim.billing.attribution import ExecutionPrices
from lambdasim.billing.services import services_usd
from lambdasim.rng import stream

__all__ = ["AppRuntime", "Node", "attach"]


def attach(model: LambdaModel) -> "AppRuntime":
    """Wire the scenario's application into ``model`` (a LambdaModel not yet run)."""
    return AppRuntime(model)


class Node:
    """A function of the graph (an :class:`~lambdasim.awslambda.sources.protocol.EventSource`): gives
    external arrivals a root token, then hands every event to the function's own source."""

    def __init__(self, rt: "AppRuntime", f: int, inner: EventSource):
        self.rt, self.f, self.inner = rt, f, inner

    def offer(self, t: float, work_s: float, init: float, failed: bool, timed_out: bool, token: int | None = None):
        if token is None:
            token = self.rt.new_root(self.f, t)
        self.inner.offer(t, work_s, init, failed, timed_out, token=token)

    def finish(self, horizon_s: float) -> None:
        self.inner.finish(horizon_s)


class AppRuntime:
    def __init__(self, model: LambdaModel):
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
        self.prices = ExecutionPrices(sc.functions, model.init_billed, cat)
        # plug into the model: every event of a node goes through its Node; the model reports fates here
        model.listen(self)
        self.nodes = {i: Node(self, i, model.source(i))
                      for i in sorted(set(self.edge_from) | set(self.edge_to) | set(self.ingress))}
        for i, node in self.nodes.items():
            model.route(i, node)

    # --- events -----------------------------------------------------------------------------
    def new_root(self, f: int, t: float) -> int:
        for s, n in self.ingress.get(f, {}).items():
            self.service_counts[s] = self.service_counts.get(s, 0.0) + n
        self.ev_group.append(-1)
        return self.lin.new_root(f, t, self.ingress_usd.get(f, 0.0))

    def done(self, f: int, token: int, start: float, end: float, init: float, retry: float,
             share: float = 1.0) -> None:
        """Event ``token`` of function ``f`` ran successfully from ``start`` to ``end`` (called when known)."""
        self.lin.done(token, start, end, init, retry, share * self.prices.execution_usd(f, end - start - init, init))
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
            wait_ms = self.prices.billed_ms(t - lin.sent[token])
            self.wait_ms[fc] += wait_ms
            lin.lambda_usd[caller] += self.prices.duration_usd(fc, wait_ms)

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
        self.m.count_event(g)
        if e.trigger == "sync":
            self.caller[ev] = parent
        self.m.defer(at, self._deliver, g, (ev,))

    def _deliver(self, t: float, ev: int) -> None:
        g = self.lin.fn[ev]
        work, init, failed, timed_out = self.m.draw_event(g, self._draw[g])
        self.nodes[g].offer(t, work, init, failed, timed_out, token=ev)

    # --- the end -------------------------------------------------------------------------------
    def finish(self):
        """After the run: bill the sync callers' waits; the :class:`ApplicationResult`."""
        from lambdasim.application.result import ApplicationResult

        self.m.add_billed_ms(self.wait_ms)
        return ApplicationResult(self)
