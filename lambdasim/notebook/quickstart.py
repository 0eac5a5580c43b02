"""Interactive panels for notebooks: sliders that re-run the simulation.

A panel is a thin, testable object: it derives a scenario from its base with
:meth:`Scenario.with_overrides`, runs :func:`lambdasim.simulate`, and draws
the plots of :mod:`lambdasim.viz.runs` into an ``ipywidgets.Image`` (a PNG made
with matplotlib's Agg canvas, so no pyplot state and no kernel are needed).
Setting ``slider.value`` in a plain Python test fires the same observer that
a browser drag does.

>>> panel = QuickstartPanel(Scenario.from_file("data/scenarios/default.yaml"), horizon_s=1800)
>>> panel.keep_alive.value = 0          # re-simulates
>>> panel.result.summary["cold_start_rate"]
1.0
>>> panel.widget                         # display it in a notebook
"""
from __future__ import annotations

import math
from typing import Any

import ipywidgets as w
import pandas as pd

from lambdasim.errors import LambdasimError
from lambdasim.labels import fmt
from lambdasim.notebook.layout import (Busy, error_html, export_links, frame, log_slider, metric_table, metrics_csv,
                                       scenario_yaml, slider)
from lambdasim.viz.figure import DPI, bare_figure, clear_artists, png_bytes
from lambdasim.viz.runs import plot_cold_starts, plot_concurrency, plot_cost_per_million
from lambdasim.awslambda.keepalive import in_force, typical_idle_s
from lambdasim.awslambda.result import Result
from lambdasim.scenario import Scenario
from lambdasim.simulation import simulate

__all__ = ["QuickstartPanel", "significant"]

KNOBS = ("rate_per_s", "memory_mb", "duration_mean_s", "keep_alive_s")

# The summary keys the panel's table shows (labels and formats: lambdasim.labels)
SUMMARY_KEYS = ("invocations", "cold_starts", "cold_start_rate", "throttled", "mean_busy_instances", "mean_instances",
                "max_concurrency", "latency_p50_s", "latency_p99_s", "cost_usd", "monthly_cost_usd",
                "cost_per_million_usd")


