"""The figures of the decision document (lambdasim/report/): each returns PNG bytes.

Figures are drawn on a bare :class:`matplotlib.figure.Figure` (no pyplot
state, no backend switch), at 120 dpi. Options that miss the SLO are
hatched and say so; the SLO is drawn wherever latency is.
"""
from __future__ import annotations

import numpy as np

from lambdasim.labels import fmt, label

__all__ = ["figure_png", "options_figure", "latency_figure", "cold_start_figure", "capacity_figure", "COLORS"]

COLORS = {"lambda": "tab:orange", "configured": "tab:blue", "slo": "tab:green", "autoscaled": "tab:purple"}
DPI = 120


def figure_png(draw, figsize=(9, 3.6), dpi: int = DPI, **subplots) -> bytes:
    """Draw on a fresh figure (``draw(fig, axes)``) and return it as PNG bytes."""
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    axes = fig.subplots(**subplots) if subplots else fig.subplots()
    draw(fig, axes)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


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
        axes[0].set_xlabel("monthly cost ($)")
        axes[0].set_title("cost per month")
        axes[1].set_xlabel(label("latency_p99_s"))
        axes[1].set_title("p99 latency")
        if "latency_p99_s" in slo:
            axes[1].axvline(slo["latency_p99_s"], color="k", ls="--", lw=1, label="SLO")
            axes[1].legend(fontsize="small", loc="lower right")
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
            ax.axvline(slo["latency_p99_s"], color="k", ls="--", lw=1, label="SLO (p99)")
            ax.axhline(0.99, color="gray", ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_xlabel("latency, arrival to end (s)")
        ax.set_ylabel("fraction of requests")
        ax.set_ylim(0, 1.01)
        ax.legend(fontsize="small", loc="lower right")
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
        ax.set_xlabel("time (min)")
        ax.set_ylabel(f"cold starts per {fmt(step)} s")
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
        axes[0].set_ylabel("Lambda environments")
        if len(axes) > 1:
            for (name, color), r in ec2:
                ts, _ = _steps(r)
                axes[1].step(ts["t_s"] / 3600, ts["instances"], where="post", color=color, label=name)
            axes[1].set_ylabel("EC2 instances")
        for ax in axes:
            ax.set_ylim(bottom=0)
            ax.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.01, 0.5))
        axes[-1].set_xlabel("time (h)")
        axes[0].set_title("capacity over time")
    rows = 1 + bool(ec2)
    return figure_png(draw, figsize=(9, 2.4 * rows + 0.6), nrows=rows, sharex=True)
