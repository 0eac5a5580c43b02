"""The ``ec2:`` section of a scenario: instance type, workers, boot, scaling.

A scenario without an ``ec2:`` section gets :class:`EC2Spec` defaults: an
m5.large fleet whose capacity follows from the work (memory admission,
processor-shared vCPUs: :mod:`lambdasim.servers.capacity`), 30 s boot, and a
fixed fleet sized so that the offered load keeps the binding resource
``DEFAULT_UTILIZATION`` busy (``scaling: {policy: fixed}`` with no
``instances``). So ``compare`` works on any scenario.

Scaling policies (``ec2.scaling``) live in :mod:`lambdasim.servers.scaling`, shared by every
server platform; they are re-exported here.
"""
from __future__ import annotations

import math

from pydantic import Field

from lambdasim.servers.scaling import (Fixed, Scaling, Scheduled, ScheduledAction, Step, StepScaling,
                                       TargetTracking)
from lambdasim.spec import IntIn, NonNegative, Positive, Spec

__all__ = ["EC2Spec", "Fixed", "TargetTracking", "StepScaling", "Scheduled", "ScheduledAction", "Step",
           "Scaling", "DEFAULT_UTILIZATION", "sized_to_load"]

#: Worker utilisation a fleet is sized to when no instance count is given.
DEFAULT_UTILIZATION = 0.7


class EC2Spec(Spec):
    """A load-balanced fleet of one instance type serving every function."""

    instance_type: str = Field("m5.large", min_length=1)
    workers_per_instance: IntIn(1, 100000) | None = None  # explicit cap on requests at once; none: memory decides
    working_memory_mb: IntIn(1, 1_000_000) | None = None  # per request on an instance; none: each function's
    reserve_mb: NonNegative = 512.0  # instance memory kept for the OS, agents and runtime (servers/capacity.py)
    boot_s: NonNegative = 30.0  # FACTS.md: about 23-29 s from API call to SSH
    warmup_s: NonNegative = 0.0  # application warm-up after boot, before serving
    speed_factor: Positive = 1.0  # work on EC2 = drawn CPU and waiting time x speed_factor
    queue_limit: IntIn(0, None) | None = None  # waiting requests beyond this are dropped
    request_timeout_s: Positive | None = None  # waiting longer than this: dropped
    load_balancer: bool = False  # bill an application load balancer
    scaling: Scaling = Fixed()


def sized_to_load(load_in_instances: float, utilization: float = DEFAULT_UTILIZATION) -> int:
    """Instances that keep an offered load of ``load_in_instances`` at ``utilization`` (at least 1)."""
    return max(1, math.ceil(load_in_instances / utilization - 1e-9))

