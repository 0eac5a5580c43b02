"""A notebook panel for the Lambda-versus-EC2 comparison: four knobs, one table, one figure.

The knobs are the function's memory, its mean duration (an exponential
draw), the EC2 instance type and the p99 latency SLO the EC2 fleet is sized
to. Changing one re-runs :func:`lambdasim.comparison.compare` on a scenario derived
with :meth:`Scenario.with_overrides`; the figure is a PNG drawn with
matplotlib's Agg canvas into an ``ipywidgets.Image``, so a plain test can
set ``panel.memory.value`` and read ``panel.result`` without a kernel.
"""
from __future__ import annotations

import html
from typing import Any

import ipywidgets as w
import pandas as pd

from lambdasim.comparison.compare import STRATEGIES, compare
from lambdasim.viz.comparison import plot_comparison
from lambdasim.errors import LambdasimError
from lambdasim.viz.runs import png_bytes
from lambdasim.billing.catalogue import instance_types, load_catalogue
from lambdasim.scenario import Scenario

__all__ = ["ComparisonPanel"]

COLUMNS = [("cost_per_million_usd", "USD / million"), ("cost_ratio", "vs Lambda"),
           ("latency_p99_s", "p99 (s)"), ("mean_instances", "instances"), ("utilization", "utilisation")]


class ComparisonPanel:
    def __init__(self, scenario: Scenario, replications: int = 2, horizon_s: float | None = None,
                 strategies: tuple[str, ...] = STRATEGIES):
        self.base = scenario.with_overrides({"horizon_s": horizon_s}) if horizon_s else scenario
        self.replications, self.strategies = replications, strategies
        fn = self.base.functions[0]
        types = instance_types(load_catalogue(self.base.pricing))
        self.memory = w.IntSlider(value=fn.memory_mb, min=128, max=3008, step=64, description="memory (MB)",
                                  continuous_update=False)
        self.duration = w.FloatLogSlider(value=fn.duration.mean, base=10, min=-2, max=1, step=0.1,
                                         description="duration (s)", continuous_update=False)
        self.instance = w.Dropdown(options=types, value=self.base.ec2.instance_type if self.base.ec2.instance_type
                                   in types else types[0], description="instance")
        self.slo = w.FloatLogSlider(value=max(0.01, round(4.6 * fn.duration.mean * 1.5, 3)), base=10, min=-2, max=2,
                                    step=0.05, description="p99 SLO (s)", continuous_update=False)
        self.table = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.message = w.HTML()
        for c in self.controls:
            c.observe(self._on_change, names="value")
        self.widget = w.VBox([w.HBox(self.controls[:2]), w.HBox(self.controls[2:]), self.message, self.table,
                              self.image])
        self.result: pd.DataFrame | None = None
        self.update()

    @property
    def controls(self) -> list[w.Widget]:
        return [self.memory, self.duration, self.instance, self.slo]

    def derive(self) -> Scenario:
        """The base scenario with the knobs' values."""
        return self.base.with_overrides({
            "functions.0.memory_mb": int(self.memory.value),
            "functions.0.duration": {"dist": "exponential", "mean_s": round(float(self.duration.value), 4)},
            "ec2.instance_type": self.instance.value,
        }, source="the comparison panel's settings")

    def update(self) -> pd.DataFrame | None:
        try:
            self.result = compare(self.derive(), self.replications, strategies=self.strategies,
                                  slo={"latency_p99_s": round(float(self.slo.value), 4)}, sizing_replications=1)
        except LambdasimError as exc:
            self.message.value = f"<b>Cannot run this setting:</b> {html.escape(str(exc))}"
            return None
        self.message.value = ""
        self.table.value = self.render_table()
        self.image.value = self.render_png()
        return self.result

    def render_table(self) -> str:
        df = self.result
        head = "".join(f"<th>{label}</th>" for _, label in COLUMNS)
        rows = []
        for _, r in df.iterrows():
            name = "Lambda" if r["platform"] == "lambda" else f"EC2 {r['strategy']}"
            cells = "".join(f"<td>{r[k]:.3g}</td>" for k, _ in COLUMNS)
            rows.append(f"<tr><td>{name}</td>{cells}<td>{html.escape(str(r['config']))}</td></tr>")
        return f"<table><tr><th></th>{head}<th>fleet</th></tr>{''.join(rows)}</table>"

    def render_png(self) -> bytes:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(11, 3.2), dpi=72, layout="constrained")
        plot_comparison(self.result, fig.subplots(1, 2))
        return png_bytes(fig)

    def _on_change(self, change: Any) -> None:
        self.update()
