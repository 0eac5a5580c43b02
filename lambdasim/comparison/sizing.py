"""SLO sizing: the cheapest server fleet (EC2, Fargate or LMI) that meets a latency objective.

:func:`size_fleet` (``platform="ec2"``, ``"fargate"`` or ``"lmi"``; :func:`size_ec2`
is it for EC2) finds, by simulation on the scenario's own arrivals,

- the smallest fixed fleet meeting the SLO (a fixed fleet's cost grows with
  its size, so the smallest is the cheapest): from the smallest stable
  fleet (offered load < workers), steps of 1, 2, 4, ... until one meets it,
  then bisection between the last miss and the first hit;
- the cheapest utilisation target for target tracking: a bisection for the
  highest target in [0.05, 0.95] meeting the SLO, and of every target tried
  that met it, the one whose simulated bill was lowest.

An SLO is a mapping of summary metrics to upper bounds, e.g.
``{"latency_p99_s": 0.5}``; a configuration meets it when the mean over
the replications of each metric is at most its bound. The search gives up
(``instances=None``) when adding instances stops improving the metrics
(the SLO is below what the work itself takes) or after ``max_instances``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

from lambdasim.comparison import fleets
from lambdasim.comparison.fleets import TARGET_RANGE
from lambdasim.comparison.replication import METRICS, Runner
from lambdasim.scenario import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["size_ec2", "size_fleet", "Sizing", "with_scaling", "meets", "tracking_policy", "first_tries"]


@dataclass(frozen=True)
class Sizing:
    """The outcome of :func:`size_ec2`; ``tried`` lists every configuration evaluated."""

    slo: dict[str, float]
    instances: int | None
    fixed: dict[str, float] | None
    target: float | None
    autoscaled: dict[str, float] | None
    tried: pd.DataFrame = field(repr=False)
    why: str = ""  # when nothing met the SLO: why, in words
    platform: str = "ec2"

    def __str__(self) -> str:
        if self.instances is None:
            return f"No fixed fleet meets the SLO: {self.why}"
        return f"Smallest fixed fleet meeting the SLO: {self.instances} instances" + (
            f"; cheapest tracking target {self.target:g}" if self.target is not None else "")


def with_scaling(sc: Scenario, scaling: dict[str, Any]) -> Scenario:
    """The scenario with ``ec2.scaling`` replaced."""
    return sc.with_overrides({"ec2.scaling": scaling}, source=f"scenario {sc.name!r} with ec2.scaling={scaling}")


def meets(metrics: dict[str, float], slo: dict[str, float]) -> bool:
    """Every bound holds and nothing was dropped or throttled (a fleet that sheds load is not sized to it)."""
    return all(metrics[k] <= v for k, v in slo.items()) and not metrics.get("dropped", 0) > 0


def _check_slo(slo: dict[str, float]) -> dict[str, float]:
    if not slo:
        raise ValueError("slo must name at least one metric bound, e.g. {'latency_p99_s': 0.5}.")
    for k, v in slo.items():
        if k not in METRICS:
            raise ValueError(f"slo keys must be among {', '.join(METRICS)}. Got {k!r} instead.")
        if not (isinstance(v, (int, float)) and v >= 0):
            raise ValueError(f"slo[{k!r}] must be a number >= 0. Got {v!r} instead.")
    return {k: float(v) for k, v in slo.items()}


def tracking_policy(sc: Scenario, target: float) -> dict[str, Any]:
    """EC2 target tracking on utilisation at ``target`` (:func:`lambdasim.comparison.fleets.tracking_policy`)."""
    return fleets.tracking_policy(sc, target, "ec2")


def size_ec2(scenario: Scenario, slo: dict[str, float] | None = None, replications: int = 1, *,
             target_tracking: bool = True, max_instances: int | None = None, tol: float = 0.02,
             runner: Runner | None = None) -> Sizing:
    """The cheapest fixed EC2 fleet (and target-tracking target) meeting ``slo`` (default p99 <= 0.5 s)."""
    return size_fleet(scenario, slo, replications, platform="ec2", target_tracking=target_tracking,
                      max_instances=max_instances, tol=tol, runner=runner)


def size_fleet(scenario: Scenario, slo: dict[str, float] | None = None, replications: int = 1, *,
               platform: str = "ec2", target_tracking: bool = True, max_instances: int | None = None,
               tol: float = 0.02, runner: Runner | None = None) -> Sizing:
    """The cheapest fixed fleet (and utilisation target) of ``platform`` meeting ``slo`` (default p99 <= 0.5 s).

    ``platform`` is ``"ec2"`` (instances), ``"fargate"`` (tasks) or ``"lmi"`` (managed instances; its
    target is ``lmi.target_utilization``).
    """
    import pandas as pd
    fleets.check_platform(platform)
    slo = _check_slo(slo if slo is not None else {"latency_p99_s": 0.5})
    runner = runner or Runner(replications)
    rows: list[dict[str, Any]] = []

    def evaluate(policy: str, variant: Scenario, setting: float) -> dict[str, float]:
        runner.prefetch([(variant, platform)])  # its replications side by side, when the runner has workers
        m = runner.mean(variant, platform)
        rows.append({"policy": policy, "setting": setting, **{k: m[k] for k in slo}, "mean_instances":
                     m["mean_instances"], "cost_usd": m["cost_usd"], "meets": meets(m, slo)})
        return m

    n, fixed = _smallest_fleet(scenario, platform, slo, evaluate, max_instances)
    target = autoscaled = None
    if target_tracking:
        target, autoscaled = _best_target(scenario, platform, slo, evaluate, tol)
    tried = pd.DataFrame(rows)
    why = "" if n is not None else _why(scenario, platform, slo, tried)
    return Sizing(slo, n, fixed, target, autoscaled, tried, why, platform)


def _why(sc: Scenario, platform: str, slo: dict[str, float], tried: pd.DataFrame) -> str:
    """Why no fixed fleet met the SLO: the best value reached for each failing bound, and the work's own time."""
    fixed = tried[tried["policy"] == "fixed"]
    cap = fleets.capacity(sc, platform)
    work = cap.mean_cpu_s + cap.mean_wait_s
    parts = []
    for k, bound in slo.items():
        best = float(fixed[k].min()) if len(fixed) else math.nan
        if not best <= bound:
            parts.append(f"{k} <= {bound:g} was never reached; the best, {best:.4g}, came with "
                         f"{int(fixed.loc[fixed[k].idxmin(), 'setting'])} instances and more instances stopped helping")
    text = "; ".join(parts) or "the search stopped at max_instances"
    if any(k.startswith("latency") for k in slo) and min(slo.get(k, math.inf) for k in slo if k.startswith("latency")) < work:
        text += (f". The SLO is below the service time itself: one request alone takes {work:.3g} s on average "
                 f"({cap.mean_cpu_s:.3g} s of CPU at a full vCPU + {cap.mean_wait_s:.3g} s of waiting)")
    return text


