"""The hybrid optimizer's cost/latency plane: every configuration, the Pareto front, the SLO, the best."""
from __future__ import annotations

import pandas as pd

from lambdasim.viz.figure import axes, label_axes, legend, slo_line

__all__ = ["plot_pareto"]


def plot_pareto(df: pd.DataFrame, ax=None):
    """Cost against p99 latency of each row of :func:`lambdasim.comparison.optimize.optimize`."""
    ax = axes(ax, figsize=(7, 4.5))
    names = {"busy": "to Lambda when every slot is busy", "queue": "to Lambda when the queue is full",
             "booting": "to Lambda while instances boot", "none": "pure base fleet sized to the SLO"}
    for routing, marker in (("busy", "o"), ("queue", "s"), ("booting", "^"), ("none", "D")):
        d = df[df["routing"] == routing]
        if len(d):
            ax.scatter(d["cost_usd"], d["latency_p99_s"], marker=marker, c=d["overflow_share"], cmap="viridis",
                       vmin=0, vmax=1, edgecolor="k", label=names[routing])
    front = df[df["pareto"]].sort_values("cost_usd")
    ax.plot(front["cost_usd"], front["latency_p99_s"], "k--", lw=1, label="Pareto front")
    for _, r in df.iterrows():
        ax.annotate(f"{int(r['base_instances'])}", (r["cost_usd"], r["latency_p99_s"]), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    slo = df.attrs.get("slo") or {}
    if "latency_p99_s" in slo:
        slo_line(ax, slo["latency_p99_s"])
    best = df.attrs.get("best")
    if best:
        what = (f"{int(best['base_instances'])} x {df.attrs.get('instance_type', '')}"
                + ("" if best["routing"] == "none" else " + Lambda") if best["base_instances"] else "Lambda alone")
        ax.scatter([best["cost_usd"]], [best["latency_p99_s"]], s=200, facecolor="none", edgecolor="tab:red",
                   lw=2, label=f"cheapest meeting the SLO: {what}")
    label_axes(ax, "cost of the simulated horizon (USD)", "latency_p99_s")
    ax.set_title(f"{df.attrs.get('scenario', '')}: hybrid base fleet + Lambda overflow "
                 "(labels: base instances; colour: share sent to Lambda)", fontsize=9)
    legend(ax, size="x-small")
    return ax
