"""Lambda Managed Instances as a SimPy model on the shared server fleet, on the same arrivals.

An instance hosts ``environments`` execution environments
(:func:`lambdasim.lmi.spec.environments`); each admits up to
``max_concurrency`` requests (fewer if its memory holds fewer) and shares
its vCPUs among their CPU parts (:mod:`lambdasim.servers.capacity`; a
request uses at most one vCPU, or the environment's share if it has less).
The fleet runs an instance as one server of every environment's slots and
vCPUs, its requests spread over them by the least-loaded rule, so sharing
is pooled across an instance's environments. There is no per-request cold
start (LMI starts environments before it routes to them). The fleet
starts with ``instances`` (else sized to the offered load at the target
utilisation, within the bounds), is scaled by :class:`PacedScaler` (target
tracking on slot utilisation, never more than doubling in
``doubling_time_s``) and new instances serve after ``launch_s``. With
``on_overload: throttle`` the queue holds nothing: a request without a free
slot is throttled (status ``throttled``).

The fleet's CPU runs in units of one request's top speed ``top = min(1,
environment vCPUs)``: CPU seconds are divided by ``top`` and the vCPUs too,
so each request advances at ``min(top, vCPUs / n)`` real vCPU, exactly.
"""
from __future__ import annotations

import math

from lambdasim.billing.catalogue import Catalogue, instance_spec, load_catalogue
from lambdasim.lmi.spec import LMISpec, check_lmi, environments
from lambdasim.scenario import Scenario
from lambdasim.servers.autoscaler import Autoscaler
from lambdasim.servers.capacity import Capacity, server_capacity
from lambdasim.servers.driver import ServerModel
from lambdasim.servers.fleet import Fleet
from lambdasim.servers.scaling import Fixed, TargetTracking, sized_to_load

__all__ = ["LMIModel", "PacedScaler", "environment_capacity", "environments_per_instance", "offered_load",
           "initial_instances"]


def environment_capacity(scenario: Scenario) -> Capacity:
    """What one execution environment can do for this scenario's work."""
    spec = scenario.lmi
    return server_capacity(scenario.functions, scenario.horizon_s,
                           instance_type=f"LMI environment of {spec.memory_gb:g} GB on {spec.instance_type}",
                           vcpu=spec.memory_gb / spec.memory_gib_per_vcpu, memory_gib=spec.memory_gb,
                           reserve_mb=spec.reserve_mb, workers=spec.max_concurrency, speed_factor=spec.speed_factor,
                           working_memory_mb=spec.working_memory_mb, section="lmi")


def environments_per_instance(scenario: Scenario, catalogue: Catalogue | None = None) -> int:
    inst = instance_spec(scenario.lmi.instance_type, catalogue or load_catalogue(scenario.pricing))
    return environments(inst.vcpu, inst.memory_gib, scenario.lmi)


def offered_load(scenario: Scenario, catalogue: Catalogue | None = None) -> float:
    """The offered load in instances' worth of capacity (the binding resource: vCPUs or slots)."""
    return environment_capacity(scenario).load_in_instances() / environments_per_instance(scenario, catalogue)


def initial_instances(scenario: Scenario, catalogue: Catalogue) -> int:
    """Instances at time 0: ``lmi.instances``, else sized to the offered load at the target, within the bounds."""
    spec = scenario.lmi
    lo, hi = _bounds(spec, catalogue)
    if lo == hi:
        return max(lo, 1)
    if spec.instances is not None:
        return spec.instances
    return min(max(sized_to_load(offered_load(scenario, catalogue), spec.target_utilization), lo), hi)


def _bounds(spec: LMISpec, catalogue: Catalogue) -> tuple[int, int]:
    lo = spec.min_instances if spec.min_instances is not None else int(catalogue["lmi.default_min_instances"])
    return lo, max(lo, spec.max_instances)


class PacedScaler(Autoscaler):
    """Target tracking that never more than doubles the fleet in ``doubling_s``."""

    def __init__(self, env, fleet, policy, doubling_s: float):
        super().__init__(env, fleet, policy)
        self.growth = 2.0 ** (policy.period_s / doubling_s) if hasattr(policy, "period_s") else math.inf

    def wanted(self, m: float) -> int | None:
        want = super().wanted(m)
        if want is None:
            return None
        return min(want, max(math.ceil(self.fleet.active * self.growth - 1e-9), self.lo))


class LMIModel(ServerModel):
    def __init__(self, scenario: Scenario, catalogue: Catalogue, keep_records: bool = True):
        spec = scenario.lmi
        check_lmi(spec, catalogue)
        self.capacity = environment_capacity(scenario)
        self.environments = environments_per_instance(scenario, catalogue)
        self.slots = self.environments * self.capacity.slots
        self.top = min(1.0, self.capacity.vcpu)  # one request's top speed, in vCPUs
        super().__init__(scenario, spec.speed_factor, keep_records, cpu_unit=self.top)
        lo, hi = _bounds(spec, catalogue)
        start = initial_instances(scenario, catalogue)
        if lo == hi:
            policy = Fixed(instances=start)
        else:
            policy = TargetTracking(target=spec.target_utilization, period_s=spec.period_s, min=max(lo, 1), max=hi,
                                    instances=start, scale_out_cooldown_s=0.0)
        # no request timeout, so nothing is ever purged; with on_overload: throttle the queue holds nothing and a
        # request without a free slot is throttled (status throttled)
        self.fleet = Fleet(self.slots, spec.launch_s, None, 0 if spec.on_overload == "throttle" else None,
                           vcpu=self.environments * self.capacity.vcpu / self.top)
        for _ in range(start):
            self.fleet.launch(0.0, booted=True)
        doubling = spec.doubling_time_s or catalogue["lmi.doubling_time_s"]
        self.autoscaler = PacedScaler(self.env, self.fleet, policy, doubling)
