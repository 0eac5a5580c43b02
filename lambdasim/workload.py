"""Arrival processes: when events arrive for one function.

A workload spec (``{kind: poisson, rate_per_s: 10}``) makes an
:class:`ArrivalStream` for one run. The simulator pulls arrivals window by
window (``stream.take(t1)`` returns the arrival times in ``[t0, t1)`` since
the previous call), so a long horizon never needs every arrival in memory
at once, and stateful processes keep their state between windows.
A stream may also carry each event's duration (trace replay); ``None``
means durations are drawn from the function's ``duration`` distribution.
"""
from __future__ import annotations

from typing import Annotated, Literal, Protocol, Union

import numpy as np
from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .errors import register_tags
from .spec import NonNegative, Positive, Spec

__all__ = ["ArrivalStream", "Poisson", "Deterministic", "Workload"]


class ArrivalStream(Protocol):
    def take(self, t1: float) -> tuple[np.ndarray, np.ndarray | None]:
        """Arrival times in ``[t_prev, t1)`` (sorted) and their durations or ``None``."""


class _Window:
    """A stream of a memoryless process: each window is sampled on its own."""

    def __init__(self, sample, rng: np.random.Generator, horizon_s: float):
        self._sample, self._rng, self._t0, self._horizon = sample, rng, 0.0, horizon_s

    def take(self, t1: float) -> tuple[np.ndarray, None]:
        t1 = min(t1, self._horizon)
        times = self._sample(self._rng, self._t0, t1) if t1 > self._t0 else np.empty(0)
        self._t0 = max(self._t0, t1)
        return times, None


class Poisson(Spec):
    """Homogeneous Poisson arrivals at ``rate_per_s``."""

    kind: Literal["poisson"] = "poisson"
    rate_per_s: Positive

    @property
    def mean_rate_per_s(self) -> float:
        return self.rate_per_s

    def _sample(self, rng: np.random.Generator, t0: float, t1: float) -> np.ndarray:
        # Given the count, Poisson arrivals are i.i.d. uniform on the window.
        n = rng.poisson(self.rate_per_s * (t1 - t0))
        return np.sort(rng.uniform(t0, t1, n))

    def stream(self, rng: np.random.Generator, horizon_s: float) -> ArrivalStream:
        return _Window(self._sample, rng, horizon_s)


class Deterministic(Spec):
    """One arrival every ``interval_s`` (or at ``rate_per_s``), the first at ``start_s``."""

    kind: Literal["deterministic"] = "deterministic"
    interval_s: Positive | None = None
    rate_per_s: Positive | None = None
    start_s: NonNegative = 0.0

    @model_validator(mode="after")
    def _one_form(self) -> "Deterministic":
        if (self.interval_s is None) == (self.rate_per_s is None):
            raise PydanticCustomError("form", "must give exactly one of interval_s or rate_per_s", {})
        return self

    @property
    def period_s(self) -> float:
        return self.interval_s if self.interval_s is not None else 1.0 / self.rate_per_s

    @property
    def mean_rate_per_s(self) -> float:
        return 1.0 / self.period_s

    def _sample(self, rng: np.random.Generator, t0: float, t1: float) -> np.ndarray:
        p = self.period_s
        k0 = max(0, int(np.ceil((t0 - self.start_s) / p)))
        k1 = max(0, int(np.ceil((t1 - self.start_s) / p)))
        times = self.start_s + p * np.arange(k0, k1)
        return times[(times >= t0) & (times < t1)]

    def stream(self, rng: np.random.Generator, horizon_s: float) -> ArrivalStream:
        return _Window(self._sample, rng, horizon_s)


Workload = Annotated[Union[Poisson, Deterministic], Field(discriminator="kind")]
register_tags("poisson", "deterministic")
