"""Break-even: the value of one scenario field at which two platforms cost the same.

:func:`break_even` varies a dotted field (``functions.0.workload.rate_per_s``
by default) between ``low`` and ``high`` and compares the cost per million
completed requests of two platforms (``platforms``, default Lambda and EC2;
any two of ``lambda``, ``ec2``, ``fargate``, ``lmi``), each server fleet
(EC2, Fargate, LMI) sized by a strategy:

- ``configured`` (formerly ``fixed``, still accepted): the base scenario's fleet (its fixed size, or the size the
  default rule gives at the base value), held while the field varies;
- ``slo``: at each value, the cheapest fixed fleet meeting the SLO;
- ``autoscaled``: the section's target-tracking policy (or target tracking
  of utilisation at 0.6), which follows the load.

Each replication (a seed shared by both platforms) is bisected on its own
for the sign change of (first - second), down to ``tol`` and then linearly
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

from lambdasim.comparison import fleets
from lambdasim.comparison.replication import Runner, ci95
from lambdasim.scenario import Scenario, as_scenario
from lambdasim.comparison.sizing import size_fleet
from lambdasim.servers.scaling import TargetTracking

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["break_even", "BreakEven", "EC2_STRATEGIES", "PLATFORMS"]

EC2_STRATEGIES = ("fixed", "slo", "autoscaled")
PLATFORMS = ("lambda", *fleets.SERVER_PLATFORMS)
#: One name per concept: "configured" (compare's name for the scenario's fleet) is read as "fixed" here.
ALIASES = {"configured": "fixed"}
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
    platforms: tuple[str, str] = ("lambda", "ec2")


class _Costs:
    """Cost per million on each of two platforms at a value of the varied field, one seed at a time."""

    def __init__(self, sc: Scenario, vary: str, strategy: str, slo: dict | None, runner: Runner,
                 platforms: tuple[str, str] = ("lambda", "ec2")):
        self.sc, self.vary, self.strategy, self.slo, self.runner = sc, vary, strategy, slo, runner
        self.platforms = platforms
        servers = [p for p in platforms if p != "lambda"]
        self.fixed = {p: fleets.initial(sc, p) for p in servers} if strategy == "fixed" else {}
        self.tracking: dict[str, dict | None] = {}  # per server platform: overrides, None = its own tracking
        if strategy == "autoscaled":
            for p in servers:
                own = (sc.lmi.min_instances != sc.lmi.max_instances) if p == "lmi" else \
                    isinstance(getattr(sc, p).scaling, TargetTracking)
                self.tracking[p] = None if own else fleets.target_overrides(sc, p, 0.6)
        self._sized: dict[tuple[str, float, int], Scenario | None] = {}

    def at(self, x: float) -> Scenario:
        return self.sc.with_overrides({self.vary: float(x)}, source=f"scenario {self.sc.name!r} with {self.vary}={x}")

    def variant(self, platform: str, x: float, seed: int) -> Scenario | None:
        """The scenario ``platform`` runs at value ``x`` (None: no fleet meets the SLO)."""
        sc = self.at(x)
        if platform == "lambda":
            return sc
        if self.strategy == "fixed":
            return fleets.with_fixed(sc, platform, self.fixed[platform])
        if self.strategy == "autoscaled":
            over = self.tracking[platform]
            return sc if over is None else sc.with_overrides(over)  # None: the section's own target tracking
        key = (platform, x, seed)
        if key not in self._sized:
            one = Runner(1, cache=self.runner.cache, tick=self.runner.tick)
            n = size_fleet(sc.with_overrides({"seed": seed}), self.slo, platform=platform, target_tracking=False,
                           runner=one).instances
            self._sized[key] = fleets.with_fixed(sc, platform, n) if n else None
        return self._sized[key]

    def pair(self, x: float, seed: int) -> tuple[dict, dict]:
        """Both platforms' metrics; a platform costs inf (and has no metrics) when no fleet meets the SLO."""
        out = []
        for p in self.platforms:
            v = self.variant(p, x, seed)
            out.append(self.runner.run(v, p, seed) if v is not None else None)
        blank = {k: math.nan for k in next((m for m in out if m is not None), {KEY: 0.0})}
        a, b = ({**blank, KEY: math.inf} if m is None else m for m in out)
        return a, b

    def diff(self, x: float, seed: int) -> float:
        a, b = self.pair(x, seed)
        return a[KEY] - b[KEY]


def break_even(scenario: Scenario | str | dict, vary: str = "functions.0.workload.rate_per_s", *, low: float,
               high: float, strategy: str = "configured", replications: int = 3, slo: dict[str, float] | None = None,
               tol: float | None = None, points: int = 7, log: bool | None = None,
               runner: Runner | None = None, platforms: tuple[str, str] = ("lambda", "ec2")) -> BreakEven:
    """Where two platforms (server fleets sized by ``strategy``) cost the same per million requests."""
    sc = as_scenario(scenario)
    strategy = ALIASES.get(strategy, strategy)
    platforms = tuple(platforms)
    if len(platforms) != 2 or platforms[0] == platforms[1] or any(p not in PLATFORMS for p in platforms):
        raise ValueError(f"platforms must be two different platforms among {', '.join(PLATFORMS)}. "
                         f"Got {platforms!r} instead.")
    if strategy not in EC2_STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(EC2_STRATEGIES)}. Got {strategy!r} instead.")
    if not 0 < low < high:
        raise ValueError(f"low and high must satisfy 0 < low < high. Got low={low!r}, high={high!r} instead.")
    tol = tol if tol is not None else (high - low) / 200
    runner = runner or Runner(replications)
    costs = _Costs(sc, vary, strategy, slo or {"latency_p99_s": 0.5}, runner, platforms)
    values, cheaper = [], []
    for seed in runner.seeds(sc):
        x, who = _bisect(lambda v: costs.diff(v, seed), low, high, tol, platforms)
        values.append(x)
        cheaper.append(who)
    mean, half = ci95(values)
    return BreakEven(vary, strategy, mean, half, values, cheaper, _curves(costs, low, high, points, log), platforms)


def _bisect(f, lo: float, hi: float, tol: float, platforms: tuple[str, str] = ("lambda", "ec2")) -> tuple[float, str]:
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0:
        return lo, "crosses"
    if np.sign(f_lo) == np.sign(f_hi):
        return math.nan, platforms[1] if f_lo > 0 else platforms[0]
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
        for i, plat in enumerate(costs.platforms):
            for k in (KEY, "latency_p99_s", "mean_instances"):
                row[f"{plat}_{k}"], row[f"{plat}_{k}_ci95"] = ci95([p[i][k] for p in pairs])
        rows.append(row)
    return pd.DataFrame(rows)
