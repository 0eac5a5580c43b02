"""A work estimate before a run: how many arrivals (and state switches) a workload will make.

The estimate is the mean (a trace's exact count), computed in floating point so that even absurd
inputs (a rate of 1e308, an interval of 1e-300) give a number, never an overflow. The simulator
refuses a run whose estimate is above its limit before it draws a single arrival
(see :func:`lambdasim.simulation.simulate`, argument ``max_arrivals``).
"""
from __future__ import annotations

import math

__all__ = ["expected_arrivals", "MAX_ARRIVALS", "BYTES_PER_RECORD"]

#: Default limit on a run's expected arrivals (plus MMPP state switches): about 10-20 minutes of
#: simulation on one core. Raise it with ``simulate(..., max_arrivals=N)`` or ``--max-arrivals N``.
MAX_ARRIVALS = 200_000_000
#: Bytes kept per invocation with ``records="full"`` (columns of the invocation table, measured
#: on the default scenario with margin); ``records="summary"`` keeps a bounded sketch instead.
BYTES_PER_RECORD = 120


def expected_arrivals(workload, horizon_s: float) -> float:
    """Expected arrivals of ``workload`` on ``[0, horizon_s)``, plus the state switches of a bursty process."""
    kind = workload.kind
    if kind == "superpose":
        return sum(expected_arrivals(c, horizon_s) for c in workload.components)
    if kind == "trace":  # the whole replayed window is built at once, whatever the horizon
        return float(workload.expected_count(0.0, math.inf))
    if kind == "bursty":
        switches = 2.0 * horizon_s / (workload.mean_burst_s + workload.mean_gap_s)
        return workload.mean_rate_per_s * horizon_s + switches
    if kind == "deterministic":
        return horizon_s / workload.period_s
    if kind == "diurnal" and workload.rate_per_s is not None:
        return workload.rate_per_s * (1 + workload.amplitude) * horizon_s  # thinning draws at the peak rate
    if kind == "diurnal":
        return float(workload.profile.max()) * horizon_s
    return workload.mean_rate_per_s * horizon_s  # poisson, spike (its larger rate), triggered (0)
