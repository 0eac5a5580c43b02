"""Judging an option against an SLO: does it meet every bound, and is it stable (not overloaded)?

One home for the rule, used by :func:`~lambdasim.comparison.compare.compare` (on the means over the
replications) and :func:`~lambdasim.comparison.break_even.break_even` (on each replication's run).
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["judge", "SATURATED"]

#: Above this utilisation (of slots or vCPUs) a fleet counts as overloaded.
SATURATED = 0.99


def judge(row: dict[str, Any], slo: dict[str, float]) -> dict[str, Any]:
    """``meets_slo``, ``slo_miss`` (which bound failed, by how much), ``stable`` and ``unstable_why`` of a row.

    Stable: no dropped or throttled request, slot and vCPU utilisation below 0.99, and at most
    max(10, 0.1 % of the completed) requests still waiting in the queue at the horizon.
    """
    if not row.get("replications"):
        return {"meets_slo": False, "slo_miss": "not run", "stable": False, "unstable_why": "not run"}
    miss = []
    for k, bound in slo.items():
        v = row[k]
        if not (v <= bound):
            miss.append(f"{k} {v:.4g} > {bound:.4g}" + (f" (+{(v / bound - 1) * 100:.0f} %)" if bound > 0 else ""))
    why = []
    if row["dropped"] > 0:
        why.append(f"{row['dropped']:.4g} dropped or throttled")
    for k in ("utilization", "cpu_utilization"):
        if math.isfinite(row.get(k, math.nan)) and row[k] >= SATURATED:
            why.append(f"{k} {row[k]:.3f}")
    if row.get("queue_at_end", 0) > max(10.0, 1e-3 * row["completed"]):
        why.append(f"{row['queue_at_end']:.0f} still queued at the end")
    return {"meets_slo": not miss and not why, "slo_miss": "; ".join(miss + why), "stable": not why,
            "unstable_why": "; ".join(why)}
