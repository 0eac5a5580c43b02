"""Arrival processes: when events arrive for one function.

A workload spec (``{kind: poisson, rate_per_s: 10}``) makes an
:class:`ArrivalStream` for one run. The simulator pulls arrivals window by
window (``stream.take(t1)`` returns the arrival times in ``[t0, t1)`` since
the previous call), so a long horizon never needs every arrival in memory
at once, and stateful processes keep their state between windows.
A stream may also carry each event's duration (trace replay); ``None``
means durations are drawn from the function's ``duration`` distribution.

Kinds: ``poisson``, ``deterministic``, ``diurnal`` (a sinusoidal day or a
piecewise-constant rate profile), ``bursty`` (a two-state MMPP), ``spike``,
``superpose`` (a sum of others), ``trace`` (one function of a trace
file; see :mod:`lambdasim.workload.traces`) and ``triggered`` (no external
arrivals: a function run only by an application's edges). Every kind has ``mean_rate_per_s``
(used to size the simulator's windows) and ``stream(rng, horizon_s)``;
the rate-driven kinds also have ``rate_at(t)`` and ``expected_count(t0, t1)``.
Samplers live in :mod:`lambdasim.workload.samplers`. See ``docs/workloads.md``.
"""
from __future__ import annotations

import math
from pathlib import Path
from functools import cached_property
from typing import Annotated, ClassVar, Literal, Protocol, Union

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from lambdasim.distributions import read_file_text
from lambdasim.errors import register_tags
from lambdasim.workload.samplers import MergedStream, MMPPStream, WindowStream, piecewise_poisson, thinned_poisson
from lambdasim.spec import FloatIn, NonNegative, Positive, Spec
from lambdasim.workload.traces import TraceReplay, load_trace, resolve_path

__all__ = ["ArrivalStream", "Poisson", "Deterministic", "Diurnal", "Bursty", "Spike", "Superpose",
           "TraceReplay", "Triggered", "Workload", "load_trace", "mean_rate_per_s"]


class ArrivalStream(Protocol):
    def take(self, t1: float) -> tuple[np.ndarray, np.ndarray | None]:
        """Arrival times in ``[t_prev, t1)`` (sorted) and their durations or ``None``."""


class _RateProcess(Spec):
    """A Poisson process given by its intensity; subclasses define ``_sample``."""

    carries_durations: ClassVar[bool] = False

    def stream(self, rng: np.random.Generator, horizon_s: float) -> ArrivalStream:
        return WindowStream(self._sample, rng, horizon_s)


class Poisson(_RateProcess):
    """Homogeneous Poisson arrivals at ``rate_per_s``."""

    kind: Literal["poisson"] = "poisson"
    rate_per_s: Positive

    @property
    def mean_rate_per_s(self) -> float:
        return self.rate_per_s

    def rate_at(self, t: np.ndarray) -> np.ndarray:
        return np.full(np.shape(t), self.rate_per_s)

    def expected_count(self, t0: float, t1: float) -> float:
        return self.rate_per_s * (t1 - t0)

    def _sample(self, rng: np.random.Generator, t0: float, t1: float) -> np.ndarray:
        # Given the count, Poisson arrivals are i.i.d. uniform on the window.
        n = rng.poisson(self.rate_per_s * (t1 - t0))
        return np.sort(rng.uniform(t0, t1, n))


class Deterministic(_RateProcess):
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

    def expected_count(self, t0: float, t1: float) -> float:
        first = max(0, math.ceil((t0 - self.start_s) / self.period_s))
        return float(max(0, math.ceil((t1 - self.start_s) / self.period_s) - first))

    def _sample(self, rng: np.random.Generator, t0: float, t1: float) -> np.ndarray:
        p = self.period_s
        k0 = max(0, int(np.ceil((t0 - self.start_s) / p)))
        k1 = max(0, int(np.ceil((t1 - self.start_s) / p)))
        times = self.start_s + p * np.arange(k0, k1)
        return times[(times >= t0) & (times < t1)]


