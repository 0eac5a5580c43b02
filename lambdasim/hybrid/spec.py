"""The ``hybrid:`` section of a scenario: a server base fleet and Lambda for the overflow.

``base`` names the server platform of the base fleet (its own section,
``ec2``, ``fargate`` or ``lmi``, sets the instance type or task size);
``routing`` says when a request goes to Lambda instead: ``busy`` (every
slot of the base is taken: no queue), ``queue`` (``queue_limit`` requests
already wait) or ``booting`` (while a new base instance boots; otherwise it
waits in the base's queue; the base then scales by target tracking from
``base_instances``). ``base_instances`` none: the optimizer
(:func:`lambdasim.optimize`) picks the cheapest size meeting the SLO.
"""
from __future__ import annotations

from typing import Literal

from lambdasim.spec import IntIn, Spec

__all__ = ["HybridSpec", "ROUTING", "BASES"]

ROUTING = ("busy", "queue", "booting")
BASES = ("ec2", "fargate", "lmi")


class HybridSpec(Spec):
    """A base fleet of ``base`` and Lambda for what ``routing`` sends over."""

    base: Literal["ec2", "fargate", "lmi"] = "ec2"
    routing: Literal["busy", "queue", "booting"] = "busy"
    queue_limit: IntIn(0, None) = 4  # routing "queue": requests waiting before the next goes to Lambda
    base_instances: IntIn(0, None) | None = None  # none: the optimizer's cheapest size meeting the SLO
