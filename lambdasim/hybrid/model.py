"""A hybrid run: a server base fleet (EC2, Fargate or LMI), and Lambda for the overflow, on the same arrivals.

Two passes over one arrival stream (common random numbers). First the base
fleet (``base``: the scenario's ``ec2``, ``fargate`` or ``lmi`` section, at
``base_instances``) runs every request with the routing policy as its queue
limit: ``busy`` (overflow when every slot is busy: no queue), ``queue``
(overflow when ``queue_limit`` requests already wait) or ``booting``
(overflow while a new base instance boots, else wait in the base's queue;
the base scales by target tracking from ``base_instances``, its section's
own policy if it tracks). A request the base would drop at arrival is the
overflow. Then the Lambda model runs on exactly those requests (their
arrival times and drawn work), so every request is served once, by one
platform. A base of 0 instances sends everything to Lambda (equal to pure
Lambda); a base that never overflows equals the pure base platform.
Simplifications: routing is decided at arrival; only synchronous functions
are supported; the base's own queue timeout is off; a Fargate Spot request
requeued while routing forbids a queue is counted dropped, not sent to Lambda.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from lambdasim.awslambda.model import LambdaModel
from lambdasim.awslambda.result import Result
from lambdasim.billing.catalogue import Catalogue
from lambdasim.hybrid.spec import BASES, ROUTING
from lambdasim.scenario import Scenario
from lambdasim.servers.fleet import DROPPED
from lambdasim.servers.scaling import TargetTracking
from lambdasim.workload.arrivals import ArrivalSource

__all__ = ["HybridRun", "run_hybrid", "ROUTING", "BASES"]


class _Overflow:
    """The arrival windows of ``scenario`` restricted to the requests the base fleet overflowed."""

    def __init__(self, scenario: Scenario, overflow: np.ndarray):
        self.sc, self.mask = scenario, overflow

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        k = 0
        for cols in ArrivalSource(self.sc):
            n = len(cols["arrival_s"])
            m = self.mask[k:k + n]
            k += n
            yield {c: v[m] for c, v in cols.items()}


@dataclass
class HybridRun:
    """The two parts of a hybrid run and which requests overflowed (in arrival order)."""

    base: Any  # the base platform's result (EC2Result, FargateResult, LMIResult), None for a base of 0
    overflow: Result
    overflowed: np.ndarray
    base_instances: int
    routing: str
    base_platform: str = "ec2"

    @property
    def summary(self) -> dict:
        """Counts, latencies and cost of the whole (both parts); the names of the comparison's metrics."""
        n = len(self.overflowed)
        o = self.overflow.summary
        b = self.base.summary if self.base is not None else None
        served_base = 0 if b is None else b["invocations"] - int(self.overflowed.sum())
        cost = (0.0 if b is None else b["cost_usd"]) + o["cost_usd"]
        lat = self._latencies()
        completed = (0 if b is None else b["completed"]) + o["completed"]
        dropped = (0 if b is None else b["dropped"] - int(self.overflowed.sum()) + b.get("interrupted", 0)) + \
            o.get("throttled", 0) + o.get("failed", 0)
        q = (lambda p: float(np.quantile(lat, p, method="inverted_cdf")) if len(lat) else float("nan"))
        return {"invocations": n, "base": self.base_platform, "base_instances": self.base_instances,
                "routing": self.routing, "served_by_base": served_base, "served_by_lambda": o["invocations"],
                "overflow_share": o["invocations"] / n if n else float("nan"),
                "completed": completed, "dropped": dropped,
                "latency_mean_s": float(lat.mean()) if len(lat) else float("nan"),
                "latency_p50_s": q(0.5), "latency_p95_s": q(0.95), "latency_p99_s": q(0.99),
                "queue_wait_mean_s": 0.0 if b is None else b["queue_wait_mean_s"] * b["invocations"] / n,
                "cold_start_rate": o["cold_starts"] / n if n else float("nan"),
                "mean_instances": 0.0 if b is None else b["mean_instances"],
                "utilization": float("nan") if b is None else b["utilization"],
                "cpu_utilization": float("nan") if b is None else b["cpu_utilization"],
                "queue_at_end": 0 if b is None else b["queue_at_end"],
                "base_cost_usd": 0.0 if b is None else b["cost_usd"], "lambda_cost_usd": o["cost_usd"],
                "cost_usd": cost, "cost_per_million_usd": cost / completed * 1e6 if completed else float("nan")}

    def _latencies(self) -> np.ndarray:
        parts = []
        if self.base is not None:
            inv = self.base.invocations
            ok = inv["status"] == "completed"
            parts.append((inv["end_s"] - inv["arrival_s"])[ok].to_numpy())
        inv = self.overflow.invocations
        if len(inv):
            ok = inv["status"].astype(str) == "completed"
            parts.append(inv["latency_s"][ok].to_numpy() if "latency_s" in inv else
                         (inv["end_s"] - inv["arrival_s"])[ok].to_numpy())
        return np.concatenate(parts) if parts else np.empty(0)


