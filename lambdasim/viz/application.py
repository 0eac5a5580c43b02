"""Plots of an application run: the graph with per-node cost and latency, and where the time goes."""
from __future__ import annotations

import numpy as np

from lambdasim.application.spec import layers
from lambdasim.labels import fmt, label
from lambdasim.application.lineage import PARTS
from lambdasim.viz.figure import axes, label_axes, legend

__all__ = ["plot_graph", "plot_time_parts", "plot_e2e_latency"]

_COLORS = {"async": "tab:blue", "stream": "tab:green", "sqs": "tab:orange", "sync": "tab:purple"}
TRIGGERS = {"async": "async event", "stream": "stream", "sqs": "SQS queue", "sync": "sync call"}
#: Critical-path parts (application.lineage.PARTS) in words: the label registry's names without "mean ... on the critical path".
PART_NAMES = {p: label(f"e2e_{p[:-2]}_mean_s").removeprefix("mean ").split(" on the critical path")[0] for p in PARTS}


def _app(result):
    return getattr(result, "application", None) or result


def _usd(per_root: float) -> str:
    return (f"{fmt(per_root, 'usd')} per root event" if per_root >= 0.01
            else f"{fmt(per_root * 1e6, 'usd')} per million root events")


def positions(app) -> dict[str, tuple[float, float]]:
    """A layered layout: x = depth in the DAG, nodes of one layer spread along y."""
    nodes = list(app.by_function.index)
    depth = layers(nodes, [(e.from_, e.to) for e in app.spec.edges])
    by_layer: dict[int, list[str]] = {}
    for n in nodes:
        by_layer.setdefault(depth[n], []).append(n)
    pos = {}
    for d, ns in by_layer.items():
        for j, n in enumerate(ns):
            pos[n] = (1.6 * d, (len(ns) - 1) / 2.0 - j)
    return pos


def plot_graph(result, ax=None):
    """The function graph: each node labelled with its mean run, mean wait and Lambda USD per root event;
    each edge with its trigger, emission (fan-out / fan-in / probability) and events emitted."""
    app = _app(result)
    ax = axes(ax, figsize=(9, 4))
    pos, bf = positions(app), app.by_function
    for e, n in zip(app.spec.edges, app.edges["emitted"]):
        (x0, y0), (x1, y1) = pos[e.from_], pos[e.to]
        ax.annotate("", xy=(x1 - 0.45, y1), xytext=(x0 + 0.45, y0),
                    arrowprops={"arrowstyle": "->", "color": _COLORS[e.trigger], "lw": 1.5})
        tag = TRIGGERS.get(e.trigger, e.trigger)
        if e.fans_out:
            tag += f" ×{e.emit if isinstance(e.emit, int) else '~' + fmt(e.emit.mean)}"
        if e.fan_in:
            tag += " (join)"
        if e.probability < 1:
            tag += f", {fmt(e.probability, 'percent')} of events"
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.14, f"{tag}\n{fmt(n, 'count')} events", ha="center", va="bottom", fontsize=7,
                color=_COLORS[e.trigger])
    for name, (x, y) in pos.items():
        r = bf.loc[name]
        text = (f"{name}\nmean run {fmt(r['run_mean_s'], 'seconds')} s, wait {fmt(r['wait_mean_s'], 'seconds')} s\n"
                f"Lambda: {_usd(r['lambda_usd_per_root'])}")
        ax.text(x, y, text, ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round", "fc": "white", "ec": "0.3"})
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.7)
    ax.set_axis_off()
    s = app.summary()
    ax.set_title(f"{fmt(s['roots'], 'count')} root events, end-to-end median {fmt(s['e2e_latency_p50_s'], 'seconds')} s, "
                 f"p99 {fmt(s['e2e_latency_p99_s'], 'seconds')} s, {_usd(s['cost_per_root_usd'])} (functions and services)",
                 fontsize=9)
    return ax


def plot_time_parts(results: dict, ax=None, share: bool = False):
    """Mean critical-path time per root event, stacked by part (delay, queue, batching, retry, cold, run);
    ``results`` maps a label to a Result (or an ApplicationResult); ``share``: as fractions of the total."""
    ax = axes(ax, figsize=(7, 3.5))
    labels = list(results)
    means = np.array([[float(_app(results[k]).end_to_end.loc[lambda d: d["complete"], p].mean()) for k in labels]
                      for p in PARTS])
    means = np.nan_to_num(means)
    if share:
        means = means / np.where(means.sum(axis=0) > 0, means.sum(axis=0), 1.0)
    bottom = np.zeros(len(labels))
    for p, v in zip(PARTS, means):
        ax.bar(labels, v, bottom=bottom, label=PART_NAMES.get(p, p))
        bottom += v
    label_axes(ax, y="share of the critical path (%)" if share else "mean time on the critical path (s)")
    if share:
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    legend(ax, size=8)
    return ax


def plot_e2e_latency(results: dict, ax=None):
    """Empirical CDFs of the end-to-end latency per root event."""
    ax = axes(ax, figsize=(7, 3.5))
    for label, r in results.items():
        lat = np.sort(_app(r).end_to_end["latency_s"].dropna().to_numpy())
        if len(lat):
            ax.step(lat, np.arange(1, len(lat) + 1) / len(lat), where="post", label=label)
    ax.set_xscale("log")
    label_axes(ax, "end-to-end latency per root event (s)", "share of root events")
    legend(ax, size=8)
    return ax