class Diurnal(_RateProcess):
    """A non-homogeneous Poisson process over the day, in one of two forms.

    * Sinusoidal: ``rate_per_s`` is the mean rate, ``peak_to_trough`` the
      ratio of the highest to the lowest rate, ``peak_hour`` when the peak
      falls (t = 0 is midnight), repeating every ``period_s`` (a day).
    * Profile: a piecewise-constant rate, ``rates_per_s`` (a list) or
      ``path`` (a CSV with one rate per line, in its last column), each held
      for ``step_s`` seconds (60 for per-minute, 3600 for per-hour); the
      profile repeats unless ``repeat`` is false (then the rate is 0 after it).
    """

    kind: Literal["diurnal"] = "diurnal"
    rate_per_s: Positive | None = None
    peak_to_trough: FloatIn(1.0, None) = 2.0
    peak_hour: FloatIn(0.0, 24.0) = 12.0
    period_s: Positive = 86400.0
    rates_per_s: tuple[NonNegative, ...] | None = None
    path: str | None = None
    step_s: Positive = 3600.0
    repeat: bool = True

    @field_validator("path")
    @classmethod
    def _resolve(cls, v: str | None, info: ValidationInfo) -> str | None:
        return None if v is None else str(resolve_path(v, info))

    @model_validator(mode="after")
    def _one_form(self) -> "Diurnal":
        forms = [self.rate_per_s is not None, self.rates_per_s is not None, self.path is not None]
        if sum(forms) != 1:
            raise PydanticCustomError(
                "form", "must give exactly one of rate_per_s (a sinusoidal day), rates_per_s or path (a profile)", {})
        if self.rates_per_s is not None and not self.rates_per_s:
            raise PydanticCustomError("form", "must list at least one rate in rates_per_s", {})
        if self.profile is not None and not self.profile.any():
            raise PydanticCustomError("form", "must have a rate profile with at least one positive rate", {})
        return self

    @cached_property
    def profile(self) -> np.ndarray | None:
        """The piecewise-constant rates (per second), or None for the sinusoidal form."""
        if self.rates_per_s is not None:
            return np.asarray(self.rates_per_s, float)
        if self.path is not None:
            return _read_profile(self.path)
        return None

    @property
    def amplitude(self) -> float:
        return (self.peak_to_trough - 1.0) / (self.peak_to_trough + 1.0)

    @property
    def mean_rate_per_s(self) -> float:
        return self.rate_per_s if self.rate_per_s is not None else float(self.profile.mean())

    def rate_at(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, float)
        if self.rate_per_s is not None:
            w = 2 * math.pi / self.period_s
            return self.rate_per_s * (1 + self.amplitude * np.cos(w * (t - self.peak_hour * 3600.0)))
        prof = self.profile
        k = np.floor(t / self.step_s).astype(np.int64)
        if self.repeat:
            return prof[k % len(prof)]
        return np.where(k < len(prof), prof[np.minimum(k, len(prof) - 1)], 0.0)

    def expected_count(self, t0: float, t1: float) -> float:
        if self.rate_per_s is not None:
            w, pk = 2 * math.pi / self.period_s, self.peak_hour * 3600.0
            return self.rate_per_s * ((t1 - t0) + self.amplitude / w * (math.sin(w * (t1 - pk)) - math.sin(w * (t0 - pk))))
        edges = self._edges(t0, t1)
        return float(np.sum(self.rate_at(edges[:-1]) * np.diff(edges)))

    def _edges(self, t0: float, t1: float) -> np.ndarray:
        k0, k1 = math.floor(t0 / self.step_s) + 1, math.ceil(t1 / self.step_s)
        return np.concatenate([[t0], self.step_s * np.arange(k0, k1), [t1]])

    def _sample(self, rng: np.random.Generator, t0: float, t1: float) -> np.ndarray:
        if self.rate_per_s is not None:
            return thinned_poisson(rng, t0, t1, self.rate_at, self.rate_per_s * (1 + self.amplitude))
        edges = self._edges(t0, t1)
        return piecewise_poisson(rng, edges, self.rate_at(edges[:-1]))


def _read_profile(path: str) -> np.ndarray:
    vals = []
    for lineno, line in enumerate(read_file_text(path, "Rate profile").splitlines(), 1):
        text = line.split(",")[-1].strip()
        if not text or text.startswith("#"):
            continue
        try:
            x = float(text)
        except ValueError:
            if not vals:
                continue  # a header line
            raise PydanticCustomError("file", "must hold rates per second; {p} line {n} has {t}",
                                      {"p": path, "n": lineno, "t": repr(text)}) from None
        if not (x >= 0 and math.isfinite(x)):
            raise PydanticCustomError("file", "must hold non-negative rates; {p} line {n} has {x}",
                                      {"p": path, "n": lineno, "x": x})
        vals.append(x)
    if not vals:
        raise PydanticCustomError("file", "must hold at least one rate; {p} has none", {"p": path})
    return np.asarray(vals)