def _tracking(policy, n: int) -> dict[str, Any]:
    """The section's target tracking (or utilisation at 0.6) starting at, and never below, ``n``."""
    own = policy.model_dump(mode="json") if isinstance(policy, TargetTracking) else \
        {"policy": "target_tracking", "metric": "utilization", "target": 0.6, "max": 100}
    return {**own, "min": n, "instances": n, "max": max(own["max"], n)}


def _base_run(sc: Scenario, catalogue: Catalogue, base: str, n: int, routing: str, limit: int | None):
    """Run ``n`` of ``base`` with every request kept; returns its result and its tally's columns."""
    booting = routing == "booting"
    if base == "lmi":
        from lambdasim.lmi.model import LMIModel
        from lambdasim.lmi.result import LMIResult

        hi = max(sc.lmi.max_instances, n) if booting else n
        b_sc = sc.with_overrides({"lmi.min_instances": n, "lmi.max_instances": hi, "lmi.instances": n,
                                  "lmi.on_overload": "queue"})
        model, result = LMIModel(b_sc, catalogue, keep_records=True), LMIResult
    else:
        section = getattr(sc, base)
        scaling = _tracking(section.scaling, n) if booting else {"policy": "fixed", "instances": n}
        b_sc = sc.with_overrides({f"{base}.queue_limit": limit, f"{base}.request_timeout_s": None,
                                  f"{base}.scaling": scaling})
        if base == "ec2":
            from lambdasim.ec2.model import EC2Model
            from lambdasim.ec2.result import EC2Result

            model, result = EC2Model(b_sc, keep_records=True), EC2Result
        else:
            from lambdasim.fargate.model import FargateModel
            from lambdasim.fargate.result import FargateResult

            model, result = FargateModel(b_sc, catalogue, keep_records=True), FargateResult
    model.fleet.queue_limit = limit  # the routing policy is the base's queue limit
    model.fleet.spill_while_booting = booting
    model.run()
    return result(b_sc, catalogue, model), model.tally.columns()


def run_hybrid(sc: Scenario, catalogue: Catalogue, base_instances: int, routing: str = "busy",
               queue_limit: int = 0, base: str = "ec2") -> HybridRun:
    """Run ``base_instances`` of ``base`` (``ec2``, ``fargate`` or ``lmi``, as the scenario's section configures it)
    as the base fleet and Lambda for the overflow that ``routing`` sends."""
    if routing not in ROUTING:
        raise ValueError(f"routing must be one of {', '.join(ROUTING)}. Got {routing!r} instead.")
    if base not in BASES:
        raise ValueError(f"base must be one of {', '.join(BASES)}. Got {base!r} instead.")
    if any(f.invocation.type != "sync" for f in sc.functions) or sc.application is not None:
        raise ValueError("a hybrid run supports synchronous functions without an application graph.")
    if base_instances < 0:
        raise ValueError(f"base_instances must be >= 0. Got {base_instances} instead.")
    limit = {"busy": 0, "queue": int(queue_limit), "booting": None}[routing]
    result = None
    if base_instances > 0:
        result, c = _base_run(sc, catalogue, base, base_instances, routing, limit)
        overflowed = (c["status"] == DROPPED) & (c["start_s"] != c["start_s"]) & (c["end_s"] == c["arrival_s"])
    else:
        n = sum(len(cols["arrival_s"]) for cols in ArrivalSource(sc))
        overflowed = np.ones(n, dtype=bool)
    lam = LambdaModel(sc, catalogue, keep_records=True)
    lam.arrivals = _Overflow(sc, overflowed)
    lam.run()
    return HybridRun(result, Result(sc, "lambda", catalogue, lam.tally, lam.instances, sc.seed,
                                    pc_steps=lam.pc_steps()), overflowed, base_instances, routing, base)
