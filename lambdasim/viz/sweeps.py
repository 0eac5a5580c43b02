"""Figures of a sweep summary: a metric against one factor (CI band), or over a grid of two."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lambdasim.labels import fmt_metric, metric
from lambdasim.labels import label as metric_label
from lambdasim.viz.figure import axes, label_axes, legend


def _percent(key: str) -> bool:
    """True when ``key``'s values are fractions its label calls a percentage."""
    m = metric(key)
    return m is not None and m.kind == "percent"

__all__ = ["plot_factor", "plot_heatmap"]


def _axes(ax):
    return axes(ax, figsize=(6, 3.5))


def _one_metric(summary: pd.DataFrame, metric: str) -> pd.DataFrame:
    part = summary[summary["metric"] == metric]
    if part.empty:
        raise ValueError(f"metric {metric!r} is not in the summary; available: {sorted(summary['metric'].unique())}")
    return part


def plot_factor(summary: pd.DataFrame, metric: str, x: str, hue: str | None = None, ax=None, label: str | None = None):
    """Mean of ``metric`` against factor ``x`` with its CI band, one line per value of ``hue``."""
    ax = _axes(ax)
    part = _one_metric(summary, metric)
    groups = part.groupby(hue, sort=True) if hue else [(None, part)]
    for value, g in groups:
        if g[x].duplicated().any():
            others = [f for f in summary.attrs.get("factors", []) if f not in (x, hue)]
            raise ValueError(f"several variants share each {x!r} value (other factors vary: {others}); "
                             f"pass hue= or filter the summary first")
        g = g.sort_values(x)
        name = f"{metric_label(hue)} = {fmt_metric(hue, value)}" if hue else (label or metric_label(metric))
        line, = ax.plot(g[x], g["mean"], marker="o", label=name)
        ax.fill_between(g[x], g["ci_low"], g["ci_high"], color=line.get_color(), alpha=0.2, linewidth=0)
    level = summary.attrs.get("level", 0.95)
    label_axes(ax, metric_label(x), f"{metric_label(metric)}: mean, {level:.0%} CI")
    if _percent(metric):
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if hue or label:
        legend(ax)
    return ax


def plot_heatmap(summary: pd.DataFrame, metric: str, x: str, y: str, ax=None, fmt: str = "{:.3g}", cmap="viridis"):
    """Mean of ``metric`` over a grid of two factors, each cell annotated."""
    ax = _axes(ax)
    grid = _one_metric(summary, metric).pivot_table(index=y, columns=x, values="mean", aggfunc="mean")
    im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap=cmap)
    ax.set_xticks(range(grid.shape[1]), [fmt_metric(x, c) for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [fmt_metric(y, i) for i in grid.index])
    label_axes(ax, metric_label(x), metric_label(y))
    ax.set_title(f"{metric_label(metric)}: mean")
    lo, hi = np.nanmin(grid.to_numpy()), np.nanmax(grid.to_numpy())
    for (i, j), v in np.ndenumerate(grid.to_numpy()):
        if np.isfinite(v):
            dark = (v - lo) / (hi - lo) < 0.5 if hi > lo else True
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize="small", color="white" if dark else "black")
    bar = ax.figure.colorbar(im, ax=ax)
    if _percent(metric):
        from matplotlib.ticker import PercentFormatter

        bar.ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    return ax
