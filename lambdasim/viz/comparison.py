"""Plots of a Lambda-versus-EC2 comparison: bars with CIs, cost curves, fleets over time.

Honest by construction: options are named by :func:`lambdasim.labels.option_label`; options that
miss the SLO are grey and hatched; the SLO is drawn wherever latency is; Lambda's busy environments
and EC2's instances (unlike quantities) sit on separate axes; the last step of a run, cut by the
horizon, is left out of curves over time rather than drawn as a dip.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lambdasim.labels import label, option_label, path_label
from lambdasim.viz.figure import axes as new_axes
from lambdasim.viz.figure import bare_figure, label_axes, legend, save, slo_line

__all__ = ["plot_comparison", "plot_cost_curves", "plot_fleets", "save_compare_plots", "save_break_even_plot"]

COLORS = {"lambda": "tab:orange", "configured": "tab:blue", "slo": "tab:green", "autoscaled": "tab:purple",
          "fixed": "tab:blue"}
#: strategy -> the option's name, to colour a run given by its name
OPTION_NAMES = {k: option_label("ec2", k) for k in ("configured", "slo", "autoscaled")}


def _label(row) -> str:
    return option_label(row["platform"], row["strategy"])


def plot_comparison(df: pd.DataFrame, axes=None):
    """Monthly cost and p99 latency of each row of :func:`compare`, with 95 % intervals.

    Options that miss the SLO (or are overloaded) are drawn grey and hatched, labelled "fails";
    the cheapest option meeting the SLO is labelled "cheapest meeting SLO".
    """
    axes = new_axes(axes, figsize=(10, 3.5), ncols=2)
    winner = df.attrs.get("verdict", {}).get("winner")
    ok = df["meets_slo"].to_numpy(dtype=bool) if "meets_slo" in df else np.ones(len(df), dtype=bool)
    labels = [_label(r) + ("" if good else " (fails)") + (" *" if _label(r) == winner else "")
              for good, (_, r) in zip(ok, df.iterrows())]
    colors = [(COLORS["lambda"] if r["platform"] == "lambda" else COLORS.get(r["strategy"], "tab:gray"))
              if good else "lightgray" for good, (_, r) in zip(ok, df.iterrows())]
    monthly = "monthly_cost_usd" in df
    for ax, key, title in ((axes[0], "monthly_cost_usd" if monthly else "cost_per_million_usd",
                            label("monthly_cost_usd") if monthly else label("cost_per_million_usd")),
                           (axes[1], "latency_p99_s", label("latency_p99_s"))):
        y = df[key].to_numpy(dtype=float)
        if f"{key}_lo" in df:  # asymmetric: the interval never leaves the metric's range
            lo, hi = df[f"{key}_lo"].to_numpy(dtype=float), df[f"{key}_hi"].to_numpy(dtype=float)
            err = np.nan_to_num(np.vstack([y - lo, hi - y]))
        elif f"{key}_ci95" in df:
            err = np.nan_to_num(df[f"{key}_ci95"].to_numpy(dtype=float))
        else:
            err = None
        bars = ax.barh(labels, y, xerr=err, color=colors, capsize=3, edgecolor="dimgray")
        for bar, good in zip(bars, ok):
            if not good:
                bar.set_hatch("//")
        for bar, v in zip(bars, y):
            if not np.isfinite(v):  # nothing to draw: say why instead of leaving a gap
                ax.annotate("n/a: no fleet meets the SLO", (0, bar.get_y() + bar.get_height() / 2), xytext=(3, 0),
                            textcoords="offset points", va="center", fontsize="small", color="dimgray")
        label_axes(ax, title)
        ax.invert_yaxis()
    axes[1].tick_params(labelleft=False)  # the same options, in the same order, as on the cost axis
    slo = df.attrs.get("slo")
    if slo and "latency_p99_s" in slo:
        slo_line(axes[1], slo["latency_p99_s"], "SLO", vertical=True, color="k", ls="--")
        legend(axes[1])
    axes[0].set_title(f"{df.attrs.get('scenario', '')}: cost ({df['replications'].max()} replications)"
                      + ("\n* cheapest meeting the SLO; grey hatched: fails" if winner else "\ngrey hatched: fails"),
                      fontsize="medium")
    axes[1].set_title("latency")
    return axes


def plot_cost_curves(be, axes=None, slo: float | None = None):
    """Cost per million and p99 latency against the varied field, the break-even marked.

    Values where an option misses the SLO or is overloaded (``be.curves``' ``<platform>_meets_slo``) are
    crossed out (grey X): never drawn as a winner; a server option with no fleet meeting the SLO has no
    point (an x at the foot of the cost axis). ``slo`` (a p99 bound in seconds; default the break-even's
    own ``latency_p99_s`` bound) is drawn on the latency axis. ``str(be)`` says the result in words.
    """
    axes = new_axes(axes, figsize=(10, 3.5), ncols=2)
    c = be.curves
    if slo is None and getattr(be, "slo", None):
        slo = be.slo.get("latency_p99_s")
    first, second = getattr(be, "platforms", ("lambda", "ec2"))
    for plat, color in ((first, COLORS.get(first, "tab:orange")), (second, COLORS.get(be.strategy, "tab:blue"))):
        name = option_label(plat, be.strategy if plat != "lambda" else None)
        for ax, key in ((axes[0], "cost_per_million_usd"), (axes[1], "latency_p99_s")):
            y = c[f"{plat}_{key}"].to_numpy(dtype=float)
            y = np.where(np.isfinite(y), y, np.nan)  # no fleet meets the SLO: no point, not an infinite one
            if f"{plat}_{key}_lo" in c:  # the interval never leaves the metric's range (none below 3 replications)
                lo, hi = c[f"{plat}_{key}_lo"].to_numpy(dtype=float), c[f"{plat}_{key}_hi"].to_numpy(dtype=float)
            else:
                e = np.nan_to_num(c[f"{plat}_{key}_ci95"].to_numpy(dtype=float))
                lo, hi = np.maximum(y - e, 0.0), y + e
            ax.plot(c["x"], y, "o-", color=color, label=name)
            ax.fill_between(c["x"], lo, hi, color=color, alpha=0.2)
            fails = (c[f"{plat}_meets_slo"] < 0.5).to_numpy() if f"{plat}_meets_slo" in c else np.zeros(len(c), bool)
            fails = fails & np.isfinite(y)
            if fails.any():  # misses the SLO or overloaded there: never drawn as a winner
                ax.plot(c["x"][fails], y[fails], "X", color="lightgray", markeredgecolor="black", ms=9,
                        label=f"{name}: fails the SLO")
            none = ~np.isfinite(c[f"{plat}_cost_per_million_usd"].to_numpy(dtype=float))
            if none.any() and key == "cost_per_million_usd":
                ax.plot(c["x"][none], np.full(int(none.sum()), 0.04), "x", color="dimgray", ms=8,
                        transform=ax.get_xaxis_transform(), label=f"{name}: no fleet meets the SLO")
    if np.isfinite(be.value):
        for ax in axes:
            ax.axvline(be.value, color="k", ls="--", lw=1)
        axes[0].annotate(f"break-even {be.value:.3g}" + (f" ± {be.ci95:.2g}" if np.isfinite(be.ci95) else ""),
                         (be.value, 0.04), xycoords=("data", "axes fraction"), xytext=(3, 0), textcoords="offset points",
                         ha="left", va="bottom", fontsize="small")
    if slo is not None:
        slo_line(axes[1], slo, "SLO", color="k", ls=":")
    axes[0].set_yscale("log")
    label_axes(axes[0], path_label(be.vary), label("cost_per_million_usd"))
    label_axes(axes[1], path_label(be.vary), label("latency_p99_s"))
    for ax in axes:
        legend(ax)
    return axes


def _steps(result, step_s: float | None):
    """The run's time series without its last step, which requests cut by the horizon would pull down."""
    step = step_s or max(result.scenario.horizon_s / 200, 1.0)
    ts = result.timeseries(step)
    return (ts[ts["t_s"] < result.scenario.horizon_s - step] if len(ts) > 2 else ts), step


def plot_fleets(results: dict, step_s: float | None = None, ax=None):
    """Lambda's busy environments (left axis) and EC2 instances (right axis) over time.

    ``results``: option name -> result. The two are different things (an environment runs one
    request; an instance runs many), so each has its own axis and colour-coded label.
    """
    ax = new_axes(ax, figsize=(10, 3.5))
    ec2_ax = None
    handles = []
    for name, r in results.items():
        ts, _ = _steps(r, step_s)
        hours = ts["t_s"] / 3600
        if r.platform == "lambda":
            handles += ax.plot(hours, ts["concurrency"], color=COLORS["lambda"], lw=1,
                               label=f"{name}: busy environments (left)")
        else:
            ec2_ax = ec2_ax or ax.twinx()
            color = next((COLORS[k] for k, v in OPTION_NAMES.items() if v == name), None)
            handles += ec2_ax.step(hours, ts["instances"], where="post", color=color, label=f"{name}: instances (right)")
    ax.set_ylim(bottom=0)
    label_axes(ax, "time (h)", "Lambda busy environments")
    ax.yaxis.label.set_color(COLORS["lambda"])
    if ec2_ax is not None:
        from matplotlib.ticker import MaxNLocator

        ec2_ax.set_ylim(bottom=0, top=max(ec2_ax.get_ylim()[1], 1) * 1.15)
        ec2_ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        label_axes(ec2_ax, y="EC2 instances")
    legend(ax, "upper left", handles=(handles, [h.get_label() for h in handles]), bbox_to_anchor=(0, -0.18),
           ncols=1, frameon=False)
    return ax


def save_compare_plots(df: pd.DataFrame, results: dict, out_dir: str | Path, name: str) -> list[Path]:
    """Write the comparison bars and the fleets over time as PNG files; returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = bare_figure((11, 3.8), ncols=2)
    plot_comparison(df, axes)
    fig.tight_layout()
    paths = [save(fig, out / f"{name}_compare.png")]
    if results:
        fig, ax = bare_figure((10, 3.8))
        plot_fleets(results, ax=ax)
        ax.set_title(f"{name}: Lambda environments and EC2 instances")
        fig.tight_layout()
        paths.append(save(fig, out / f"{name}_fleets.png"))
    return paths


def save_break_even_plot(be, out_dir: str | Path, name: str, slo: float | None = None, title: str = "") -> Path:
    """Write the break-even's cost and p99 curves (:func:`plot_cost_curves`) as a PNG; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = bare_figure((11, 3.8), layout="constrained", ncols=2)
    plot_cost_curves(be, axes, slo=slo)
    if be.curves["x"].max() / be.curves["x"].min() >= 10:
        for ax in axes:
            ax.set_xscale("log")
    if title:
        fig.suptitle(title, fontsize="medium")
    return save(fig, out / f"{name}_break_even.png")
