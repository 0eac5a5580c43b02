"""A notebook panel for the Lambda-versus-EC2 comparison: five knobs, one table, one figure.

The knobs are the request rate (when the workload has one), the function's memory, its mean duration (an exponential
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

from lambdasim.labels import fmt_metric, label, option_label
from lambdasim.notebook.layout import Busy, dropdown, export_links, frame, log_slider, scenario_yaml, slider
from lambdasim.comparison.compare import STRATEGIES, compare
from lambdasim.viz.comparison import plot_comparison
from lambdasim.errors import LambdasimError
from lambdasim.viz.figure import bare_figure, png_bytes
from lambdasim.billing.catalogue import instance_types, load_catalogue
from lambdasim.scenario import Scenario

__all__ = ["ComparisonPanel"]

COLUMNS = ["monthly_cost_usd", "cost_per_million_usd", "cost_ratio", "latency_p99_s", "mean_instances", "utilization"]


class ComparisonPanel:
    def __init__(self, scenario: Scenario, replications: int = 2, horizon_s: float | None = None,
                 strategies: tuple[str, ...] = STRATEGIES):
        self.base = scenario.with_overrides({"horizon_s": horizon_s}) if horizon_s else scenario
        self.replications, self.strategies = replications, strategies
        fn = self.base.functions[0]
        types = instance_types(load_catalogue(self.base.pricing))
        rate = getattr(fn.workload, "rate_per_s", None)
        self.has_rate = rate is not None  # a trace or a shape without one: the rate knob stays disabled
        self.rate = log_slider("request rate (req/s)", rate or 1.0, 0.01, 1000, "rate", disabled=rate is None)
        self.memory = slider("memory (MB)", fn.memory_mb, 128, 10240, 64, "memory")
        self.duration = log_slider("mean duration (s)", fn.duration.mean, 0.01, 10, "duration")
        self.instance = dropdown("EC2 instance type", types, self.base.ec2.instance_type
                                 if self.base.ec2.instance_type in types else types[0], "instance")
        self.slo = log_slider("SLO: p99 latency (s)", max(0.01, round(4.6 * fn.duration.mean * 1.5, 3)), 0.01, 100, "slo")
        self.status = w.HTML()
        self.table = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.message = w.HTML()
        self.exports = w.HTML()
        self.busy = Busy(self.status, [c for c in self.controls if c is not self.rate or self.has_rate],
                         "comparing Lambda and EC2")
        for c in self.controls:
            c.observe(self._on_change, names="value")
        self.widget = frame("Lambda against EC2 on the same arrivals", self.controls, self.status,
                            [self.message, self.table, self.image], exports=self.exports)
        self.result: pd.DataFrame | None = None
        self.scenario: Scenario | None = None
        self.update()

    @property
    def controls(self) -> list[w.Widget]:
        return [self.rate, self.memory, self.duration, self.instance, self.slo]

    def derive(self) -> Scenario:
        """The base scenario with the knobs' values."""
        rate = {"functions.0.workload.rate_per_s": round(float(self.rate.value), 4)} if self.has_rate else {}
        return self.base.with_overrides({
            **rate,
            "functions.0.memory_mb": int(self.memory.value),
            "functions.0.duration": {"dist": "exponential", "mean_s": round(float(self.duration.value), 4)},
            "ec2.instance_type": self.instance.value,
        }, source="the comparison panel's settings")

    def update(self) -> pd.DataFrame | None:
        try:
            with self.busy:
                self.scenario = self.derive()
                self.result = compare(self.scenario, self.replications, strategies=self.strategies,
                                      slo={"latency_p99_s": round(float(self.slo.value), 4)}, sizing_replications=1)
        except LambdasimError as exc:
            self.message.value = f"<b>Cannot run this setting:</b> {html.escape(str(exc))}"
            return None
        self.message.value = ""
        self.table.value = self.render_table()
        self.image.value = self.render_png()
        self.exports.value = export_links(f"{self.scenario.name}-lambda-vs-ec2", scenario_yaml=scenario_yaml(self.scenario),
                                          csv=self.csv(), png=bytes(self.image.value))
        return self.result

    def csv(self) -> str:
        """The comparison's rows (options, their settings and every metric with its interval) as CSV."""
        df = self.result.drop(columns=[c for c in self.result.columns if c.endswith("_values")])
        return df.assign(option=[option_label(p, s) for p, s in zip(df["platform"], df["strategy"])]).to_csv(index=False)

    def render_table(self) -> str:
        """The verdict and the answer in words, then one row per option (failing ones marked), then how the
        monthly cost was projected."""
        df = self.result
        head = "".join(f"<th>{html.escape(label(k, table=True))}</th>" for k in COLUMNS)
        rows = []
        for _, r in df.iterrows():
            name = option_label(r["platform"], r["strategy"]) + ("" if r["meets_slo"] else " (fails)")
            why = "no configuration meets the SLO" if not r["replications"] else ""
            cells = "".join(f"<td class='num'>{html.escape(fmt_metric(k, r[k], why))}</td>" for k in COLUMNS)
            meets = "yes" if r["meets_slo"] else ("no, overloaded" if not r["stable"] else "no")
            rows.append(f"<tr><td>{html.escape(name)}</td>{cells}<td>{meets}</td>"
                        f"<td>{html.escape(str(r['config']))}</td></tr>")
        a = df.attrs
        span = a.get("measured_s", a.get("horizon_s", 0.0))
        month = (f"Monthly cost: the cost of {fmt_metric('horizon_s', span)} s simulated, scaled to a month"
                 + (" (extrapolated from under a day)." if a.get("extrapolated") else "."))
        words = "".join(f"<p>{html.escape(t)}</p>" for t in (a["verdict"]["sentence"], a["answer"]))
        return (f"{words}<table class='lambdasim-table'><tr><th></th>{head}<th>meets the SLO</th><th>fleet</th></tr>"
                f"{''.join(rows)}</table><p>{html.escape(month)}</p>")

    def render_png(self) -> bytes:

        fig, axes = bare_figure((11, 3.2), layout="constrained", ncols=2)
        plot_comparison(self.result, axes)
        return png_bytes(fig)

    def _on_change(self, change: Any) -> None:
        self.update()
