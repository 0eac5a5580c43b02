"""Plot helpers: each takes a result (and an optional Axes) and draws one view."""
from __future__ import annotations

import weakref
from pathlib import Path

import numpy as np

from lambdasim.timeseries import bin_edges
from lambdasim.labels import PLATFORMS, fmt, label
from lambdasim.viz.figure import axes as _new_axes
from lambdasim.viz.figure import label_axes, legend, save

__all__ = ["plot_timeseries", "plot_latency_cdf", "plot_concurrency", "plot_cold_starts",
           "plot_cost_per_million", "save_run_plots"]


def _axes(ax):
    return _new_axes(ax, figsize=(7, 3.5))


def plot_timeseries(result, step_s: float | None = None, ax=None):
    """Mean concurrency and live instances per step, with cold starts on a second axis."""
    ax = _axes(ax)
    step_s = step_s or max(result.scenario.horizon_s / 200, 1.0)
    ts = result.timeseries(step_s)
    hours = ts["t_s"] / 3600
    ax.plot(hours, ts["instances"], label="live instances (busy + idle)")
    ax.plot(hours, ts["concurrency"], label="concurrency (busy)")
    label_axes(ax, "time (h)", "instances")
    ax2 = ax.twinx()
    ax2.bar(hours, ts["cold_starts"], width=step_s / 3600, color="tab:red", alpha=0.3, label="cold starts")
    label_axes(ax2, y=f"cold starts per {fmt(step_s)} s")
    legend(ax, "upper left")
    ax.set_title(f"{result.scenario.name} on {PLATFORMS.get(result.platform, result.platform)}")
    return ax


def plot_latency_cdf(result, ax=None):
    """Empirical CDF of latency (arrival to end), cold and warm invocations apart."""
    ax = _axes(ax)
    inv = result.invocations
    done = inv[inv["status"] == "completed"]
    for kind, part in (("warm", done[~done["cold"]]), ("cold", done[done["cold"]])):
        if len(part):
            lat = np.sort((part["end_s"] - part["arrival_s"]).to_numpy())
            ax.step(lat, np.arange(1, len(lat) + 1) / len(lat), where="post", label=f"{kind} ({fmt(len(lat), 'count')})")
    ax.set_xscale("log")
    label_axes(ax, "latency, arrival to end (s)", "share of completed requests")
    legend(ax)
    return ax


def _step(result, step_s):
    return step_s or max(result.scenario.horizon_s / 120, 1.0)


_SERIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _timeseries(result, step_s: float):
    """``result.timeseries(step_s)``, computed once per result and step (a panel draws two plots from it)."""
    try:
        memo = _SERIES.setdefault(result, {})
    except TypeError:  # a result that cannot be weakly referenced: no memo
        return result.timeseries(step_s)
    if step_s not in memo:
        memo[step_s] = result.timeseries(step_s)
    return memo[step_s]


def plot_concurrency(result, step_s: float | None = None, ax=None):
    """Mean busy instances (concurrency) and live instances (busy + idle) per step."""
    ax = _axes(ax)
    step_s = _step(result, step_s)
    ts = _timeseries(result, step_s)
    minutes = ts["t_s"] / 60
    ax.step(minutes, ts["instances"], where="post", label="live (busy + idle)")
    ax.step(minutes, ts["concurrency"], where="post", label="busy (concurrency)")
    label_axes(ax, "time (min)", "execution environments")
    ax.set_ylim(bottom=0)
    legend(ax, "lower right")
    ax.set_title("concurrency")
    return ax


def plot_cold_starts(result, step_s: float | None = None, ax=None):
    """Cold starts per step, with the run's cold-start rate in the title."""
    ax = _axes(ax)
    step_s = _step(result, step_s)
    ts = _timeseries(result, step_s)
    # one filled outline over every step (a single patch: far cheaper to draw than a bar per step)
    ax.stairs(ts["cold_starts"].to_numpy(), bin_edges(result.scenario.horizon_s, step_s) / 60, fill=True,
              color="tab:red", alpha=0.7)
    label_axes(ax, "time (min)", f"cold starts per {fmt(step_s)} s")
    s = result.summary
    ax.set_title(f"{label('cold_starts')}: {fmt(s['cold_starts'], 'count')} "
                 f"({fmt(s['cold_start_rate'], 'percent', 'none started')} of started)")
    return ax


def plot_cost_per_million(result, ax=None):
    """The bill per million completed invocations, split into its line items."""
    ax = _axes(ax)
    cost, done = result.cost, result.summary["completed"]
    label_axes(ax, label("cost_per_million_usd"))
    if not done:
        ax.text(0.5, 0.5, "n/a: no request completed", ha="center", va="center", transform=ax.transAxes)
        return ax
    per_m = (cost["amount_usd"] / done * 1e6).to_numpy()
    y = np.arange(len(per_m))
    ax.barh(y, per_m, color=[f"C{i}" for i in y])
    ax.set_yticks(y, cost["item"])
    for yi, v in zip(y, per_m):
        ax.annotate(fmt(v, "usd"), (v, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize="small")
    ax.set_xlim(0, max(float(per_m.max()) * 1.3, 1e-9))
    ax.set_title(f"cost: {fmt(result.summary['cost_per_million_usd'], 'usd')} per million requests")
    return ax


def save_run_plots(result, out_dir: str | Path) -> list[Path]:
    """Write the standard plots of one run as PNG files; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    plots = [("timeseries", plot_timeseries), ("latency_cdf", plot_latency_cdf)]
    if getattr(result, "application", None) is not None:  # an application graph (application_plots.py)
        from lambdasim.viz.application import plot_e2e_latency, plot_graph

        plots += [("graph", plot_graph), ("e2e_latency", lambda r, ax: plot_e2e_latency({"end to end": r}, ax=ax))]
    for name, draw in plots:
        ax = _new_axes(figsize=(8, 4))
        draw(result, ax=ax)
        ax.figure.tight_layout()
        paths.append(save(ax.figure, out / f"{result.scenario.name}_{result.platform}_{name}.png"))
        plt.close(ax.figure)
    return paths
