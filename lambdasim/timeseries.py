"""Time-weighted and per-step series computed from records, after the run.

``occupancy(starts, ends, edges)`` is the time-average number of intervals
``[start, end)`` open in each bin: the integral of the count, taken exactly
from sorted starts and ends (no per-event bookkeeping during the run).
"""
from __future__ import annotations

import numpy as np

__all__ = ["bin_edges", "occupancy", "counts", "HourlyCounts", "measured", "busy_seconds", "window_lives"]


def bin_edges(horizon_s: float, step_s: float) -> np.ndarray:
    """Edges 0, step, 2·step, ... ending exactly at the horizon (the last bin may be shorter)."""
    if not step_s > 0:
        raise ValueError(f"step_s must be a float > 0. Got {step_s!r} instead.")
    return np.unique(np.append(np.arange(0.0, horizon_s, step_s), horizon_s))


def _integral(points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """sum over points p < x of (x - p), for each x (points sorted)."""
    k = np.searchsorted(points, x, side="left")
    csum = np.concatenate([[0.0], np.cumsum(points)])
    return k * x - csum[k]


def occupancy(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Mean number of open intervals in each bin ``[edges[k], edges[k+1])``."""
    s = np.sort(np.asarray(starts, dtype=float))
    e = np.sort(np.asarray(ends, dtype=float))
    area = _integral(s, edges) - _integral(e, edges)  # integral of the open count from 0 to each edge
    return np.diff(area) / np.diff(edges)


def counts(times: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Number of events in each bin (``np.histogram``'s counts: bins closed on the left, the last on both sides).

    Times already in order (a run's arrivals) are counted by two binary searches per edge instead of
    histogram's sort."""
    t = np.asarray(times)
    if t.ndim == 1 and t.dtype.kind == "f" and (len(t) < 2 or bool(np.all(t[1:] >= t[:-1]))):  # sorted, no NaN
        idx = np.searchsorted(t, edges, side="left")
        idx[-1] = np.searchsorted(t, edges[-1], side="right")
        return np.diff(idx).astype(np.int64)
    return np.histogram(times, bins=edges)[0]


class HourlyCounts:
    """Events per function and hour, counted during a run (what an hourly bill, e.g. ALB LCUs, needs).

    ``counts[f, h]``: events of function ``f`` arriving in hour ``h``;
    ``seconds[h]``: the seconds of the horizon in hour ``h`` (the last may be shorter).
    """

    def __init__(self, n_functions: int, horizon_s: float):
        self.seconds = np.diff(bin_edges(horizon_s, 3600.0))
        self.counts = np.zeros((n_functions, len(self.seconds)), dtype=np.int64)

    def add(self, function: np.ndarray, arrival_s: np.ndarray) -> None:
        nh = self.counts.shape[1]
        h = np.minimum((np.asarray(arrival_s) // 3600.0).astype(np.int64), nh - 1)
        self.counts += np.bincount(np.asarray(function).astype(np.int64) * nh + h,
                                   minlength=self.counts.size).reshape(self.counts.shape)


def measured(b: dict[str, np.ndarray], t0: float) -> dict[str, np.ndarray]:
    """The rows of a batch of columns that arrived at or after ``t0`` (the end of the warm-up)."""
    m = b["arrival_s"] >= t0
    return {k: v[m] for k, v in b.items()}


def busy_seconds(start: np.ndarray, end: np.ndarray, t0: float, horizon_s: float) -> float:
    """Busy time of runs from ``start`` to ``end`` inside [t0, horizon]."""
    if t0 > 0:
        return float(np.sum(np.maximum(np.fmin(end, horizon_s) - np.maximum(start, t0), 0.0)))
    return float(np.sum(np.fmin(end, horizon_s) - start))


def window_lives(launched, ready, retired, t0: float, horizon_s: float):
    """Launched, ready and retired times clipped to [t0, horizon] (retired NaN: live at the end); an
    instance gone before t0 gets launched = ready = retired = t0 (a life of 0 s in the window)."""
    retired = np.fmin(np.nan_to_num(np.asarray(retired, dtype=float), nan=horizon_s), horizon_s)
    launched = np.asarray(launched, dtype=float)
    if t0 > 0:
        retired = np.maximum(retired, t0)
        launched = np.fmin(np.maximum(launched, t0), retired)
    ready = np.fmin(np.maximum(np.asarray(ready, dtype=float), launched), retired) if t0 > 0 else \
        np.fmin(np.asarray(ready, dtype=float), retired)
    return launched, ready, retired
