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

Only options that meet the SLO and are stable count (:func:`~lambdasim.comparison.slo.judge`,
run by run): an option that misses the SLO or is overloaded at a value costs infinity
there, so it never wins. The SLO defaults to "p99 latency no worse than Lambda's + 10 %" at
the same value and seed (as :func:`~lambdasim.comparison.compare.compare` does).

Each replication (a seed shared by both platforms) is first evaluated on the
grid of ``points`` values from ``low`` to ``high`` (the cost curves of the
plot: means with intervals inside the values' range, ``<column>_lo``/``_hi``, from 3 replications); between the first two neighbouring values where the cheaper platform
changes, it is bisected for the sign change of (first - second), down to ``tol``
and then interpolated. The break-even is the mean of the replications' values
with a 95 % t-interval. When a replication has no crossing in [low, high], its
value is nan and ``cheaper`` says which platform won throughout ("neither"
where no option meets the SLO). ``str(result)`` (and ``result.sentence``) says
it all in words.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

import numpy as np

from lambdasim.comparison import fleets
from lambdasim.comparison.replication import Runner, ci95
from lambdasim.comparison.slo import judge
from lambdasim.labels import fmt_metric, label, option_label
from lambdasim.scenario import Scenario, as_scenario
from lambdasim.stats import mean_interval
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
NAMES = {**fleets.PLATFORM_LABELS, "neither": "neither platform"}


@dataclass(frozen=True)
class BreakEven:
    """``value`` (mean over replications, nan without a crossing) and ``ci95`` (half-width);
    ``below``/``above``: the cheaper platform meeting the SLO below and above it (the same
    when there is no crossing); ``sentence`` (also ``str()``): the result in words; ``curves`` for plots."""

    vary: str
    strategy: str
    value: float
    ci95: float
    per_replication: list[float]
    cheaper: list[str]  # per replication: "crosses", or a platform/"neither" over all of [low, high]
    curves: pd.DataFrame = field(repr=False)
    low: float = math.nan
    high: float = math.nan
    slo: dict[str, float] | None = None  # None: Lambda's p99 + 10 % at each value
    below: str = ""
    above: str = ""
    sentence: str = ""
    platforms: tuple[str, str] = ("lambda", "ec2")

    def __str__(self) -> str:
        return self.sentence

    @property
    def crosses(self) -> bool:
        return math.isfinite(self.value)


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

    def slo_at(self, x: float, seed: int) -> dict[str, float]:
        """The SLO given, or Lambda's p99 at this value and seed + 10 %."""
        if self.slo is not None:
            return self.slo
        return {"latency_p99_s": round(1.1 * self.runner.run(self.at(x), "lambda", seed)["latency_p99_s"], 6)}

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
            n = size_fleet(sc.with_overrides({"seed": seed}), self.slo_at(x, seed), platform=platform,
                           target_tracking=False, runner=one).instances
            self._sized[key] = fleets.with_fixed(sc, platform, n) if n else None
        return self._sized[key]

    def pair(self, x: float, seed: int) -> tuple[dict, dict]:
        """Both platforms' metrics, each with ``meets_slo``; a fleet has no metrics when none meets the SLO."""
        slo = self.slo_at(x, seed)
        out = []
        for p in self.platforms:
            v = self.variant(p, x, seed)
            if v is None:
                out.append(None)
                continue
            m = dict(self.runner.run(v, p, seed))
            m["meets_slo"] = judge({**m, "replications": 1}, slo)["meets_slo"]
            out.append(m)
        blank = {k: math.nan for k in next((m for m in out if m is not None), {KEY: 0.0})}
        a, b = ({**blank, "meets_slo": False} if m is None else m for m in out)
        return a, b

    def diff(self, x: float, seed: int) -> float:
        """First's minus second's cost per million, an option failing the SLO costing infinity (nan: both fail)."""
        first, second = self.pair(x, seed)
        a = first[KEY] if first["meets_slo"] else math.inf
        b = second[KEY] if second["meets_slo"] else math.inf
        return math.nan if a == b == math.inf else a - b


def _winner(d: float, platforms: tuple[str, str] = ("lambda", "ec2")) -> str:
    return "neither" if math.isnan(d) else platforms[0] if d < 0 else platforms[1] if d > 0 else "equal"


def break_even(scenario: Scenario | str | dict, vary: str = "functions.0.workload.rate_per_s", *, low: float,
               high: float, strategy: str = "configured", replications: int = 3, slo: dict[str, float] | None = None,
               tol: float | None = None, rtol: float = 0.0, points: int = 7, log: bool | None = None,
               runner: Runner | None = None, platforms: tuple[str, str] = ("lambda", "ec2")) -> BreakEven:
    """Where two platforms (server fleets sized by ``strategy``) cost the same per million requests, counting
    only options that meet the SLO (default: Lambda's p99 + 10 % at each value) and are stable.

    The bisection stops when its bracket is at most ``tol`` wide (default (high - low) / 200) or at most
    ``rtol`` times its lower end."""
    sc = as_scenario(scenario)
    strategy = ALIASES.get(strategy, strategy)
    if strategy not in EC2_STRATEGIES:
        raise ValueError(f"strategy must be one of configured, slo, autoscaled. Got {strategy!r} instead.")
    platforms = tuple(platforms)
    if len(platforms) != 2 or platforms[0] == platforms[1] or any(p not in PLATFORMS for p in platforms):
        raise ValueError(f"platforms must be two different platforms among {', '.join(PLATFORMS)}. "
                         f"Got {platforms!r} instead.")
    if not 0 < low < high:
        raise ValueError(f"low and high must satisfy 0 < low < high. Got low={low!r}, high={high!r} instead.")
    if not (isinstance(points, int) and points >= 2):
        raise ValueError(f"points must be an int >= 2. Got {points!r} instead.")
    tol = tol if tol is not None else (high - low) / 200
    runner = runner or Runner(replications)
    costs = _Costs(sc, vary, strategy, slo, runner, platforms)
    log = high / low >= 10 if log is None else log
    xs = [float(x) for x in (np.geomspace(low, high, points) if log else np.linspace(low, high, points))]
    xs[0], xs[-1] = low, high
    values, cheaper, sides = [], [], []
    for seed in runner.seeds(sc):
        x, who, side = _crossing(lambda v: costs.diff(v, seed), xs, tol, rtol, platforms)
        values.append(x)
        cheaper.append(who)
        sides.append(side)
    mean, half = ci95(values)
    curves = _curves(costs, xs)
    below, above = (Counter(s).most_common(1)[0][0] for s in zip(*sides))
    be = BreakEven(vary, strategy, mean, half, values, cheaper, curves, low, high, slo, below, above,
                   platforms=platforms)
    return BreakEven(**{**be.__dict__, "sentence": _sentence(be)})


def _crossing(f, xs: list[float], tol: float, rtol: float,
              platforms: tuple[str, str] = ("lambda", "ec2")) -> tuple[float, str, tuple[str, str]]:
    """The first value where the cheaper platform changes from one to the other, the replication's
    "cheaper" entry, and the winners (below, above); nan, the winner throughout, when none changes."""
    d = [f(x) for x in xs]
    w = [_winner(v, platforms) for v in d]
    for i in range(len(xs) - 1):
        if {w[i], w[i + 1]} <= {*platforms, "equal"} and w[i] != w[i + 1]:
            if w[i] == "equal":
                return xs[i], "crosses", (w[i + 1], w[i + 1])
            x = _bisect(f, xs[i], xs[i + 1], d[i], d[i + 1], tol, rtol)
            return x, "crosses", (w[i], w[i + 1])
    ranked = [v for v in w if v in platforms]
    who = Counter(ranked).most_common(1)[0][0] if ranked else "neither"
    return math.nan, who, (who, who)


def _bisect(f, lo: float, hi: float, f_lo: float, f_hi: float, tol: float, rtol: float) -> float:
    while hi - lo > max(tol, rtol * lo):
        mid = (lo + hi) / 2
        f_mid = f(mid)
        if math.isnan(f_mid) or f_mid == 0:
            return mid
        if np.sign(f_mid) == np.sign(f_lo):
            lo, f_lo = mid, f_mid
        else:
            hi, f_hi = mid, f_mid
    if math.isinf(f_lo) or math.isinf(f_hi):
        return (lo + hi) / 2  # an SLO failure on one side: the change lies between, no slope to follow
    return lo - f_lo * (hi - lo) / (f_hi - f_lo)


def _unit(vary: str) -> str:
    return " req/s" if vary.endswith("rate_per_s") else f" ({vary})"


def _sentence(be: BreakEven) -> str:
    """The result in words: the crossing and who wins on each side, or who wins throughout, and where an
    option fails the SLO."""
    u, c = _unit(be.vary), be.curves
    slo = ("the SLO (" + ", ".join(f"{label(k)} <= {fmt_metric(k, v)}" for k, v in be.slo.items()) + ")" if be.slo
           else "the SLO (p99 within 10 % of Lambda's)")
    name = {**NAMES, **{p: option_label(p, be.strategy) for p in be.platforms}}
    n = len(be.per_replication)
    if be.crosses:
        interval = f" ± {be.ci95:.2g}" if math.isfinite(be.ci95) else ""
        crossed = sum(math.isfinite(v) for v in be.per_replication)
        text = (f"Break-even at {be.value:.3g}{interval}{u} ({crossed} of {n} replications cross): among options "
                f"meeting {slo}, {name[be.below]} is cheaper below it and {name[be.above]} above it.")
    elif be.below == "neither":
        text = f"No break-even between {be.low:g} and {be.high:g}{u}: neither platform meets {slo} there."
    else:
        text = (f"No break-even between {be.low:g} and {be.high:g}{u}: {name[be.below]} is cheaper throughout "
                f"among options meeting {slo}.")
    fails = []
    for plat in be.platforms:
        bad = c.loc[c[f"{plat}_meets_slo"] < 0.5, "x"]
        if len(bad):
            fails.append(f"{name[plat]} misses the SLO or is overloaded at " +
                         ", ".join(f"{x:.3g}" for x in bad) + u)
    text += " " + "; ".join(fails) + "." if fails else ""
    grid = _grid_winners(be)
    if sum(a != b for a, b in zip(grid, grid[1:])) > 1:  # the winner changes more than once on the grid
        runs, start = [], 0
        for i in range(1, len(grid) + 1):
            if i == len(grid) or grid[i] != grid[start]:
                runs.append(f"{name[grid[start]]} at " + ", ".join(f"{x:.3g}" for x in c["x"][start:i]))
                start = i
        text += " Cheapest meeting the SLO at each value tried (mean over replications): " + "; ".join(runs) + u + "."
    return text


def _grid_winners(be: BreakEven) -> list[str]:
    """The cheaper platform meeting the SLO at each grid value, on the means over the replications (an option
    counts where it meets the SLO in at least half of them)."""
    c, out = be.curves, []
    first, second = be.platforms
    for _, r in c.iterrows():
        a = r[f"{first}_{KEY}"] if r[f"{first}_meets_slo"] >= 0.5 else math.inf
        b = r[f"{second}_{KEY}"] if r[f"{second}_meets_slo"] >= 0.5 else math.inf
        out.append(_winner(math.nan if a == b == math.inf else a - b, be.platforms))
    return out


def _curves(costs: _Costs, xs: list[float]) -> pd.DataFrame:
    import pandas as pd
    rows: list[dict[str, Any]] = []
    for x in xs:
        pairs = [costs.pair(x, s) for s in costs.runner.seeds(costs.sc)]
        row: dict[str, Any] = {"x": float(x)}
        for i, plat in enumerate(costs.platforms):
            for k in (KEY, "latency_p99_s", "mean_instances"):  # intervals inside the values' range (stats.py)
                m, lo, hi = row[f"{plat}_{k}"], row[f"{plat}_{k}_lo"], row[f"{plat}_{k}_hi"] = \
                    mean_interval([p[i][k] for p in pairs])
                row[f"{plat}_{k}_ci95"] = max(m - lo, hi - m)  # nan below 3 replications
            row[f"{plat}_meets_slo"] = float(np.mean([p[i]["meets_slo"] for p in pairs]))  # share of replications
        rows.append(row)
    return pd.DataFrame(rows)