def significant(x: float, digits: int = 3) -> float:
    """``x`` rounded to ``digits`` significant figures (a browser slider may send 11.000000000000002)."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return round(float(x), digits - 1 - int(math.floor(math.log10(abs(x)))))


def _time_fields(dist: dict[str, Any]) -> list[str]:
    """The fields of a distribution given in seconds (all end in ``_s``)."""
    return [k for k, v in dist.items() if k.endswith("_s") and v is not None]


class QuickstartPanel:
    """One function on Lambda: request rate, memory, mean duration and keep-alive sliders.

    ``function`` picks the scenario's function (index); ``horizon_s`` replaces
    the scenario's horizon (keep it short: every slider move re-simulates);
    ``draw=False`` skips the plots (a panel used only for its runs or sweeps).
    Attributes: ``widget`` (display it), ``result`` (the latest run),
    ``scenario`` (the scenario of the latest run), ``image`` (PNG plots),
    ``table`` (HTML summary), ``sliders`` (knob name -> slider).
    The seed stays fixed, so moving a slider compares runs on common random
    numbers: a change in the result comes from the knob, not from noise.
    The duration knob scales every time field of the function's ``duration``
    (its shape stays); with ``cpu_scaling`` that is the duration at the
    reference memory size. The keep-alive knob sets ``lambda.keep_alive.idle_s``
    (the ``fixed`` policy's idle time). Scenario values outside a slider's
    range start clipped to it.
    """

    def __init__(self, scenario: Scenario, function: int = 0, horizon_s: float | None = None,
                 step_s: float | None = None, draw: bool = True):
        if not 0 <= function < len(scenario.functions):
            raise ValueError(f"function must be an index in [0, {len(scenario.functions) - 1}]. Got {function!r} instead.")
        self.base = scenario.with_overrides({"horizon_s": horizon_s}) if horizon_s is not None else scenario
        self.function, self.step_s, self.draw = function, step_s, draw
        fn = self.base.functions[function]
        if getattr(fn.workload, "rate_per_s", None) is None:
            raise ValueError(f"QuickstartPanel needs a workload given by rate_per_s; function {fn.name!r} has "
                             f"{fn.workload.kind!r} without one.")
        if not _time_fields(fn.duration.model_dump()):
            raise ValueError(f"QuickstartPanel cannot rescale a {fn.duration.dist!r} duration read from a file.")
        self._duration = fn.duration.model_dump(mode="json")
        self._duration_mean = fn.duration.mean
        self.sliders = {
            "rate_per_s": log_slider("request rate (req/s)", fn.workload.rate_per_s, 0.01, 100, "rate-per-s"),
            "memory_mb": slider("memory (MB)", fn.memory_mb, 128, 10240, 64, "memory-mb"),
            "duration_mean_s": log_slider("mean duration (s)", fn.duration.mean, 0.01, 100, "duration-mean-s"),
            "keep_alive_s": slider("keep-alive (s)", int(_clip(typical_idle_s(in_force(
                self.base.lambda_.keep_alive, self.base.pricing.date)), 0, 3600)), 0, 3600, 10, "keep-alive-s"),
        }
        for slider_ in self.sliders.values():
            slider_.observe(self._on_change, names="value")
        self.rate, self.memory = self.sliders["rate_per_s"], self.sliders["memory_mb"]
        self.duration, self.keep_alive = self.sliders["duration_mean_s"], self.sliders["keep_alive_s"]
        self.status = w.HTML().add_class("lambdasim-status")
        self.busy = Busy(self.status, self.sliders.values())
        self.exports = w.HTML()
        self.table = w.HTML().add_class("lambdasim-summary")
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%")).add_class("lambdasim-plots")
        self.widget = frame(f"{fn.name} on Lambda, {fmt(self.base.horizon_s, 'count')} s simulated",
                            list(self.sliders.values()), self.status, [self.image], exports=self.exports,
                            side=self.table)
        self.result: Result | None = None
        self.scenario: Scenario | None = None
        self.runs = 0
        self._canvas = None  # the figure render_png redraws on every move (made on the first)
        self.update()

    # --- the model ------------------------------------------------------------
    @property
    def settings(self) -> dict[str, float]:
        """The knobs' current values, cleaned of slider float noise."""
        return {
            "rate_per_s": significant(self.rate.value),
            "memory_mb": int(round(self.memory.value)),
            "duration_mean_s": significant(self.duration.value),
            "keep_alive_s": float(int(round(self.keep_alive.value))),
        }

    def overrides(self, **settings: float) -> dict[str, Any]:
        """Dotted-path overrides of the base scenario for these knob values (defaults: the sliders')."""
        unknown = set(settings) - set(KNOBS)
        if unknown:
            raise ValueError(f"knobs must be among {', '.join(KNOBS)}. Got {', '.join(sorted(unknown))} instead.")
        s = {**self.settings, **settings}
        f = f"functions.{self.function}"
        scale = s["duration_mean_s"] / self._duration_mean
        out: dict[str, Any] = {
            f"{f}.workload.rate_per_s": s["rate_per_s"],
            f"{f}.memory_mb": int(s["memory_mb"]),
            "lambda.keep_alive.idle_s": s["keep_alive_s"],
        }
        # Scaling every time field of the distribution scales its mean by the same
        # factor and keeps its shape (cv, sigma) as it was.
        for key in _time_fields(self._duration):
            v = self._duration[key]
            out[f"{f}.duration.{key}"] = [x * scale for x in v] if isinstance(v, list) else v * scale
        return out

    def derive(self, **settings: float) -> Scenario:
        """The base scenario with the knobs set (defaults: the sliders' values)."""
        return self.base.with_overrides(self.overrides(**settings), source="QuickstartPanel settings")

    def update(self) -> Result:
        """Re-simulate with the sliders' values and redraw the table and plots."""
        with self.busy:
            self.scenario = self.derive()
            self.result = simulate(self.scenario)
            self.runs += 1
            self.table.value = summary_html(self.result)
            png = None
            if self.draw:
                self.image.value = png = self.render_png()
            rows = [(k, self.result.summary[k]) for k in SUMMARY_KEYS]
            self.exports.value = export_links(f"{self.scenario.name}-lambda", scenario_yaml=scenario_yaml(self.scenario),
                                              csv=metrics_csv(rows), png=png)
        return self.result

    def sweep(self, knob: str, values) -> pd.DataFrame:
        """One run per value of ``knob`` (other knobs as on the sliders): a row of summary metrics each."""
        rows = [{knob: v, **simulate(self.derive(**{knob: v})).summary} for v in values]
        return pd.DataFrame(rows)

    # --- the view ---------------------------------------------------------------
    def figure(self, dpi: float = 72):
        """A new matplotlib Figure of the latest run: cost, cold starts and concurrency."""
        fig, axes = bare_figure((FIG_W_IN, FIG_H_IN), dpi=dpi, ncols=3, width_ratios=[0.8, 1, 1])
        return self._draw(fig, axes)

    def _draw(self, fig, axes):
        cost, cold, conc = axes
        fig.subplots_adjust(**panel_margins(self.result.cost["item"]))  # moves the axes (their grid has no margins)
        plot_cost_per_million(self.result, ax=cost)
        plot_cold_starts(self.result, step_s=self.step_s, ax=cold)
        plot_concurrency(self.result, step_s=self.step_s, ax=conc)
        return fig

    def render_png(self) -> bytes:
        """The panel's PNG of the latest run. One figure serves every move: its plots are taken off and drawn
        again on the same axes (new axes and ticks cost half a render); the pixels are those of a new figure."""
        if self._canvas is None:
            self._canvas = bare_figure((FIG_W_IN, FIG_H_IN), dpi=DPI, ncols=3, width_ratios=[0.8, 1, 1])
        fig, axes = self._canvas
        for ax in axes:
            clear_artists(ax)
        return png_bytes(self._draw(fig, axes))

    def _on_change(self, change) -> None:
        try:
            self.update()
        except LambdasimError as exc:  # shown in the panel, not lost in a kernel log
            self.status.value = error_html(exc)


#: The plots' figure, in inches.
FIG_W_IN, FIG_H_IN = 13.0, 3.4


def panel_margins(cost_items, width_in: float = FIG_W_IN, height_in: float = FIG_H_IN) -> dict[str, float]:
    """Fixed margins for the panel's three plots, wide enough for the bill's item names on the left.

    A fixed layout costs nothing to compute (matplotlib's constrained layout measures every text
    of the figure, about a third of a redraw). Widths in inches at 10 pt: about 0.08 in per
    character of the longest item name plus the tick, 0.85 in between plots for the next plot's
    tick labels and axis label, 0.55 in at the bottom for the tick labels and axis label, 0.35 in
    at the top for the title.
    """
    chars = max((len(str(i)) for i in cost_items), default=0)
    left_in, right_in, gap_in = 0.25 + 0.08 * chars, 0.15, 0.85
    axis_in = (width_in - left_in - right_in - 2 * gap_in) / 3
    return {"left": left_in / width_in, "right": 1 - right_in / width_in, "bottom": 0.55 / height_in,
            "top": 1 - 0.35 / height_in, "wspace": gap_in / axis_in}


def summary_html(result: Result) -> str:
    """The headline metrics of a run as a small HTML table (labels and numbers from lambdasim.labels)."""
    s = result.summary
    reasons = {"cost_per_million_usd": "nothing completed"} if not s.get("completed") else {}
    return metric_table([(k, s[k]) for k in SUMMARY_KEYS if k in s], reasons)


def _clip(x: float, lo: float, hi: float) -> float:
    return min(max(float(x), lo), hi)
