"""The ``fargate:`` section of a scenario: task size, workers, start delay, scaling, Spot.

A scenario without a ``fargate:`` section gets :class:`FargateSpec` defaults:
1 vCPU / 2 GB x86 tasks, a start delay of about a minute, and a fixed
service sized so that the offered load keeps the binding resource (vCPUs or
request slots) ``servers.scaling.DEFAULT_UTILIZATION`` busy. Requests run on a task as on an
EC2 instance (:mod:`lambdasim.servers.capacity`): the task's memory, less
``reserve_mb``, admits requests of their working memory (capped by
``workers_per_task`` when given) and their CPU parts share the task's vCPUs. The requested ``vcpu`` and
``memory_gb`` are rounded up to the cheapest allowed Fargate size on the
pricing date (``billing.fargate.task_size``); the result shows the size used
and the waste.

Fargate Spot (``spot.share`` > 0): that share of the live tasks (``floor(m ·
share)`` of ``m``; an interrupted one is replaced on Spot) run on Spot at the catalogue's discount. Each Spot
task receives an interruption notice after an exponential time with rate
``spot.interruptions_per_task_hour``; it leaves the load balancer at once, a
replacement is launched, and ``fargate.spot_notice_s`` (2 minutes) later the
task stops: requests still running then are ``requeue``-d (started again
from scratch on another task) or ``lose``-t (counted as interrupted).
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from lambdasim.distributions import Distribution, LogNormal
from lambdasim.servers.scaling import Fixed, Scaling
from lambdasim.spec import FloatIn, IntIn, NonNegative, Positive, Spec

__all__ = ["FargateSpec", "SpotSpec", "DEFAULT_START_DELAY"]

#: Task start (provisioning, image pull, container start): about 53-62 s for a 413 MB image
#: pulled without SOCI (elasticscale.com/blog/reduce-aws-fargate-pull-times-with-soci, 2024-04).
DEFAULT_START_DELAY = LogNormal(median_s=57.0, sigma=0.1)


class SpotSpec(Spec):
    """Which share of the tasks run on Fargate Spot and how interruptions go."""

    share: FloatIn(0.0, 1.0) = 0.0
    interruptions_per_task_hour: NonNegative | None = None  # none: the catalogue's fargate.spot_interruptions_per_hour
    on_interruption: Literal["requeue", "lose"] = "requeue"


class FargateSpec(Spec):
    """An ECS service of one task definition on Fargate serving every function."""

    vcpu: Positive = 1.0
    memory_gb: Positive = 2.0
    arch: Literal["x86_64", "arm64"] = "x86_64"
    ephemeral_storage_gb: Positive = 20.0  # the catalogue says what is free and allowed
    workers_per_task: IntIn(1, 100000) | None = None  # explicit cap on requests at once; none: memory decides
    working_memory_mb: IntIn(1, 1_000_000) | None = None  # per request on a task; none: each function's
    reserve_mb: NonNegative = 256.0  # task memory kept for the language runtime and any sidecar
    start_delay: Distribution = Field(default=DEFAULT_START_DELAY)
    speed_factor: Positive = 1.0  # duration on a task = drawn duration x speed_factor
    queue_limit: IntIn(0, None) | None = None  # waiting requests beyond this are dropped
    request_timeout_s: Positive | None = None  # waiting longer than this: dropped
    scaling: Scaling = Fixed()
    spot: SpotSpec = SpotSpec()
