"""Plots of a Lambda-versus-EC2 comparison: bars with CIs, cost curves, fleets over time."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lambdasim.labels import path_label

__all__ = ["plot_comparison", "plot_cost_curves", "plot_fleets", "save_compare_plots"]

COLORS = {"lambda": "tab:orange", "configured": "tab:blue", "slo": "tab:green", "autoscaled": "tab:purple",
          "fixed": "tab:blue"}
PLATFORM_NAMES = {"lambda": "Lambda", "ec2": "EC2", "fargate": "Fargate", "lmi": "LMI"}


def _label(row) -> str:
    return "Lambda" if row["platform"] == "lambda" else f"EC2 {row['strategy']}"


def plot_comparison(df: pd.DataFrame, axes=None):
    """Monthly cost and p99 latency of each row of :func:`compare`, with 95 % intervals.

    Options that miss the SLO (or are overloaded) are drawn grey and hatched, labelled "fails";
    the cheapest option meeting the SLO is labelled "cheapest meeting SLO".
    """
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    winner = df.attrs.get("verdict", {}).get("winner")
    ok = df["meets_slo"].to_numpy(dtype=bool) if "meets_slo" in df else np.ones(len(df), dtype=bool)
    labels = [_label(r) + ("" if good else " (fails)") + (" *" if _label(r) == winner else "")
              for good, (_, r) in zip(ok, df.iterrows())]
    colors = [(COLORS["lambda"] if r["platform"] == "lambda" else COLORS.get(r["strategy"], "tab:gray"))
              if good else "lightgray" for good, (_, r) in zip(ok, df.iterrows())]
    monthly = "monthly_cost_usd" in df
    for ax, key, title in ((axes[0], "monthly_cost_usd" if monthly else "cost_per_million_usd",
                            "projected monthly cost (USD)" if monthly else "USD per million requests"),
                           (axes[1], "latency_p99_s", "p99 latency (s)")):
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
        ax.set_xlabel(title)
        ax.invert_yaxis()
    slo = df.attrs.get("slo")
    if slo and "latency_p99_s" in slo:
        axes[1].axvline(slo["latency_p99_s"], color="k", ls="--", lw=1, label="SLO")
        axes[1].legend(fontsize="small")
    axes[0].set_title(f"{df.attrs.get('scenario', '')}: cost ({df['replications'].max()} replications)"
                      + ("\n* cheapest meeting the SLO; grey hatched: fails" if winner else "\ngrey hatched: fails"),
                      fontsize="medium")
    axes[1].set_title("latency")
    return axes


def plot_cost_curves(be, axes=None):
    """Cost per million and p99 latency against the varied field, the break-even marked; values where an
    option misses the SLO or is overloaded are crossed out (grey X); ``str(be)`` says the result in words."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    c = be.curves
    first, second = getattr(be, "platforms", ("lambda", "ec2"))
    for plat, color in ((first, COLORS.get(first, "tab:orange")), (second, COLORS.get(be.strategy, "tab:blue"))):
        name = "Lambda" if plat == "lambda" else f"{PLATFORM_NAMES.get(plat, plat)} {be.strategy}"
        for ax, key in ((axes[0], "cost_per_million_usd"), (axes[1], "latency_p99_s")):
            y = c[f"{plat}_{key}"]
            if f"{plat}_{key}_lo" in c:  # the interval never leaves the metric's range (none below 3 replications)
                lo, hi = c[f"{plat}_{key}_lo"], c[f"{plat}_{key}_hi"]
            else:
                e = np.nan_to_num(c[f"{plat}_{key}_ci95"])
                lo, hi = y - e, y + e
            ax.plot(c["x"], y, "o-", color=color, label=name)
            ax.fill_between(c["x"], lo, hi, color=color, alpha=0.2)
            fails = c[f"{plat}_meets_slo"] < 0.5 if f"{plat}_meets_slo" in c else np.zeros(len(c), dtype=bool)
            if fails.any():  # misses the SLO or overloaded there: never drawn as a winner
                ax.plot(c["x"][fails], y[fails], "X", color="lightgray", markeredgecolor="black", ms=9,
                        label=f"{name} fails the SLO")
    if np.isfinite(be.value):
        for ax in axes:
            ax.axvline(be.value, color="k", ls="--", lw=1)
        axes[0].annotate(f"break-even {be.value:.3g}" + (f" ± {be.ci95:.2g}" if np.isfinite(be.ci95) else ""),
                         (be.value, 0.95), xycoords=("data", "axes fraction"), ha="left", va="top", fontsize="small")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("USD per million requests")
    axes[1].set_ylabel("p99 latency (s)")
    for ax in axes:
        ax.set_xlabel(path_label(be.vary))
        ax.legend(fontsize="small")
    return axes


def plot_fleets(results: dict, step_s: float | None = None, ax=None):
    """Live instances over time of several runs (label -> result), with Lambda's busy concurrency."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.5))
    for label, r in results.items():
        step = step_s or max(r.scenario.horizon_s / 200, 1.0)
        ts = r.timeseries(step)
        hours = ts["t_s"] / 3600
        if r.platform == "lambda":
            ax.plot(hours, ts["concurrency"], color=COLORS["lambda"], lw=1, label=f"{label}: busy environments")
        else:
            color = COLORS.get(label.split()[-1], None)
            ax.step(hours, ts["instances"], where="post", color=color, label=f"{label}: instances")
    ax.set_ylim(bottom=0)
    ax.set_xlabel("time (h)")
    ax.set_ylabel("count")
    ax.legend(fontsize="small")
    return ax


def save_compare_plots(df: pd.DataFrame, results: dict, out_dir: str | Path, name: str) -> list[Path]:
    """Write the comparison bars and the fleets over time as PNG files; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    plot_comparison(df, axes)
    fig.tight_layout()
    paths.append(out / f"{name}_compare.png")
    fig.savefig(paths[-1], dpi=110)
    plt.close(fig)
    if results:
        fig, ax = plt.subplots(figsize=(10, 3.8))
        plot_fleets(results, ax=ax)
        ax.set_title(f"{name}: Lambda environments and EC2 instances")
        fig.tight_layout()
        paths.append(out / f"{name}_fleets.png")
        fig.savefig(paths[-1], dpi=110)
        plt.close(fig)
    return paths
