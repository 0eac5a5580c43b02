"""Samplers and streams of arrival processes, in plain numpy.

The workload specs in :mod:`lambdasim.workload.kinds` hold parameters; the
functions here draw arrival times from them, exactly and vectorised:

* a piecewise-constant rate is sampled segment by segment (a Poisson count
  per segment, then that many uniform times: the conditional law of a
  Poisson process given its count);
* a smooth rate (the sinusoidal day) is sampled by thinning a homogeneous
  process at the rate's maximum (Lewis and Shedler, 1979);
* the two-state MMPP walks its exponential sojourns and samples each
  sojourn as a homogeneous segment, carrying the state across windows.

A stream's ``take(t1)`` returns the arrivals in ``[t_prev, t1)`` (sorted)
and their durations, or ``None`` when durations are to be drawn from the
function's distribution.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

__all__ = ["piecewise_poisson", "thinned_poisson", "WindowStream", "MMPPStream", "ArrayStream", "MergedStream"]


def piecewise_poisson(rng: np.random.Generator, edges: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Sorted arrivals of a Poisson process with rate ``rates[k]`` on ``[edges[k], edges[k+1])``."""
    widths = np.diff(edges)
    counts = rng.poisson(np.maximum(rates, 0.0) * widths)
    seg = np.repeat(np.arange(len(widths)), counts)
    times = edges[:-1][seg] + widths[seg] * rng.random(len(seg))
    return np.sort(times)


def thinned_poisson(rng: np.random.Generator, t0: float, t1: float, rate: Callable[[np.ndarray], np.ndarray],
                    rate_max: float) -> np.ndarray:
    """Sorted arrivals on ``[t0, t1)`` of a Poisson process with intensity ``rate(t) <= rate_max``."""
    n = rng.poisson(rate_max * (t1 - t0))
    cand = np.sort(rng.uniform(t0, t1, n))
    keep = rng.random(n) * rate_max < rate(cand)
    return cand[keep]


class WindowStream:
    """A process without memory between windows: each window is sampled on its own."""

    def __init__(self, sample: Callable[[np.random.Generator, float, float], np.ndarray],
                 rng: np.random.Generator, horizon_s: float):
        self._sample, self._rng, self._t0, self._horizon = sample, rng, 0.0, horizon_s

    def take(self, t1: float) -> tuple[np.ndarray, None]:
        t1 = min(t1, self._horizon)
        times = self._sample(self._rng, self._t0, t1) if t1 > self._t0 else np.empty(0)
        self._t0 = max(self._t0, t1)
        return times, None


class MMPPStream:
    """A two-state Markov-modulated Poisson process; state 0 is the gap, 1 the burst.

    ``rates[s]`` is the arrival rate and ``mean_sojourn_s[s]`` the mean
    (exponential) time spent in state ``s``. The current state and the time
    of the next switch carry over from one window to the next.
    """

    def __init__(self, rng: np.random.Generator, horizon_s: float, rates: tuple[float, float],
                 mean_sojourn_s: tuple[float, float], state: int):
        self._rng, self._horizon = rng, horizon_s
        self._rates, self._sojourn = np.asarray(rates, float), np.asarray(mean_sojourn_s, float)
        self._t0, self.state = 0.0, state
        self._switch = rng.exponential(self._sojourn[state])

    def take(self, t1: float) -> tuple[np.ndarray, None]:
        t1 = min(t1, self._horizon)
        if t1 <= self._t0:
            return np.empty(0), None
        rng, edges, states = self._rng, [self._t0], [self.state]
        while self._switch < t1:
            edges.append(self._switch)
            self.state = 1 - self.state
            states.append(self.state)
            self._switch += rng.exponential(self._sojourn[self.state])
        edges.append(t1)
        self._t0 = t1
        return piecewise_poisson(rng, np.asarray(edges), self._rates[np.asarray(states)]), None


class ArrayStream:
    """Replay of arrivals known in advance (a trace): sorted times, optional durations."""

    def __init__(self, times: np.ndarray, durations: np.ndarray | None, horizon_s: float):
        times = np.array(times, dtype=float)  # a copy of its own
        if len(times) < 2 or bool(np.all(times[1:] >= times[:-1])):  # already sorted (a replay's): a stable
            self._times = times  # sort keeps the order
            self._dur = None if durations is None else np.array(durations, dtype=float)
        else:
            order = np.argsort(times, kind="stable")
            self._times = times[order]
            self._dur = None if durations is None else np.asarray(durations, float)[order]
        self._i, self._horizon = 0, horizon_s

    def take(self, t1: float) -> tuple[np.ndarray, np.ndarray | None]:
        j = int(np.searchsorted(self._times, min(t1, self._horizon), side="left"))
        j = max(j, self._i)
        sl = slice(self._i, j)
        self._i = j
        return self._times[sl], (None if self._dur is None else self._dur[sl])


class MergedStream:
    """The superposition of several streams (all with durations, or none)."""

    def __init__(self, streams: Sequence):
        self._streams = list(streams)

    def take(self, t1: float) -> tuple[np.ndarray, np.ndarray | None]:
        parts = [s.take(t1) for s in self._streams]
        times = np.concatenate([p[0] for p in parts])
        order = np.argsort(times, kind="stable")
        if any(p[1] is None for p in parts):
            return times[order], None
        return times[order], np.concatenate([p[1] for p in parts])[order]
