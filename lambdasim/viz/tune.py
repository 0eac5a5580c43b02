"""The power-tuning chart: cost per invocation and mean run time against memory size."""
from __future__ import annotations

from pathlib import Path

__all__ = ["plot_tune", "save_tune_plot"]


def plot_tune(df, ax=None, chosen=None):
    """Cost per million invocations (left axis, solid) and mean run time (right axis, dashed) per memory size,
    one pair of lines per architecture; ``chosen`` (a row of :func:`~lambdasim.comparison.tune.pick`) is marked."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(8, 4))
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
    ax.set_xlabel("memory (MB)")
    ax.set_ylabel("cost (USD per million invocations)")
    right.set_ylabel("mean run time (ms)")
    right.set_yscale("log")
    ax.set_ylim(bottom=0)
    lines = ax.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    ax.legend(lines[0] + more[0], lines[1] + more[1], fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28),
              ncol=3, frameon=False)
    ax.set_title(f"Power tuning of {df.attrs.get('function', 'the function')} (simulated)")
    ax.grid(alpha=0.3)
    return ax


def save_tune_plot(df, path: str | Path, chosen=None) -> Path:
    """Write the chart as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    plot_tune(df, ax=ax, chosen=chosen)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
