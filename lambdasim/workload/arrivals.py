"""The events of a run: every function's arrivals with their drawn work.

Both platforms consume the same :class:`ArrivalSource` (common random
numbers): for a given scenario and seed, Lambda and EC2 see the same
arrival times and the same drawn durations. Arrivals come in windows of
about ``WINDOW_ARRIVALS`` events, merged across functions in time order.
"""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from lambdasim.scenario import Scenario
from lambdasim.distributions import Constant
from lambdasim.rng import Streams, stream
from lambdasim.work import draw_work, duration_split

__all__ = ["ArrivalSource", "WINDOW_ARRIVALS"]

#: Target number of arrivals drawn per window (memory per window stays small).
WINDOW_ARRIVALS = 200_000


class ArrivalSource:
    """Every function's arrivals, window by window; ``work=False`` leaves out the ``cpu_s`` and ``wait_s``
    columns (only servers read them; the same draws either way)."""

    def __init__(self, scenario: Scenario, work: bool = True):
        self.sc, self.work = scenario, work
        seed, h = scenario.seed, scenario.horizon_s
        self._streams = [f.workload.stream(stream(seed, "arrivals", i), h) for i, f in enumerate(scenario.functions)]
        self._dur_rng = Streams(seed, "duration")  # made on first use: a trace's durations need none
        self._init_rng = Streams(seed, "init")
        self._wait_rng = Streams(seed, "wait")
        self._split = [duration_split(f.cpu_scaling) for f in scenario.functions]
        # every INIT a constant (a trace's, usually): the column is the functions' values repeated, built once per window
        cold = [f.cold_start for f in scenario.functions]
        self._const_init = np.array([c.value_s for c in cold], dtype=float) if all(isinstance(c, Constant) for c in cold) else None

    def window_ends(self) -> list[float]:
        rate = sum(f.workload.mean_rate_per_s for f in self.sc.functions)
        h = self.sc.horizon_s
        n = max(1, math.ceil(rate * h / WINDOW_ARRIVALS))
        return [h * (k + 1) / n for k in range(n)]

    def draw(self, t1: float) -> dict[str, np.ndarray]:
        """All functions' arrivals up to ``t1`` not yet drawn, in time order.

        Columns: ``arrival_s``, ``function`` (index), ``duration_s`` (the
        Lambda run time, excluding init, before ``cpu_scaling`` and
        ``speed_factor``), ``init_draw`` (the init time this event would take
        if it met a cold start), and its work: ``cpu_s`` (CPU seconds at one
        full vCPU) and ``wait_s`` (waiting seconds), see :mod:`lambdasim.work`.
        A ``work`` function draws cpu from the ``duration`` stream and wait
        from the ``wait`` stream. With ``work=False`` the last two are left out.
        """
        parts = []
        const_init = self._const_init
        rows, counts = [], []  # the functions drawn and how many each (the function and constant INIT columns)
        for i, (fn, arr) in enumerate(zip(self.sc.functions, self._streams)):
            times, dur = arr.take(t1)
            n = len(times)
            if n == 0:  # nothing to draw (a draw of none takes no numbers from a stream): most of a trace's functions
                continue  # in most windows
            if fn.work is not None:
                dur, cpu, wait = draw_work(fn, self._dur_rng[i], self._wait_rng[i], n)
            else:
                if dur is None:
                    dur = fn.duration.sample(self._dur_rng[i], n)
                a, b = self._split[i]
                cpu, wait = (dur * a, dur * b) if self.work else (None, None)
            if const_init is None:
                cold = fn.cold_start  # init, or a SnapStart restore
                init = cold.sample(None if isinstance(cold, Constant) else self._init_rng[i], n)
            else:
                init = None
            rows.append(i)
            counts.append(n)
            parts.append((times, None, dur, init, cpu, wait))
        if not parts:
            none = np.empty(0)
            parts = [(none, None, none, none, none, none)]
        if not self.work:
            parts = [p[:4] for p in parts]
        cols = list(parts[0]) if len(parts) == 1 else [None if x[0] is None else np.concatenate(x) for x in zip(*parts)]
        # the same values as a np.full per function, concatenated
        cols[1] = np.repeat(np.array(rows, dtype=np.int32), counts)
        if const_init is not None:
            cols[3] = np.repeat(const_init[rows], counts) if rows else np.empty(0)
        names = ["arrival_s", "function", "duration_s", "init_draw", "cpu_s", "wait_s"][:len(cols)]
        t = cols[0]
        if len(t) < 2 or bool(np.all(t[1:] >= t[:-1])):  # already in time order (one function, usually):
            return dict(zip(names, cols))  # a stable sort keeps it
        order = np.argsort(t, kind="stable")
        return {k: c[order] for k, c in zip(names, cols)}

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        for t1 in self.window_ends():
            yield self.draw(t1)
