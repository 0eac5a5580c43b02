"""The figures of the decision document (lambdasim/report/): each returns PNG bytes.

Figures are drawn on a bare :class:`matplotlib.figure.Figure` (no pyplot
state, no backend switch), at 120 dpi. Options that miss the SLO are
hatched and say so; the SLO is drawn wherever latency is.
"""
from __future__ import annotations

import numpy as np

from lambdasim.labels import fmt
from lambdasim.viz.figure import figure_png as _figure_png
from lambdasim.viz.figure import label_axes, legend, slo_line

__all__ = ["figure_png", "options_figure", "latency_figure", "cold_start_figure", "capacity_figure", "COLORS"]

COLORS = {"lambda": "tab:orange", "configured": "tab:blue", "slo": "tab:green", "autoscaled": "tab:purple"}
DPI = 120


def figure_png(draw, figsize=(9, 3.6), dpi: int = DPI, **subplots) -> bytes:
    """Draw on a fresh figure (``draw(fig, axes)``) and return it as PNG bytes, at the document's ``DPI``."""
    return _figure_png(draw, figsize, dpi, **subplots)


def _color(option) -> str:
    return COLORS["lambda"] if option.platform == "lambda" else COLORS.get(option.strategy, "tab:gray")


def options_figure(opts, slo: dict[str, float]) -> bytes:
    """Monthly cost and p99 latency per option (95 % CI bars); options missing the SLO hatched."""
    def draw(fig, axes):
        names = [o.name for o in opts]
        y = np.arange(len(opts))
        for ax, key in zip(axes, ("monthly", "latency_p99_s")):
            vals = [o.monthly_cost_usd if key == "monthly" else o.row.get(key, np.nan) for o in opts]
            vals = np.nan_to_num(np.asarray(vals, dtype=float))
            bars = ax.barh(y, vals, color=[_color(o) for o in opts])
            for b, o, v in zip(bars, opts, vals):
                if not o.meets_slo:
                    b.set_hatch("//")
                    b.set_alpha(0.5)
                text = fmt(v, "usd") if key == "monthly" else f"{fmt(v, 'seconds')} s"
                ax.annotate(text + ("" if o.meets_slo else "  misses SLO"), (v, b.get_y() + b.get_height() / 2),
                            xytext=(3, 0), textcoords="offset points", va="center", fontsize="small")
            ax.set_yticks(y, names if key == "monthly" else [""] * len(names))
            ax.invert_yaxis()
            ax.set_xlim(0, max(float(vals.max()), 1e-9) * 1.45)
        label_axes(axes[0], "monthly cost ($)")
        axes[0].set_title("cost per month")
        label_axes(axes[1], "latency_p99_s")
        axes[1].set_title("p99 latency")
        if "latency_p99_s" in slo:
            slo_line(axes[1], slo["latency_p99_s"], "SLO", vertical=True, color="k", ls="--")
            legend(axes[1], "lower right")
    return figure_png(draw, figsize=(10, 0.7 * len(opts) + 1.6), ncols=2)


def latency_figure(results: dict, slo: dict[str, float]) -> bytes:
    """Latency distribution (arrival to end, completed requests) of each simulated option, SLO marked."""
    def draw(fig, ax):
        for (name, color), r in results.items():
            inv = r.invocations
            done = inv[inv["status"] == "completed"]
            lat = np.sort((done["end_s"] - done["arrival_s"]).to_numpy())
            if len(lat):
                ax.step(lat, np.arange(1, len(lat) + 1) / len(lat), where="post", color=color, label=name)
        if "latency_p99_s" in slo:
            slo_line(ax, slo["latency_p99_s"], vertical=True, color="k", ls="--")
            ax.axhline(0.99, color="gray", ls=":", lw=1)
        ax.set_xscale("log")
        label_axes(ax, "latency, arrival to end (s)", "fraction of requests")
        ax.set_ylim(0, 1.01)
        legend(ax, "lower right")
        ax.set_title("latency distribution")
    return figure_png(draw, figsize=(9, 3.6))


def _steps(result):
    step = max(result.scenario.horizon_s / 150, 1.0)
    ts = result.timeseries(step)
    end = result.scenario.horizon_s - step  # the last step holds requests cut by the horizon: not a dip
    return ts[ts["t_s"] < end] if len(ts) > 2 else ts, step


def cold_start_figure(result) -> bytes:
    """Lambda's cold starts per step, with the run's cold-start rate."""
    def draw(fig, ax):
        ts, step = _steps(result)
        ax.bar(ts["t_s"] / 60, ts["cold_starts"], width=step / 60, align="edge", color="tab:red", alpha=0.7)
        label_axes(ax, "time (min)", f"cold starts per {fmt(step)} s")
        s = result.summary
        ax.set_title(f"Lambda cold starts: {fmt(s['cold_starts'], 'count')} "
                     f"({fmt(s['cold_start_rate'], 'percent', 'no request started')} of started requests)")
    return figure_png(draw, figsize=(9, 3.0))


def capacity_figure(results: dict) -> bytes:
    """Lambda busy environments and EC2 instances over time, each on its own axis."""
    lam = [(k, r) for k, r in results.items() if r.platform == "lambda"]
    ec2 = [(k, r) for k, r in results.items() if r.platform != "lambda"]

    def draw(fig, axes):
        axes = np.atleast_1d(axes)
        for (name, color), r in lam:
            ts, _ = _steps(r)
            axes[0].plot(ts["t_s"] / 3600, ts["concurrency"], color=color, lw=1, label=f"{name}: busy")
            axes[0].plot(ts["t_s"] / 3600, ts["instances"], color=color, lw=1, ls=":", label=f"{name}: live (busy + idle)")
        label_axes(axes[0], y="Lambda environments")
        if len(axes) > 1:
            for (name, color), r in ec2:
                ts, _ = _steps(r)
                axes[1].step(ts["t_s"] / 3600, ts["instances"], where="post", color=color, label=name)
            label_axes(axes[1], y="EC2 instances")
        for ax in axes:
            ax.set_ylim(bottom=0)
            legend(ax, outside=True)
        label_axes(axes[-1], "time (h)")
        axes[0].set_title("capacity over time")
    rows = 1 + bool(ec2)
    return figure_png(draw, figsize=(9, 2.4 * rows + 0.6), nrows=rows, sharex=True)
