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
    def __init__(self, scenario: Scenario):
        self.sc = scenario
        seed, h = scenario.seed, scenario.horizon_s
        self._streams = [f.workload.stream(stream(seed, "arrivals", i), h) for i, f in enumerate(scenario.functions)]
        self._dur_rng = Streams(seed, "duration")  # made on first use: a trace's durations need none
        self._init_rng = Streams(seed, "init")
        self._wait_rng = Streams(seed, "wait")
        self._split = [duration_split(f.cpu_scaling) for f in scenario.functions]

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
        from the ``wait`` stream.
        """
        parts = []
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
                cpu, wait = dur * a, dur * b
            cold = fn.cold_start  # init, or a SnapStart restore
            init = cold.sample(None if isinstance(cold, Constant) else self._init_rng[i], n)
            parts.append((times, np.full(n, i, dtype=np.int32), dur, init, cpu, wait))
        if not parts:
            none = np.empty(0)
            parts = [(none, np.empty(0, dtype=np.int32), none, none, none, none)]
        t, f, d, init, cpu, wait = parts[0] if len(parts) == 1 else (np.concatenate(x) for x in zip(*parts))
        if len(t) < 2 or bool(np.all(t[1:] >= t[:-1])):  # already in time order (one function, usually):
            return {"arrival_s": t, "function": f, "duration_s": d, "init_draw": init,  # a stable sort keeps it
                    "cpu_s": cpu, "wait_s": wait}
        order = np.argsort(t, kind="stable")
        return {"arrival_s": t[order], "function": f[order], "duration_s": d[order], "init_draw": init[order],
                "cpu_s": cpu[order], "wait_s": wait[order]}

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        for t1 in self.window_ends():
            yield self.draw(t1)
