"""Burst scaling: how fast Lambda may add execution environments.

Three models (``lambda.scaling.model``):

- ``per_function_2023`` (AWS, from 2023-11-27): each function may start at
  most 1,000 new environments in any 10 s window (a sliding window: the
  budget comes back as old starts leave the window and never accrues past
  1,000), up to the concurrency limit.
- ``legacy_burst`` (AWS, before 2023-11-27): an account-wide initial burst
  of ``region_burst`` (3,000, 1,000 or 500) new environments, then +500
  per minute, in steps at each full minute after the burst began; the
  budget refills in the same steps when demand falls, never past the burst.
- ``unlimited``: any number at once (the textbook model).

A budget is consulted only when an arrival needs a *new* environment (a cold
start); an arrival it refuses is throttled like one over the concurrency
limit. Provisioned instances are not charged to the budget.
"""
from __future__ import annotations

import datetime as dt
from collections import deque
from typing import Literal

from lambdasim.spec import IntIn, Spec

__all__ = ["ScalingSpec", "SlidingWindowBudget", "SteppedBudget", "make_budgets", "default_model", "SCALING_2023"]

#: The day AWS switched to per-function scaling (AWS News Blog 2023-11-27).
SCALING_2023 = dt.date(2023, 11, 27)


class ScalingSpec(Spec):
    """``lambda.scaling``: the burst-scaling model; ``None`` picks it by the pricing date."""

    model: Literal["per_function_2023", "legacy_burst", "unlimited"] | None = None
    region_burst: Literal[3000, 1000, 500] = 3000
    per_function_limit: IntIn(1, None) = 1000   # new environments per window (2023 model)
    per_function_window_s: IntIn(1, None) = 10
    legacy_step: IntIn(1, None) = 500           # added per legacy_step_s after the burst
    legacy_step_s: IntIn(1, None) = 60


def default_model(spec: ScalingSpec, date: dt.date) -> str:
    """The model in force: the one named, else the one AWS used on ``date``."""
    if spec.model is not None:
        return spec.model
    return "per_function_2023" if date >= SCALING_2023 else "legacy_burst"


class SlidingWindowBudget:
    """At most ``limit`` starts in any window of ``window_s`` seconds."""

    def __init__(self, limit: int, window_s: float):
        self.limit, self.window_s = limit, window_s
        self._starts: deque[float] = deque()

    def take(self, f: int, t: float) -> bool:
        starts = self._starts
        while starts and starts[0] <= t - self.window_s:
            starts.popleft()
        if len(starts) >= self.limit:
            return False
        starts.append(t)
        return True


class SteppedBudget:
    """A bucket of ``burst`` tokens; after the first is spent, +``step`` every ``step_s``."""

    def __init__(self, burst: int, step: int, step_s: float):
        self.burst, self.step, self.step_s = burst, step, step_s
        self.tokens, self._anchor = burst, 0.0

    def take(self, f: int, t: float) -> bool:
        if self.tokens < self.burst:
            k = int((t - self._anchor) // self.step_s)
            if k > 0:
                self.tokens = min(self.burst, self.tokens + k * self.step)
                self._anchor += k * self.step_s
        if self.tokens <= 0:
            return False
        if self.tokens == self.burst:
            self._anchor = t  # the refill clock starts when a full bucket is first drawn on
        self.tokens -= 1
        return True


def make_budgets(spec: ScalingSpec, date: dt.date, n_functions: int) -> list | None:
    """One budget per function (shared objects for the account-level model); ``None`` if unlimited."""
    model = default_model(spec, date)
    if model == "unlimited":
        return None
    if model == "legacy_burst":
        shared = SteppedBudget(spec.region_burst, spec.legacy_step, spec.legacy_step_s)
        return [shared] * n_functions
    return [SlidingWindowBudget(spec.per_function_limit, spec.per_function_window_s) for _ in range(n_functions)]
