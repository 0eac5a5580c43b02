"""The ``ec2:`` section of a scenario: instance type, workers, boot, scaling.

A scenario without an ``ec2:`` section gets :class:`EC2Spec` defaults: an
m5.large fleet whose capacity follows from the work (memory admission,
processor-shared vCPUs: :mod:`lambdasim.servers.capacity`), 30 s boot, and a
fixed fleet sized so that the offered load keeps the binding resource
``servers.scaling.DEFAULT_UTILIZATION`` busy (``scaling: {policy: fixed}`` with no
``instances``). So ``compare`` works on any scenario.

EC2 Spot (``spot.share`` > 0): that share of the live instances (``floor(m ·
share)`` of ``m``; an interrupted one is replaced on Spot) run on Spot at ``spot.discount`` off on-demand (the
catalogue's ``ec2.spot_discount`` unless given). Each Spot instance
receives an interruption notice after an exponential time with rate
``spot.interruptions_per_instance_hour``; it leaves the load balancer at
once, the group launches a replacement, and ``ec2.spot_notice_s`` (2
minutes) later it stops: requests still running then are ``requeue``-d
(started again from scratch on another instance) or lost (``lose``,
counted as interrupted). The process is :mod:`lambdasim.servers.spot`,
shared with Fargate Spot.

Scaling policies (``ec2.scaling``) live in :mod:`lambdasim.servers.scaling`, shared by every
server platform; they are re-exported here.
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from lambdasim.billing.catalogue import Catalogue, check_discount
from lambdasim.errors import CatalogueError
from lambdasim.servers.scaling import (Fixed, Scaling, Scheduled, ScheduledAction, Step, StepScaling,
                                       TargetTracking)
from lambdasim.spec import FloatIn, IntIn, NonNegative, Positive, Spec

__all__ = ["EC2Spec", "EC2SpotSpec", "spot_problem", "Fixed", "TargetTracking", "StepScaling", "Scheduled", "ScheduledAction", "Step",
           "Scaling"]

class EC2SpotSpec(Spec):
    """Which share of the instances run on EC2 Spot, how often they are interrupted, and at what discount."""

    share: FloatIn(0.0, 1.0) = 0.0
    interruptions_per_instance_hour: NonNegative | None = None  # none: the catalogue's ec2.spot_interruptions_per_hour
    on_interruption: Literal["requeue", "lose"] = "requeue"
    discount: FloatIn(0.0, 1.0) | None = None  # fraction off on-demand; none: the catalogue's ec2.spot_discount


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
    spot: EC2SpotSpec = EC2SpotSpec()


def spot_problem(spot: EC2SpotSpec, purchase: str, catalogue: Catalogue) -> str | None:
    """Why this ``ec2.spot`` section cannot run with the pricing section's ``ec2_purchase`` and catalogue, else None."""
    if spot.share > 0 and purchase == "spot":
        return ("must not combine ec2.spot (a share of Spot instances, interrupted) with pricing.ec2_purchase: spot "
                "(the whole fleet at a flat Spot discount, never interrupted); use one of them")
    try:
        catalogue["ec2.spot_notice_s"]
        discount = catalogue["ec2.spot_discount"] if spot.discount is None else spot.discount
        check_discount("ec2.spot.discount", "spot", discount, catalogue, required=True)
    except CatalogueError as exc:
        return f"has an ec2.spot section the price catalogue cannot run: {str(exc).rstrip('.')}"
    return None
