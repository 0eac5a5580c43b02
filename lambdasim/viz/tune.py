"""The power-tuning chart: cost per invocation and mean run time against memory size."""
from __future__ import annotations

from pathlib import Path

from lambdasim.viz.figure import axes, label_axes, legend, save

__all__ = ["plot_tune", "save_tune_plot"]


def plot_tune(df, ax=None, chosen=None):
    """Cost per million invocations (left axis, solid) and mean run time (right axis, dashed) per memory size,
    one pair of lines per architecture; ``chosen`` (a row of :func:`~lambdasim.comparison.tune.pick`) is marked."""
    ax = axes(ax, figsize=(8, 4))
    right = ax.twinx()
    for k, (arch, g) in enumerate(df.groupby("arch", sort=False)):
        g = g.sort_values("memory_mb")
        ax.plot(g["memory_mb"], g["cost_per_million_usd"], "o-", color=f"C{2 * k}", label=f"cost, {arch}")
        right.plot(g["memory_mb"], g["duration_mean_ms"], "s--", color=f"C{2 * k + 1}", label=f"run time, {arch}")
    if chosen is not None:
        ax.plot([chosen["memory_mb"]], [chosen["cost_per_million_usd"]], "*", ms=16, color="black",
                label=f"chosen: {int(chosen['memory_mb'])} MB {chosen['arch']}")
    ax.set_xscale("log", base=2)
    mems = sorted(df["memory_mb"].unique())
    ax.set_xticks(mems)
    ax.set_xticklabels([f"{m:g}" for m in mems], rotation=45, fontsize=8)
    ax.minorticks_off()
    label_axes(ax, "memory (MB)", "cost (USD per million invocations)")
    label_axes(right, y="mean run time (ms)")
    right.set_yscale("log")
    ax.set_ylim(bottom=0)
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    legend(ax, "upper center", size=8, handles=(lines[0] + more[0], lines[1] + more[1]), bbox_to_anchor=(0.5, -0.28),
           ncol=3, frameon=False)
    ax.set_title(f"Power tuning of {df.attrs.get('function', 'the function')} (simulated)")
    ax.grid(alpha=0.3)
    return ax


def save_tune_plot(df, path: str | Path, chosen=None) -> Path:
    """Write the chart as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = axes(figsize=(8, 5))
    plot_tune(df, ax=ax, chosen=chosen)
    ax.figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save(ax.figure, path)
    plt.close(ax.figure)
    return path
