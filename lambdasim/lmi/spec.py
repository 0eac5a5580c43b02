"""The ``lmi:`` section of a scenario: Lambda Managed Instances for every function.

A capacity provider runs execution environments of ``memory_gb`` (and
``memory_gb / memory_gib_per_vcpu`` vCPUs) on instances of ``instance_type``;
each environment serves up to ``max_concurrency`` requests at once, as many
as its memory (less ``reserve_mb``) holds, and their CPU parts share the
environment's vCPUs (the capacity model of :mod:`lambdasim.servers.capacity`).
An instance hosts ``environments`` of them, what fits in its vCPUs and memory
(:func:`environments`).
The fleet stays within ``[min_instances, max_instances]`` and scales on
utilisation (busy request slots) every ``period_s`` towards
``target_utilization``, at most doubling every ``doubling_time_s`` (the
documented pace: "absorbs traffic doubling within five minutes"). A request
that finds no free slot is throttled (``on_overload: throttle``, as AWS
documents for traffic that outgrows the pace) or waits (``queue``).
"""
from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from lambdasim.billing.catalogue import Catalogue, instance_spec
from lambdasim.errors import CatalogueError
from lambdasim.spec import FloatIn, IntIn, NonNegative, Positive, Spec

__all__ = ["LMISpec", "environments", "check_lmi"]


class LMISpec(Spec):
    """A Lambda Managed Instances capacity provider serving every function."""

    instance_type: str = Field("m7g.large", min_length=1)
    memory_gb: Positive = 2.0  # per execution environment
    memory_gib_per_vcpu: Positive = 2.0  # within the catalogue's range (2-8)
    max_concurrency: IntIn(1, None) = 16  # per environment; at most the catalogue's 1,600
    min_instances: IntIn(0, None) | None = None  # none: the catalogue's default (3)
    max_instances: IntIn(1, None) = 100
    instances: IntIn(1, None) | None = None  # at the start; none: sized to load within the bounds
    target_utilization: FloatIn(0.0, 1.0, lo_open=True) = 0.5
    period_s: Positive = 60.0
    launch_s: NonNegative = 30.0  # instance launch to serving (EC2 boot about 23-29 s, FACTS.md)
    doubling_time_s: Positive | None = None  # none: the catalogue's lmi.doubling_time_s (300 s)
    on_overload: Literal["throttle", "queue"] = "throttle"
    speed_factor: Positive = 1.0  # work on LMI = drawn CPU and waiting time x speed_factor
    working_memory_mb: IntIn(1, 1_000_000) | None = None  # per request in an environment; none: each function's
    reserve_mb: NonNegative = 256.0  # environment memory kept for the language runtime


def environments(vcpu: float, memory_gib: float, spec: LMISpec) -> int:
    """Execution environments that fit on an instance of ``vcpu`` vCPUs and ``memory_gib`` GiB."""
    env_vcpu = spec.memory_gb / spec.memory_gib_per_vcpu
    return int(min(math.floor(vcpu / env_vcpu + 1e-9), math.floor(memory_gib / spec.memory_gb + 1e-9)))


def check_lmi(spec: LMISpec, catalogue: Catalogue) -> None:
    """Raise a CatalogueError naming the field if the catalogue cannot run ``spec`` on its date."""
    catalogue["lmi.management_fee_fraction"]  # LMI exists on this date
    lo, hi = catalogue["lmi.memory_gib_per_vcpu_min"], catalogue["lmi.memory_gib_per_vcpu_max"]
    if not lo <= spec.memory_gib_per_vcpu <= hi:
        raise CatalogueError(f"lmi.memory_gib_per_vcpu must be in [{lo:g}, {hi:g}]; got {spec.memory_gib_per_vcpu:g}.")
    top = catalogue["lmi.max_concurrency_per_environment"]
    if spec.max_concurrency > top:
        raise CatalogueError(f"lmi.max_concurrency must be at most {top:g} per environment; got {spec.max_concurrency}.")
    inst = instance_spec(spec.instance_type, catalogue)
    if environments(inst.vcpu, inst.memory_gib, spec) < 1:
        raise CatalogueError(f"lmi: an environment of {spec.memory_gb:g} GB and "
                             f"{spec.memory_gb / spec.memory_gib_per_vcpu:g} vCPU does not fit on a "
                             f"{spec.instance_type} ({inst.vcpu:g} vCPU, {inst.memory_gib:g} GiB).")