def _stable(sc: Scenario, platform: str) -> int:
    """The smallest stable fleet (offered load < instances): where the fixed-fleet search starts."""
    return math.floor(fleets.offered_load(sc, platform)) + 1


def first_tries(sc: Scenario, platform: str = "ec2", target_tracking: bool = True) -> list[Scenario]:
    """The configurations :func:`size_fleet` runs first whatever the SLO: the smallest stable fixed
    fleet and, with target tracking, the highest target. A caller that knows the SLO only later runs
    them ahead, beside its other runs (:meth:`~lambdasim.comparison.replication.Runner.prefetch`)."""
    tries = [fleets.with_fixed(sc, platform, _stable(sc, platform))]
    if target_tracking:
        tries.append(fleets.with_target(sc, platform, TARGET_RANGE[1]))
    return tries


def _smallest_fleet(sc, platform, slo, evaluate, max_instances):
    stable = _stable(sc, platform)
    cap = max_instances or max(4 * stable, stable + 64)
    cache: dict[int, dict[str, float]] = {}

    def at(n: int) -> dict[str, float]:
        if n not in cache:
            cache[n] = evaluate("fixed", fleets.with_fixed(sc, platform, n), n)
        return cache[n]

    miss, n, step = None, stable, 1
    while not meets(at(n), slo):
        stalled = (miss is not None and all(at(n)[k] >= 0.99 * at(miss)[k] for k in slo)
                   and not at(n).get("dropped", 0) < at(miss).get("dropped", 0))  # fewer drops: still helping
        if n >= cap or stalled:  # more instances no longer help: the SLO is out of reach
            return None, None
        miss, n, step = n, min(n + step, cap), step * 2
    if miss is not None:
        lo, hi = miss, n
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if meets(at(mid), slo) else (mid, hi)
        n = hi
    return n, at(n)


def _best_target(sc, platform, slo, evaluate, tol):
    lo, hi = TARGET_RANGE
    ok: dict[float, dict[str, float]] = {}

    def at(t: float) -> bool:
        m = evaluate("target_tracking", fleets.with_target(sc, platform, t), round(t, 4))
        if meets(m, slo):
            ok[round(t, 4)] = m
            return True
        return False

    if not at(hi) and at(lo):
        while hi - lo > tol:
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if at(mid) else (lo, mid)
    if not ok:
        return None, None
    best = min(ok, key=lambda t: (ok[t]["cost_usd"], -t))
    return best, ok[best]
