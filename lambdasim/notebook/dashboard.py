"""The no-code dashboard (``lambdasim app FILE``, ``make app``): Lambda or EC2, knob by knob.

Knobs: request rate, mean duration, memory (128-10,240 MB), keep-alive, EC2
instance type, the p99-latency SLO and the price date. Every change re-runs
the comparison of :mod:`lambdasim.report.document` (the same builder as the
report, so the app and the report never disagree) on a short horizon and
shows its answer, the monthly cost per option, the SLO check, figures and
assumptions, with export links.

>>> app = Dashboard(Scenario.from_file("data/scenarios/default.yaml"), horizon_s=600)
>>> app.rate.value = 20          # re-runs the comparison
>>> app.context["answer"]
"""
from __future__ import annotations

import base64
import html
import math
from typing import Any

import ipywidgets as w

from lambdasim.billing.catalogue import instance_types, presets
from lambdasim.errors import LambdasimError
from lambdasim.labels import fmt
from lambdasim.notebook.layout import Busy, dropdown, error_html, export_links, frame, log_slider, slider
from lambdasim.report.document import build, render_part
from lambdasim.scenario import Scenario

__all__ = ["Dashboard"]


def _significant(x: float, digits: int = 3) -> float:
    if x == 0 or not math.isfinite(x):
        return float(x)
    return round(float(x), digits - 1 - int(math.floor(math.log10(abs(x)))))


class Dashboard:
    """Knobs on the left, the answer beside them, figures and assumptions below.

    ``horizon_s`` (default 900 s) and ``replications`` (default 2) keep a
    re-run to a few seconds. Attributes: ``widget`` (display it), ``context``
    (the latest comparison, as the report's builder returns it),
    ``scenario`` (the latest scenario), ``knobs`` (name -> control).
    """

    def __init__(self, scenario: Scenario, horizon_s: float = 900.0, replications: int = 2):
        fn = scenario.functions[0]
        if getattr(fn.workload, "rate_per_s", None) is None or len(scenario.functions) != 1:
            raise ValueError("The dashboard takes a scenario of one function whose workload has a rate_per_s.")
        self.base = scenario.with_overrides({"horizon_s": horizon_s})
        self.replications = replications
        self._duration = fn.duration.model_dump(mode="json")
        self._mean = fn.duration.mean
        dates = presets()
        preset = scenario.pricing.preset if scenario.pricing.preset in dates else None
        price_options = [(f"{name} (prices of {day})", name) for name, day in sorted(dates.items(), key=lambda x: x[1])]
        if preset is None:
            price_options.insert(0, (f"the scenario's (prices of {scenario.pricing.date})", ""))
        self.knobs: dict[str, w.Widget] = {
            "rate": log_slider("request rate (req/s)", fn.workload.rate_per_s, 0.01, 1000, "rate"),
            "duration": log_slider("mean duration (s)", fn.duration.mean, 0.005, 60, "duration"),
            "memory": slider("memory (MB)", fn.memory_mb, 128, 10240, 64, "memory"),
            "keep_alive": slider("keep-alive (s)", int(self.base.lambda_.keep_alive.idle_s), 0, 3600, 30, "keep-alive"),
            "instance": dropdown("EC2 instance type", instance_types(), scenario.ec2.instance_type, "instance"),
            "slo": log_slider("SLO: p99 latency (s)", 1.0, 0.01, 120, "slo"),
            "prices": dropdown("price date", price_options, preset or "", "prices"),
        }
        self.rate, self.memory, self.slo = self.knobs["rate"], self.knobs["memory"], self.knobs["slo"]
        self.status = w.HTML().add_class("lambdasim-status")
        self.exports = w.HTML()
        self.answer = w.HTML(layout=w.Layout(width="100%")).add_class("lambdasim-answer")
        self.cards = w.HTML().add_class("lambdasim-cards")
        self.options_png = w.Image(format="png", layout=w.Layout(max_width="100%")).add_class("lambdasim-plots")
        self.latency_png = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.check = w.HTML().add_class("lambdasim-check")
        self.assumptions = w.HTML()
        side = w.VBox([self.answer, self.cards], layout=w.Layout(width="560px", margin="0 0 0 16px"))
        self.widget = frame(f"{scenario.name}: Lambda or EC2? ({fmt(horizon_s)} s simulated, {replications} replications)",
                            list(self.knobs.values()), self.status,
                            [self.options_png, w.HTML("<h3>The SLO check</h3>"), self.check, self.latency_png,
                             w.HTML("<h3>Assumptions</h3>"), self.assumptions],
                            exports=self.exports, side=side)
        self.widget.add_class("lambdasim-dashboard")
        self.busy = Busy(self.status, self.knobs.values(), "comparing Lambda and EC2")
        self.context: dict[str, Any] = {}
        self.scenario: Scenario | None = None
        self.runs = 0
        self.update(slo_from_lambda=True)
        for knob in self.knobs.values():
            knob.observe(self._on_change, names="value")

    def overrides(self) -> dict[str, Any]:
        k = self.knobs
        scale = _significant(k["duration"].value) / self._mean
        out: dict[str, Any] = {"functions.0.workload.rate_per_s": _significant(k["rate"].value),
                               "functions.0.memory_mb": int(k["memory"].value),
                               "lambda.keep_alive.policy": "fixed",
                               "lambda.keep_alive.idle_s": float(k["keep_alive"].value),
                               "ec2.instance_type": k["instance"].value}
        for key, v in self._duration.items():
            if key.endswith("_s") and v is not None:
                out[f"functions.0.duration.{key}"] = [x * scale for x in v] if isinstance(v, list) else v * scale
        if k["prices"].value:
            out["pricing"] = k["prices"].value
        return out

    def update(self, slo_from_lambda: bool = False) -> dict[str, Any]:
        """Re-run the comparison with the knobs' values and redraw everything."""
        with self.busy:
            self.scenario = self.base.with_overrides(self.overrides(), source="the dashboard's knobs")
            slo = None if slo_from_lambda else {"latency_p99_s": _significant(self.slo.value)}
            ctx = build(self.scenario, replications=self.replications, slo=slo, figures_wanted=("options", "latency"))
            self.context = ctx
            self.runs += 1
            if slo_from_lambda:  # start at Lambda's p99 + 10 %, without re-running
                self.slo.value = _significant(ctx["slo_bounds"]["latency_p99_s"])
            self.cards.value = render_part("cards", ctx)
            self.check.value = render_part("slo_check", ctx)
            self.assumptions.value = render_part("assumptions", ctx) + render_part("prices", ctx) + render_part("bill", ctx)
            self.options_png.value = _bytes(ctx["figures"]["options"])
            self.latency_png.value = _bytes(ctx["figures"]["latency"])
            self.exports.value = export_links(self.scenario.name, scenario_yaml=ctx["scenario_yaml"],
                                              csv=ctx["rows_csv"], png=self.options_png.value)
            self.answer.value = render_part("style", ctx) + render_part("answer", ctx)  # last: the page is current
        return ctx

    def _on_change(self, change) -> None:
        try:
            self.update()
        except (LambdasimError, ValueError) as exc:  # shown in the app, never a traceback
            self.status.value = error_html(exc)


def _bytes(data_uri: str) -> bytes:
    return base64.b64decode(data_uri.split(",", 1)[1])
