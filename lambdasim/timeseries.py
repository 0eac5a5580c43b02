"""Time-weighted and per-step series computed from records, after the run.

``occupancy(starts, ends, edges)`` is the time-average number of intervals
``[start, end)`` open in each bin: the integral of the count, taken exactly
from sorted starts and ends (no per-event bookkeeping during the run).
"""
from __future__ import annotations

import numpy as np

__all__ = ["bin_edges", "occupancy", "counts"]


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
    """Number of events in each bin."""
    return np.histogram(times, bins=edges)[0]