class Bursty(Spec):
    """A two-state Markov-modulated Poisson process (MMPP).

    Gaps (rate ``base_rate_per_s``) and bursts (rate ``burst_rate_per_s``)
    alternate with exponential lengths of means ``mean_gap_s`` and
    ``mean_burst_s``. ``start`` is ``stationary`` (the first state drawn
    with its long-run probability), ``gap`` or ``burst``.
    """

    kind: Literal["bursty"] = "bursty"
    base_rate_per_s: NonNegative
    burst_rate_per_s: Positive
    mean_burst_s: Positive
    mean_gap_s: Positive
    start: Literal["stationary", "gap", "burst"] = "stationary"
    carries_durations: ClassVar[bool] = False

    @property
    def burst_fraction(self) -> float:
        """Long-run fraction of time in bursts."""
        return self.mean_burst_s / (self.mean_burst_s + self.mean_gap_s)

    @property
    def mean_rate_per_s(self) -> float:
        p = self.burst_fraction
        return (1 - p) * self.base_rate_per_s + p * self.burst_rate_per_s

    def expected_count(self, t0: float, t1: float) -> float:
        """Mean count on ``[t0, t1)`` from a stationary start."""
        return self.mean_rate_per_s * (t1 - t0)

    def count_variance(self, t_s: float) -> float:
        """Variance of the count in a window of ``t_s`` seconds, started in the stationary state."""
        s = 1 / self.mean_burst_s + 1 / self.mean_gap_s
        p = self.burst_fraction
        c0 = (self.burst_rate_per_s - self.base_rate_per_s) ** 2 * p * (1 - p)
        return self.mean_rate_per_s * t_s + 2 * c0 * (t_s / s - (1 - math.exp(-s * t_s)) / s**2)

    def stream(self, rng: np.random.Generator, horizon_s: float) -> ArrivalStream:
        if self.start == "stationary":
            state = int(rng.random() < self.burst_fraction)
        else:
            state = int(self.start == "burst")
        return MMPPStream(rng, horizon_s, (self.base_rate_per_s, self.burst_rate_per_s),
                          (self.mean_gap_s, self.mean_burst_s), state)


class Spike(_RateProcess):
    """A step or a flash crowd: rate ``base_rate_per_s``, then ``spike_rate_per_s``
    from ``at_s`` for ``duration_s`` seconds (for ever if omitted), then back."""

    kind: Literal["spike"] = "spike"
    base_rate_per_s: NonNegative
    spike_rate_per_s: NonNegative
    at_s: NonNegative
    duration_s: Positive | None = None

    @property
    def end_s(self) -> float:
        return math.inf if self.duration_s is None else self.at_s + self.duration_s

    @property
    def mean_rate_per_s(self) -> float:
        # Used only to size windows: the larger rate keeps windows small enough.
        return max(self.base_rate_per_s, self.spike_rate_per_s, 1e-9)

    def rate_at(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, float)
        return np.where((t >= self.at_s) & (t < self.end_s), self.spike_rate_per_s, self.base_rate_per_s)

    def expected_count(self, t0: float, t1: float) -> float:
        inside = max(0.0, min(t1, self.end_s) - max(t0, self.at_s))
        return self.base_rate_per_s * (t1 - t0 - inside) + self.spike_rate_per_s * inside

    def _sample(self, rng: np.random.Generator, t0: float, t1: float) -> np.ndarray:
        cuts = [c for c in (self.at_s, self.end_s) if t0 < c < t1]
        edges = np.array([t0, *cuts, t1])
        return piecewise_poisson(rng, edges, self.rate_at(edges[:-1]))


class Triggered(_RateProcess):
    """No external arrivals: the function runs only when another function's
    events trigger it (an application edge; see :mod:`lambdasim.application.spec`)."""

    kind: Literal["triggered"] = "triggered"
    mean_rate_per_s: ClassVar[float] = 0.0

    def rate_at(self, t: np.ndarray) -> np.ndarray:
        return np.zeros(np.shape(t))

    def expected_count(self, t0: float, t1: float) -> float:
        return 0.0

    def _sample(self, rng: np.random.Generator, t0: float, t1: float) -> np.ndarray:
        return np.empty(0)


class Superpose(Spec):
    """The sum of several workloads: every component's arrivals, merged in time order."""

    kind: Literal["superpose"] = "superpose"
    components: tuple["Workload", ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _same_payload(self) -> "Superpose":
        carries = {c.carries_durations for c in self.components}
        if len(carries) > 1:
            raise PydanticCustomError(
                "mix", "must not mix components that carry their own durations (traces with durations) "
                       "with components whose durations are drawn", {})
        return self

    @property
    def carries_durations(self) -> bool:
        return self.components[0].carries_durations

    @property
    def mean_rate_per_s(self) -> float:
        return sum(c.mean_rate_per_s for c in self.components)

    def expected_count(self, t0: float, t1: float) -> float:
        return sum(c.expected_count(t0, t1) if hasattr(c, "expected_count") else c.mean_rate_per_s * (t1 - t0)
                   for c in self.components)

    def stream(self, rng: np.random.Generator, horizon_s: float) -> ArrivalStream:
        rngs = rng.spawn(len(self.components))
        return MergedStream([c.stream(r, horizon_s) for c, r in zip(self.components, rngs)])


Workload = Annotated[
    Union[Poisson, Deterministic, Diurnal, Bursty, Spike, Superpose, TraceReplay, Triggered], Field(discriminator="kind")
]
Superpose.model_rebuild()
register_tags("poisson", "deterministic", "diurnal", "bursty", "spike", "superpose", "trace", "triggered")


def mean_rate_per_s(workload, horizon_s: float) -> float:
    """A workload's mean arrivals per second over ``[0, horizon_s]`` (its expected count where it
    has one, e.g. a trace or a time-varying rate; else its long-run mean rate)."""
    count = getattr(workload, "expected_count", None)
    return count(0.0, horizon_s) / horizon_s if count is not None else workload.mean_rate_per_s
