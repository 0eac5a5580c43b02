"""Break-even: the value of one scenario field at which Lambda and EC2 cost the same.

:func:`break_even` varies a dotted field (``functions.0.workload.rate_per_s``
by default) between ``low`` and ``high`` and compares the cost per million
completed requests of Lambda and of EC2 sized by a strategy:

- ``fixed``: the base scenario's fleet (its fixed size, or the size the
  default rule gives at the base value), held while the field varies;
- ``slo``: at each value, the cheapest fixed fleet meeting the SLO;
- ``autoscaled``: the scenario's target-tracking policy (or target tracking
  of utilisation at 0.6), which follows the load.

Each replication (a seed shared by both platforms) is bisected on its own
for the sign change of (Lambda - EC2), down to ``tol`` and then linearly
interpolated; the break-even is the mean of the replications' values with
a 95 % t-interval. When a replication's difference does not change sign in
[low, high], its value is nan and ``cheaper`` says which platform won
throughout. The cost curves on a grid of values come along for a plot.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

import numpy as np

from lambdasim.ec2.model import initial_instances
from lambdasim.ec2.spec import TargetTracking
from lambdasim.comparison.replication import Runner, ci95
from lambdasim.scenario import Scenario, as_scenario
from lambdasim.comparison.sizing import size_ec2, tracking_policy, with_scaling

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["break_even", "BreakEven", "EC2_STRATEGIES"]

EC2_STRATEGIES = ("fixed", "slo", "autoscaled")
KEY = "cost_per_million_usd"


@dataclass(frozen=True)
class BreakEven:
    """``value`` (mean over replications) and ``ci95`` (half-width); ``curves`` for plots."""

    vary: str
    strategy: str
    value: float
    ci95: float
    per_replication: list[float]
    cheaper: list[str]  # per replication: "crosses", or the platform cheaper over all of [low, high]
    curves: pd.DataFrame = field(repr=False)


class _Costs:
    """Cost per million on each platform at a value of the varied field, one seed at a time."""

    def __init__(self, sc: Scenario, vary: str, strategy: str, slo: dict | None, runner: Runner):
        self.sc, self.vary, self.strategy, self.slo, self.runner = sc, vary, strategy, slo, runner
        if strategy == "fixed":
            self.scaling = {"policy": "fixed", "instances": initial_instances(sc)}
        elif strategy == "autoscaled":
            p = sc.ec2.scaling
            self.scaling = p.model_dump(mode="json") if isinstance(p, TargetTracking) else tracking_policy(sc, 0.6)
        self._sized: dict[tuple[float, int], Scenario] = {}

    def at(self, x: float) -> Scenario:
        return self.sc.with_overrides({self.vary: float(x)}, source=f"scenario {self.sc.name!r} with {self.vary}={x}")

    def ec2(self, x: float, seed: int) -> Scenario | None:
        sc = self.at(x)
        if self.strategy != "slo":
            return with_scaling(sc, self.scaling)
        if (x, seed) not in self._sized:
            one = Runner(1, cache=self.runner.cache)
            n = size_ec2(sc.with_overrides({"seed": seed}), self.slo, target_tracking=False, runner=one).instances
            self._sized[(x, seed)] = with_scaling(sc, {"policy": "fixed", "instances": n}) if n else None
        return self._sized[(x, seed)]

    def pair(self, x: float, seed: int) -> tuple[dict, dict]:
        """Lambda's and EC2's metrics; EC2 costs inf (and has no metrics) when no fleet meets the SLO."""
        ec2 = self.ec2(x, seed)
        lam = self.runner.run(self.at(x), "lambda", seed)
        if ec2 is None:
            return lam, {**{k: math.nan for k in lam}, KEY: math.inf}
        return lam, self.runner.run(ec2, "ec2", seed)

    def diff(self, x: float, seed: int) -> float:
        lam, ec2 = self.pair(x, seed)
        return lam[KEY] - ec2[KEY]


def break_even(scenario: Scenario | str | dict, vary: str = "functions.0.workload.rate_per_s", *, low: float,
               high: float, strategy: str = "fixed", replications: int = 3, slo: dict[str, float] | None = None,
               tol: float | None = None, points: int = 7, log: bool | None = None,
               runner: Runner | None = None) -> BreakEven:
    """Where Lambda and EC2 (sized by ``strategy``) cost the same per million requests."""
    sc = as_scenario(scenario)
    if strategy not in EC2_STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(EC2_STRATEGIES)}. Got {strategy!r} instead.")
    if not 0 < low < high:
        raise ValueError(f"low and high must satisfy 0 < low < high. Got low={low!r}, high={high!r} instead.")
    tol = tol if tol is not None else (high - low) / 200
    runner = runner or Runner(replications)
    costs = _Costs(sc, vary, strategy, slo or {"latency_p99_s": 0.5}, runner)
    values, cheaper = [], []
    for seed in runner.seeds(sc):
        x, who = _bisect(lambda v: costs.diff(v, seed), low, high, tol)
        values.append(x)
        cheaper.append(who)
    mean, half = ci95(values)
    return BreakEven(vary, strategy, mean, half, values, cheaper, _curves(costs, low, high, points, log))


def _bisect(f, lo: float, hi: float, tol: float) -> tuple[float, str]:
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0:
        return lo, "crosses"
    if np.sign(f_lo) == np.sign(f_hi):
        return math.nan, "ec2" if f_lo > 0 else "lambda"
    while hi - lo > tol:
        mid = (lo + hi) / 2
        f_mid = f(mid)
        if np.sign(f_mid) == np.sign(f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi, f_hi = mid, f_mid
    return lo - f_lo * (hi - lo) / (f_hi - f_lo), "crosses"


def _curves(costs: _Costs, low: float, high: float, points: int, log: bool | None) -> pd.DataFrame:
    import pandas as pd
    log = high / low >= 10 if log is None else log
    xs = np.geomspace(low, high, points) if log else np.linspace(low, high, points)
    rows: list[dict[str, Any]] = []
    for x in xs:
        pairs = [costs.pair(x, s) for s in costs.runner.seeds(costs.sc)]
        row: dict[str, Any] = {"x": float(x)}
        for i, plat in enumerate(("lambda", "ec2")):
            for k in (KEY, "latency_p99_s", "mean_instances"):
                row[f"{plat}_{k}"], row[f"{plat}_{k}_ci95"] = ci95([p[i][k] for p in pairs])
        rows.append(row)
    return pd.DataFrame(rows)
