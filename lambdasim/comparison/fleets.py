"""The knobs of a server platform's fleet (EC2, Fargate, LMI), one home for sizing, break-even, compare and hybrids.

Each server platform sizes its fleet in its own section: ``ec2.scaling`` and
``fargate.scaling`` take a policy (``fixed`` with ``instances``, or
``target_tracking``); ``lmi`` takes ``min_instances``/``max_instances``
(equal: a fixed fleet) and ``target_utilization``. These helpers set a fixed
size or a utilisation target the same way on every platform, and say what
one instance (task, LMI instance) can do for the work.
"""
from __future__ import annotations

from typing import Any

from lambdasim.billing.catalogue import load_catalogue
from lambdasim.ec2.model import ec2_capacity, initial_instances as ec2_initial
from lambdasim.servers.scaling import TargetTracking, sized_to_load
from lambdasim.fargate.model import fargate_capacity, initial_tasks
from lambdasim.lmi.model import environment_capacity, environments_per_instance, initial_instances as lmi_initial
from lambdasim.lmi.model import offered_load as lmi_load
from lambdasim.scenario import Scenario
from lambdasim.servers.capacity import Capacity

__all__ = ["SERVER_PLATFORMS", "PLATFORM_LABELS", "capacity", "offered_load", "initial", "with_fixed", "with_target", "target_overrides",
           "tracking_policy", "describe", "check_platform"]

SERVER_PLATFORMS = ("ec2", "fargate", "lmi")
PLATFORM_LABELS = {"lambda": "Lambda", "ec2": "EC2", "fargate": "Fargate", "lmi": "LMI", "hybrid": "Hybrid"}
#: Utilisation targets a sizing search tries, and the floor used to bound a target-tracking fleet.
TARGET_RANGE = (0.05, 0.95)


def check_platform(platform: str, allowed: tuple[str, ...] = SERVER_PLATFORMS) -> str:
    if platform not in allowed:
        raise ValueError(f"platform must be one of {', '.join(allowed)}. Got {platform!r} instead.")
    return platform


def capacity(sc: Scenario, platform: str) -> Capacity:
    """What one server of ``platform`` can do for the work (for LMI: one execution environment)."""
    check_platform(platform)
    return {"ec2": ec2_capacity, "fargate": fargate_capacity, "lmi": environment_capacity}[platform](sc)


def offered_load(sc: Scenario, platform: str) -> float:
    """The offered load in instances' (tasks', LMI instances') worth of capacity."""
    if check_platform(platform) == "lmi":
        return lmi_load(sc)
    return capacity(sc, platform).load_in_instances()


def initial(sc: Scenario, platform: str) -> int:
    """The fleet at time 0 as the scenario configures it."""
    check_platform(platform)
    if platform == "ec2":
        return ec2_initial(sc)
    if platform == "fargate":
        return initial_tasks(sc)
    return lmi_initial(sc, load_catalogue(sc.pricing))


def with_fixed(sc: Scenario, platform: str, n: int) -> Scenario:
    """The scenario with a fixed fleet of ``n`` on ``platform``."""
    if check_platform(platform) == "lmi":
        over: dict[str, Any] = {"lmi.min_instances": n, "lmi.max_instances": n, "lmi.instances": None}
    else:
        over = {f"{platform}.scaling": {"policy": "fixed", "instances": n}}
    return sc.with_overrides(over, source=f"scenario {sc.name!r} with a fixed fleet of {n} on {platform}")


def tracking_policy(sc: Scenario, target: float, platform: str = "ec2") -> dict[str, Any]:
    """Target tracking on utilisation at ``target``: the section's own settings if it tracks, else defaults."""
    p = getattr(sc, check_platform(platform, ("ec2", "fargate"))).scaling
    base = p if isinstance(p, TargetTracking) and p.metric == "utilization" else TargetTracking()
    hi = max(base.max, 2 * sized_to_load(offered_load(sc, platform), TARGET_RANGE[0]))
    return {"policy": "target_tracking", "metric": "utilization", "target": round(target, 4),
            "period_s": base.period_s, "scale_out_cooldown_s": base.scale_out_cooldown_s,
            "scale_in_cooldown_s": base.scale_in_cooldown_s, "min": base.min, "max": hi}


def with_target(sc: Scenario, platform: str, target: float) -> Scenario:
    """The scenario with ``platform``'s fleet tracking utilisation ``target``."""
    return sc.with_overrides(target_overrides(sc, platform, target),
                             source=f"scenario {sc.name!r} with {platform} tracking utilisation {target:g}")


def target_overrides(sc: Scenario, platform: str, target: float) -> dict[str, Any]:
    """The section's fields that make ``platform``'s fleet track utilisation ``target`` (bounds from ``sc``'s load)."""
    if check_platform(platform) == "lmi":
        spec = sc.lmi
        hi = max(spec.max_instances, 2 * sized_to_load(offered_load(sc, "lmi"), TARGET_RANGE[0]))
        lo = spec.min_instances if spec.min_instances is not None and spec.min_instances < hi else None
        over: dict[str, Any] = {"lmi.target_utilization": round(target, 4), "lmi.max_instances": hi,
                                "lmi.min_instances": lo, "lmi.instances": None}
    else:
        over = {f"{platform}.scaling": tracking_policy(sc, target, platform)}
    return over


def describe(sc: Scenario, platform: str) -> str:
    """A short text for a fleet: "fixed 15 x m5.large", "target_tracking utilization 0.6 [1, 100], Fargate task ..."."""
    check_platform(platform)
    if platform == "lmi":
        spec = sc.lmi
        envs = environments_per_instance(sc)
        kind = (f"{spec.instance_type} ({envs} environments of {spec.memory_gb:g} GB x "
                f"{capacity(sc, 'lmi').slots} requests)")
        lo = spec.min_instances
        if lo is not None and lo == spec.max_instances:
            return f"fixed {initial(sc, 'lmi')} x {kind}"
        return f"tracking {spec.target_utilization:g} [{'default' if lo is None else lo}, {spec.max_instances}], {kind}"
    section = getattr(sc, platform)
    cap = capacity(sc, platform)
    workers = section.workers_per_instance if platform == "ec2" else section.workers_per_task
    kind = (section.instance_type if platform == "ec2" else cap.instance_type) + (
        "" if workers is None else f" x{workers} workers")
    p = section.scaling
    if p.policy == "fixed":
        return f"fixed {initial(sc, platform)} x {kind}"
    if p.policy == "target_tracking":
        return f"target_tracking {p.metric} {p.target:g} [{p.min}, {p.max}], {kind}"
    return f"{p.policy} from {initial(sc, platform)}, {kind}"
