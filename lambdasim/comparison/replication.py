"""Replicated runs with common random numbers, and their confidence intervals.

A :class:`Runner` runs a scenario on a platform once per replication seed
(``scenario.seed + r`` for r in 0..R-1), so the Lambda and the EC2 runs of
replication r see the same arrivals and drawn work. Runs are memoised by
(scenario, platform, seed), so a comparison, a sizing search and a
break-even search that meet the same configuration run it once.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from lambdasim.stats import t_half_width
from lambdasim.scenario import Scenario
from lambdasim.simulation import simulate

__all__ = ["Runner", "ci95", "headline"]

#: The metrics a comparison reports for both platforms (see :func:`headline`).
METRICS = ["completed", "dropped", "latency_mean_s", "latency_p50_s", "latency_p95_s", "latency_p99_s",
           "queue_wait_mean_s", "cold_start_rate", "mean_instances", "utilization", "cpu_utilization",
           "queue_at_end", "cost_usd", "cost_per_million_usd"]


def headline(summary: dict[str, Any], platform: str) -> dict[str, float]:
    """The comparison metrics of one run's summary, defined alike on both platforms.

    Lambda's ``dropped`` is throttled + failed calls; its ``utilization`` is
    busy / live execution environments; it has no queue (wait 0). EC2 has
    no per-request cold start (rate 0).
    """
    s = dict(summary)
    if platform == "lambda":
        s["dropped"] = s.get("throttled", 0) + s.get("failed", 0)
        s["utilization"] = s["mean_busy_instances"] / s["mean_instances"] if s["mean_instances"] else math.nan
        s["queue_wait_mean_s"] = 0.0
        s["cpu_utilization"] = math.nan  # Lambda's CPU is the memory's share, never shared
        s["queue_at_end"] = 0.0
    else:
        s["cold_start_rate"] = 0.0
        s.setdefault("cpu_utilization", math.nan)  # server platforms that do not share vCPUs (Fargate, LMI)
        s.setdefault("queue_at_end", 0.0)
    return {k: float(s[k]) for k in METRICS}


def ci95(values) -> tuple[float, float]:
    """Mean and half-width of the 95 % t-interval (half-width nan for fewer than 2 values)."""
    x = np.asarray(list(values), dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan, math.nan
    if len(x) < 2:
        return float(x[0]), math.nan
    sd = x.std(ddof=1) if np.ptp(x) > 0 else 0.0  # identical values: exactly 0, not float noise
    return float(x.mean()), float(t_half_width(sd, len(x)))


class Runner:
    """Runs scenarios ``replications`` times each (records="summary"), remembering every run."""

    def __init__(self, replications: int = 3, cache: dict | None = None):
        if not (isinstance(replications, int) and replications >= 1):
            raise ValueError(f"replications must be an int >= 1. Got {replications!r} instead.")
        self.replications = replications
        self.cache: dict = {} if cache is None else cache
        self.runs = 0  # simulations actually run (not memoised)

    def seeds(self, sc: Scenario) -> list[int]:
        return [sc.seed + r for r in range(self.replications)]

    def run(self, sc: Scenario, platform: str, seed: int) -> dict[str, float]:
        """The headline metrics of one run."""
        key = (sc.model_dump_json(exclude={"seed"}), platform, seed)
        if key not in self.cache:
            self.cache[key] = headline(simulate(sc, platform, seed=seed, records="summary").summary, platform)
            self.runs += 1
        return self.cache[key]

    def summaries(self, sc: Scenario, platform: str) -> list[dict[str, float]]:
        return [self.run(sc, platform, s) for s in self.seeds(sc)]

    def mean(self, sc: Scenario, platform: str) -> dict[str, float]:
        """Each metric's mean over the replications."""
        rows = self.summaries(sc, platform)
        return {k: float(np.mean([r[k] for r in rows])) for k in METRICS}
