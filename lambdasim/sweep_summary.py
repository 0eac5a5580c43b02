"""Confidence intervals over replications, and the plots of a sweep.

:func:`summarize` turns a sweep table (one row per variant × replication)
into one row per variant × metric with the mean and a Student-t confidence
interval over the replications that succeeded. :func:`plot_factor` draws a
metric against one factor with its CI band; :func:`plot_heatmap` draws the
mean against two factors.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .confidence import t_half_width
from .sweep import RESERVED

__all__ = ["summarize", "factor_columns", "metric_columns", "plot_factor", "plot_heatmap"]


def factor_columns(df: pd.DataFrame) -> list[str]:
    """The factor columns: from ``df.attrs`` when present, else those before ``variant``."""
    if df.attrs.get("factors") is not None:
        return [c for c in df.attrs["factors"] if c in df.columns]
    cols = list(df.columns)
    return cols[: cols.index("variant")] if "variant" in cols else []


def metric_columns(df: pd.DataFrame) -> list[str]:
    """Numeric columns that are neither factors nor bookkeeping."""
    skip = set(factor_columns(df)) | set(RESERVED)
    return [c for c in df.columns if c not in skip and pd.api.types.is_numeric_dtype(df[c])
            and not pd.api.types.is_bool_dtype(df[c])]


def summarize(df: pd.DataFrame, metrics: list[str] | None = None, level: float = 0.95) -> pd.DataFrame:
    """Per variant and metric: n, mean, std and the ``level`` t-interval (ci_low, ci_high).

    Only rows with ``status == "ok"`` count; NaN values of a metric are left
    out of its n. With n < 2 the interval is NaN. The result is tidy: one
    row per (variant, metric), factor values first.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be a float in the range (0, 1). Got {level!r} instead.")
    factors = factor_columns(df)
    metrics = list(metrics) if metrics is not None else metric_columns(df)
    missing = [m for m in metrics if m not in df.columns]
    if missing:
        raise ValueError(f"metrics {missing} are not columns of the sweep table; available: {metric_columns(df)}")
    ok = df[df["status"] == "ok"] if "status" in df.columns else df
    long = ok.melt(id_vars=["variant"], value_vars=metrics, var_name="metric").dropna(subset=["value"])
    long["value"] = long["value"].astype(float)
    g = long.groupby(["variant", "metric"], sort=False)["value"]
    out = g.agg(n="count", mean="mean", std="std").reset_index()
    half = t_half_width(out["std"], out["n"], level)
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    keys = df.drop_duplicates("variant")[factors + ["variant"]]
    out = keys.merge(out, on="variant", how="right")
    out.attrs.update(factors=factors, level=level)
    return out


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 3.5))
    return ax


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
        name = f"{hue} = {value}" if hue else (label or metric)
        line, = ax.plot(g[x], g["mean"], marker="o", label=name)
        ax.fill_between(g[x], g["ci_low"], g["ci_high"], color=line.get_color(), alpha=0.2, linewidth=0)
    level = summary.attrs.get("level", 0.95)
    ax.set_xlabel(x)
    ax.set_ylabel(f"{metric} (mean, {level:.0%} CI)")
    if hue or label:
        ax.legend(fontsize="small")
    return ax


def plot_heatmap(summary: pd.DataFrame, metric: str, x: str, y: str, ax=None, fmt: str = "{:.3g}", cmap="viridis"):
    """Mean of ``metric`` over a grid of two factors, each cell annotated."""
    ax = _axes(ax)
    grid = _one_metric(summary, metric).pivot_table(index=y, columns=x, values="mean", aggfunc="mean")
    im = ax.imshow(grid.to_numpy(), origin="lower", aspect="auto", cmap=cmap)
    ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [str(i) for i in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{metric} (mean)")
    lo, hi = np.nanmin(grid.to_numpy()), np.nanmax(grid.to_numpy())
    for (i, j), v in np.ndenumerate(grid.to_numpy()):
        if np.isfinite(v):
            dark = (v - lo) / (hi - lo) < 0.5 if hi > lo else True
            ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize="small", color="white" if dark else "black")
    ax.figure.colorbar(im, ax=ax)
    return ax
