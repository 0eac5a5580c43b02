"""A hybrid run: an EC2 base fleet, and Lambda for the overflow, on the same arrivals.

Two passes over one arrival stream (common random numbers). First the
scenario's ``ec2`` fleet runs every request with the routing policy as its
queue limit: ``busy`` (overflow when every worker is busy: no queue) or
``queue`` (overflow when ``queue_limit`` requests already wait). A request
the fleet would drop at arrival is the overflow. Then the Lambda model runs
on exactly those requests (their arrival times and drawn work), so every
request is served once, by one platform. A base of 0 instances sends
everything to Lambda (equal to pure Lambda); a base that never overflows
equals pure EC2. Simplifications: routing is decided at arrival (no
``while booting`` policy), and only synchronous functions are supported;
requests dropped later from the queue by ``ec2.request_timeout_s`` are not
sent to Lambda (they count as dropped).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Literal

import numpy as np

from lambdasim.awslambda.model import LambdaModel
from lambdasim.awslambda.result import Result
from lambdasim.billing.catalogue import Catalogue
from lambdasim.ec2.model import EC2Model
from lambdasim.ec2.result import EC2Result
from lambdasim.scenario import Scenario
from lambdasim.servers.fleet import DROPPED
from lambdasim.workload.arrivals import ArrivalSource

__all__ = ["HybridRun", "run_hybrid", "ROUTING"]

ROUTING = ("busy", "queue")


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

    base: EC2Result | None
    overflow: Result
    overflowed: np.ndarray
    base_instances: int
    routing: str

    @property
    def summary(self) -> dict:
        n = len(self.overflowed)
        o = self.overflow.summary
        b = self.base.summary if self.base is not None else None
        served_base = 0 if b is None else b["completed"] + b["in_flight"] + b["dropped"] - int(self.overflowed.sum())
        cost = (0.0 if b is None else b["cost_usd"]) + o["cost_usd"]
        lat = self._latencies()
        return {"invocations": n, "base_instances": self.base_instances, "routing": self.routing,
                "served_by_base": served_base, "served_by_lambda": o["invocations"],
                "overflow_share": o["invocations"] / n if n else float("nan"),
                "latency_p50_s": float(np.quantile(lat, 0.5)) if len(lat) else float("nan"),
                "latency_p99_s": float(np.quantile(lat, 0.99)) if len(lat) else float("nan"),
                "base_cost_usd": 0.0 if b is None else b["cost_usd"], "lambda_cost_usd": o["cost_usd"],
                "cost_usd": cost}

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


def run_hybrid(sc: Scenario, catalogue: Catalogue, base_instances: int,
               routing: Literal["busy", "queue"] = "busy", queue_limit: int = 0) -> HybridRun:
    """Run ``base_instances`` of the scenario's EC2 type as the base and Lambda for the overflow."""
    if routing not in ROUTING:
        raise ValueError(f"routing must be one of {', '.join(ROUTING)}. Got {routing!r} instead.")
    if any(f.invocation.type != "sync" for f in sc.functions) or sc.application is not None:
        raise ValueError("a hybrid run supports synchronous functions without an application graph.")
    if base_instances < 0:
        raise ValueError(f"base_instances must be >= 0. Got {base_instances} instead.")
    limit = 0 if routing == "busy" else int(queue_limit)
    base = None
    if base_instances > 0:
        b_sc = sc.with_overrides({"ec2.queue_limit": limit, "ec2.request_timeout_s": None,
                                  "ec2.scaling": {"policy": "fixed", "instances": base_instances}})
        model = EC2Model(b_sc, keep_records=True)
        model.run()
        base = EC2Result(b_sc, catalogue, model)
        c = model.tally.columns()
        overflowed = (c["status"] == DROPPED) & (c["start_s"] != c["start_s"]) & (c["end_s"] == c["arrival_s"])
    else:
        n = sum(len(cols["arrival_s"]) for cols in ArrivalSource(sc))
        overflowed = np.ones(n, dtype=bool)
    lam = LambdaModel(sc, catalogue, keep_records=True)
    lam.arrivals = _Overflow(sc, overflowed)
    lam.run()
    return HybridRun(base, Result(sc, "lambda", catalogue, lam.tally, lam.instances, sc.seed,
                                   pc_steps=lam.pc_steps()), overflowed,
                     base_instances, routing)
