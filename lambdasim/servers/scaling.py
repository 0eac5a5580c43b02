"""Scaling policies of a server fleet (``scaling:`` in a server platform's section), shared by every server platform.

Policies (``scaling.policy``):

- ``fixed``: ``instances`` for the whole horizon (none given: sized to load);
- ``target_tracking``: keep ``metric`` near ``target``, evaluated every
  ``period_s``, with cooldowns, ``min`` and ``max``;
- ``step``: add or remove instances by ``steps`` on alarm thresholds;
- ``scheduled``: ``instances`` at the start, then the ``schedule``.

Every policy accepts a ``schedule`` (a list of ``{at_s, desired}`` actions,
optionally changing ``min``/``max``), so schedules combine with the others.
:class:`~lambdasim.servers.autoscaler.Autoscaler` runs them.
:func:`initial_count` sizes a fleet at time 0 when the policy gives no
``instances`` (the one rule for EC2 instances and Fargate tasks).
"""
from __future__ import annotations

import math
from typing import Annotated, Any, Callable, Literal, Union

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from lambdasim.errors import register_tags
from lambdasim.spec import IntIn, NonNegative, Positive, Spec
from lambdasim.workload.kinds import mean_rate_per_s

__all__ = ["Fixed", "TargetTracking", "StepScaling", "Scheduled", "ScheduledAction", "Step", "Scaling", "Metric",
           "DEFAULT_UTILIZATION", "sized_to_load", "initial_count"]

#: Utilisation of the binding resource (vCPUs or request slots) a fleet is sized to when no count is given.
DEFAULT_UTILIZATION = 0.7

Metric = Literal["utilization", "requests_per_instance"]


class ScheduledAction(Spec):
    """At ``at_s``, set the desired count (and optionally the bounds)."""

    at_s: NonNegative
    desired: IntIn(0, None) | None = None
    min: IntIn(0, None) | None = None
    max: IntIn(1, None) | None = None


class _Policy(Spec):
    schedule: tuple[ScheduledAction, ...] = ()

    @model_validator(mode="after")
    def _sorted_schedule(self):
        times = [a.at_s for a in self.schedule]
        if times != sorted(times):
            raise PydanticCustomError("order", "must list schedule actions in time order; got at_s {t}", {"t": times})
        return self


class Fixed(_Policy):
    """``instances`` for the whole horizon; none given: sized to the offered load."""

    policy: Literal["fixed"] = "fixed"
    instances: IntIn(1, None) | None = None


class Scheduled(_Policy):
    """``instances`` at the start, then the ``schedule`` (at least one action)."""

    policy: Literal["scheduled"] = "scheduled"
    instances: IntIn(0, None) | None = None

    @model_validator(mode="after")
    def _has_schedule(self) -> "Scheduled":
        if not self.schedule:
            raise PydanticCustomError("empty", "must list at least one action in schedule", {})
        return self


class _Dynamic(_Policy):
    metric: Metric = "utilization"
    period_s: Positive = 60.0
    scale_out_cooldown_s: NonNegative = 60.0
    scale_in_cooldown_s: NonNegative = 300.0
    min: IntIn(1, None) = 1
    max: IntIn(1, None) = 100
    instances: IntIn(1, None) | None = None  # at the start; none: sized to load, within [min, max]

    @model_validator(mode="after")
    def _bounds(self):
        if self.max < self.min:
            raise PydanticCustomError("order", "must have max >= min; got min={lo}, max={hi}", {"lo": self.min, "hi": self.max})
        return self


class TargetTracking(_Dynamic):
    """Keep ``metric`` near ``target``: desired = ceil(in service × metric / target)."""

    policy: Literal["target_tracking"] = "target_tracking"
    target: Positive = 0.6

    @model_validator(mode="after")
    def _target(self) -> "TargetTracking":
        if self.metric == "utilization" and self.target > 1:
            raise PydanticCustomError("range", "must be a utilisation target in (0, 1] for metric utilization; "
                                      "got target={t}", {"t": self.target})
        return self


class Step(Spec):
    """One step adjustment: when the metric is >= ``above`` (or <= ``below``), add ``change``."""

    above: float | None = None
    below: float | None = None
    change: IntIn(None, None)

    @model_validator(mode="after")
    def _one_side(self) -> "Step":
        if (self.above is None) == (self.below is None):
            raise PydanticCustomError("form", "must give exactly one of above or below", {})
        if self.change == 0 or (self.above is not None) != (self.change > 0):
            raise PydanticCustomError("sign", "must add instances (change > 0) above a threshold and remove "
                                      "them (change < 0) below one; got change={c}", {"c": self.change})
        return self


class StepScaling(_Dynamic):
    """Step adjustments: the largest matching ``above`` step, or the smallest matching ``below`` step."""

    policy: Literal["step"] = "step"
    steps: tuple[Step, ...] = Field(min_length=1)


Scaling = Annotated[Union[Fixed, TargetTracking, StepScaling, Scheduled], Field(discriminator="policy")]
register_tags("fixed", "target_tracking", "step", "scheduled")


def sized_to_load(load_in_instances: float, utilization: float = DEFAULT_UTILIZATION) -> int:
    """Servers that keep an offered load of ``load_in_instances`` at ``utilization`` (at least 1)."""
    return max(1, math.ceil(load_in_instances / utilization - 1e-9))


def initial_count(policy: Scaling, scenario: Any, offered_load: Callable[[Any], float]) -> int:
    """Servers at time 0: the policy's ``instances``; else sized to ``offered_load(scenario)`` (in servers'
    worth of capacity) at the tracked target or ``DEFAULT_UTILIZATION``, or, tracking requests per instance,
    to the mean arrival rate; within ``[min, max]`` for a dynamic policy."""
    p = policy
    if p.instances is not None:
        return p.instances
    if isinstance(p, TargetTracking) and p.metric == "requests_per_instance":
        rate = sum(mean_rate_per_s(f.workload, scenario.horizon_s) for f in scenario.functions)
        n = max(1, math.ceil(rate / p.target - 1e-9))
    else:
        n = sized_to_load(offered_load(scenario), p.target if isinstance(p, TargetTracking) else DEFAULT_UTILIZATION)
    return n if isinstance(p, (Fixed, Scheduled)) else min(max(n, p.min), p.max)
