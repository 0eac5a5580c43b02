"""Billing across eras for notebooks: tables, a rounding plot and an ipywidgets panel.

The arithmetic is :mod:`lambdasim.billing.rules`; this module only arranges it:
``compare_eras`` bills one aggregate workload under several catalogues,
``simulate_eras`` runs one scenario (same seed, same arrivals) under each,
``plot_rounding_inflation`` draws billed / used duration against the mean
duration, and :class:`EraPanel` wires sliders for memory and duration.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lambdasim.billing.rules import FunctionUsage, billed_to_used_ratio, lambda_line_items, totals
from lambdasim.billing.catalogue import MONTH_S, load_catalogue
from lambdasim.billing.spec import PricingSpec

__all__ = ["compare_eras", "simulate_eras", "plot_rounding_inflation", "EraPanel"]

ERAS = ("aws-2015", "aws-latest")


def compare_eras(memory_mb: int, duration_ms: float, requests: float = 100e6, presets=ERAS,
                 free_tier: bool = True) -> pd.DataFrame:
    """One month of ``requests`` runs of ``duration_ms`` at ``memory_mb``, billed under each preset."""
    rows = []
    for p in presets:
        cat = load_catalogue(PricingSpec(preset=p, free_tier=free_tier))
        u = FunctionUsage.from_mean(memory_mb, requests, duration_ms, cat)
        t = totals(lambda_line_items([u], cat, period_s=MONTH_S))
        rows.append({"preset": p, "as_of": cat.as_of, "granularity_ms": cat["lambda.billing_granularity_ms"],
                     "billed_ms_per_run": u.billed_ms / requests if requests else np.nan,
                     "requests_usd": t["requests_usd"], "compute_usd": t["compute_usd"], "total_usd": t["total_usd"]})
    return pd.DataFrame(rows).set_index("preset")


def simulate_eras(scenario, presets=ERAS) -> pd.DataFrame:
    """The same scenario (same seed, so the same arrivals and durations) simulated and billed under each preset."""
    from lambdasim.simulation import simulate

    rows, mem_gb = [], np.array([f.memory_mb / 1024 for f in scenario.functions])
    for p in presets:
        r = simulate(scenario.with_overrides({"pricing": {"preset": p}}))
        s, inv = r.summary, r.invocations
        ran = inv[inv["status"].isin(["completed", "failed"])]
        used_gb_s = float((ran["duration_s"] * mem_gb[ran["function"].cat.codes]).sum())
        rows.append({"preset": p, "as_of": r.catalogue.as_of, "completed": s["completed"],
                     "billed_gb_s": s["billed_gb_s"], "used_gb_s": used_gb_s,
                     "billed_per_used": s["billed_gb_s"] / used_gb_s if used_gb_s else np.nan,
                     "cost_usd (horizon)": s["cost_usd"], "monthly_cost_usd": s["monthly_cost_usd"]})
    return pd.DataFrame(rows).set_index("preset")


def plot_rounding_inflation(ax=None, means_ms=None, granularities_ms=(100, 1), mark_ms: float | None = None):
    """Billed / used duration against mean duration (exponential and constant runs) per granularity."""
    from lambdasim.viz.figure import axes

    ax = axes(ax, figsize=(7, 3.5))
    means_ms = np.geomspace(1, 2000, 400) if means_ms is None else np.asarray(means_ms, dtype=float)
    for g, color in zip(granularities_ms, ("tab:red", "tab:blue", "tab:green")):
        ax.plot(means_ms, billed_to_used_ratio(means_ms / 1000, g), color=color,
                label=f"{g:g} ms rounding, exponential runs")
        ax.plot(means_ms, billed_to_used_ratio(means_ms / 1000, g, "constant"), color=color, alpha=0.35, lw=0.8,
                label=f"{g:g} ms rounding, constant runs")
    if mark_ms is not None:
        ax.axvline(mark_ms, color="grey", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("mean duration of a run (ms)")
    ax.set_ylabel("billed / used duration")
    ax.legend(fontsize="small")
    return ax


#: Headings and number kinds (lambdasim.labels.fmt) of compare_eras' columns.
ERA_COLUMNS = {"as_of": ("prices of", "text"), "granularity_ms": ("billing granularity (ms)", "number"),
               "billed_ms_per_run": ("billed per run (ms)", "number"), "requests_usd": ("requests", "usd"),
               "compute_usd": ("compute", "usd"), "total_usd": ("total per month", "usd")}


def eras_html(table: pd.DataFrame) -> str:
    """compare_eras' table with human headings and formatted amounts."""
    import html

    from lambdasim.labels import fmt

    head = "".join(f"<th>{html.escape(h)}</th>" for h, _ in ERA_COLUMNS.values())
    body = ""
    for preset, row in table.iterrows():
        cells = "".join(f"<td class='num'>{html.escape(str(row[k]) if kind == 'text' else fmt(row[k], kind))}</td>"
                        for k, (_, kind) in ERA_COLUMNS.items())
        body += f"<tr><td>{html.escape(str(preset))}</td>{cells}</tr>"
    return f"<table class='lambdasim-table'><tr><th>price catalogue</th>{head}</tr>{body}</table>"


class EraPanel:
    """Sliders for memory and duration; a table of the month's bill per era and the rounding plot.

    ``panel.memory.value = 1024`` (or moving the slider) recomputes ``panel.table`` (a DataFrame);
    ``panel.image`` holds the plot (PNG), ``panel.exports`` the CSV and PNG download links.
    """

    def __init__(self, memory_mb: int = 128, duration_ms: int = 50, requests: float = 100e6, presets=ERAS):
        import ipywidgets as w

        from lambdasim.notebook.layout import Busy, frame, slider

        self.requests, self.presets = requests, presets
        self.memory = slider("memory (MB)", memory_mb, 128, 10240, 64, "memory")
        self.duration = slider("duration of a run (ms)", duration_ms, 1, 2000, 1, "duration")
        self.status = w.HTML().add_class("lambdasim-status")
        self.busy = Busy(self.status, [self.memory, self.duration], "billing")
        self.exports = w.HTML()
        self.html = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%")).add_class("lambdasim-plots")
        self.table: pd.DataFrame | None = None
        for s in (self.memory, self.duration):
            s.observe(lambda _: self.update(), names="value")
        self.widget = frame(f"A month of {requests:,.0f} requests under each era's rules", [self.memory, self.duration],
                            self.status, [self.html, self.image], exports=self.exports)
        self.update()

    def update(self) -> None:
        from lambdasim.notebook.layout import export_links
        from lambdasim.viz.figure import bare_figure, png_bytes

        with self.busy:
            self.table = compare_eras(int(self.memory.value), float(self.duration.value), self.requests, self.presets)
            self.html.value = eras_html(self.table)
            fig, ax = bare_figure((7, 3.2), layout="constrained")
            ax = plot_rounding_inflation(ax, mark_ms=float(self.duration.value))
            ax.set_title(f"billed / used duration; the dotted line: {int(self.duration.value)} ms")
            self.image.value = png_bytes(fig)
            self.exports.value = export_links(f"bill-{int(self.memory.value)}MB-{int(self.duration.value)}ms",
                                              csv=self.table.to_csv(), png=bytes(self.image.value))

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)
