"""A real trace day on Lambda and on EC2: the logic behind notebook 05.

:func:`trace_day` builds the scenario (the Azure 2019 sample's top-N
functions for some hours, one fixed keep-alive); :func:`cold_start_cdf`,
:func:`cost_by_function` and :func:`ec2_fleets` turn results into the
notebook's tables; :class:`TraceDayPanel` is the keep-alive / number of
functions widget, testable without a kernel (set ``panel.keep_alive_min.value``).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lambdasim.viz.figure import bare_figure, label_axes, png_bytes
from lambdasim.awslambda.result import Result
from lambdasim.billing.attribution import first_tier_usd
from lambdasim.scenario import Scenario
from lambdasim.simulation import simulate

__all__ = ["trace_day", "cold_start_cdf", "cost_by_function", "ec2_fleets", "TraceDayPanel"]

AZURE_1000 = "data/traces/azure2019/1000"


def trace_day(functions: int = 50, pick: str = "sample", hours: float = 24.0, keep_alive_s: float = 600.0,
              path: str = AZURE_1000, init_s: float = 0.25, seed: int = 1, ec2: dict[str, Any] | None = None) -> Scenario:
    """``functions`` of the trace (a random ``sample`` or the ``top`` by invocations) over the first
    ``hours`` of its day, with a fixed keep-alive."""
    if pick not in ("sample", "top"):
        raise ValueError(f"pick must be 'sample' or 'top'. Got {pick!r} instead.")
    select = {"top": functions} if pick == "top" else {"sample": functions, "seed": seed}
    data = {
        "name": f"azure2019 {pick} of {functions}, {hours:g} h, keep-alive {keep_alive_s:g} s",
        "horizon_s": hours * 3600.0,
        "seed": seed,
        "workload": {"kind": "azure2019", "path": path, "functions": select, "end_s": hours * 3600.0,
                     "spread": "uniform", "init": {"dist": "constant", "value_s": init_s}},
        "lambda": {"keep_alive": {"idle_s": keep_alive_s}},
    }
    if ec2 is not None:
        data["ec2"] = ec2
    return Scenario.from_dict(data)


def cold_start_cdf(result: Result) -> pd.DataFrame:
    """Per-function cold-start percentage, sorted, with its empirical CDF (functions that ran only).."""
    by = result.by_function
    pct = np.sort(100.0 * by["cold_start_rate"].dropna().to_numpy())
    return pd.DataFrame({"cold_start_pct": pct, "cdf": np.arange(1, len(pct) + 1) / max(len(pct), 1)})


def cost_by_function(result: Result) -> pd.DataFrame:
    """Invocations, cold-start rate, memory and on-demand cost of each function (first price tier,
    no free tier), most expensive first."""
    by, cat = result.by_function, result.catalogue
    mem = pd.Series({f.name: f.memory_mb for f in result.scenario.functions})
    cost = first_tier_usd(by["completed"], by["billed_gb_s"], cat)
    out = pd.DataFrame({"invocations": by["invocations"], "cold_start_rate": by["cold_start_rate"],
                        "memory_mb": mem.reindex(by.index), "billed_gb_s": by["billed_gb_s"], "cost_usd": cost})
    return out.sort_values("cost_usd", ascending=False)


#: The options :func:`ec2_fleets` runs, as users read them (a fixed fleet sized to the mean load is not
#: the scenario's configured fleet of the comparison, hence its own name).
FLEET_OPTIONS = ("Lambda", "EC2, fixed fleet sized to the mean load", "EC2, autoscaled at 60 % utilisation")


def ec2_fleets(scenario: Scenario, instance_type: str = "m5.large", workers: int = 8,
               max_instances: int = 50) -> pd.DataFrame:
    """The same arrivals on Lambda, on a fixed EC2 fleet sized to the mean load and on an
    autoscaled one (target tracking at 60 % utilisation): cost, latency and fleet size, one row per
    option named in words (:data:`FLEET_OPTIONS`)."""
    base = {"instance_type": instance_type, "workers_per_instance": workers}
    fleets = {
        FLEET_OPTIONS[0]: None,
        FLEET_OPTIONS[1]: {**base, "scaling": {"policy": "fixed"}},
        FLEET_OPTIONS[2]: {**base, "scaling": {"policy": "target_tracking", "target": 0.6, "min": 1,
                                               "max": max_instances}},
    }
    rows = []
    for label, ec2 in fleets.items():
        if ec2 is None:
            s = simulate(scenario, records="summary").summary
            rows.append({"platform": label, "cost_usd": s["cost_usd"], "latency_p50_s": s["latency_p50_s"],
                         "latency_p99_s": s["latency_p99_s"], "mean_instances": s["mean_instances"],
                         "dropped": s["throttled"]})
            continue
        sc = scenario.with_overrides({"ec2": ec2})
        s = simulate(sc, platform="ec2", records="summary").summary
        rows.append({"platform": label, "cost_usd": s["cost_usd"], "latency_p50_s": s["latency_p50_s"],
                     "latency_p99_s": s["latency_p99_s"], "mean_instances": s["mean_instances"],
                     "dropped": s["dropped"]})
    return pd.DataFrame(rows).set_index("platform").rename_axis("option")


class TraceDayPanel:
    """Sliders for keep-alive (minutes) and the number of functions; re-simulates and redraws the CDF."""

    def __init__(self, functions: int = 50, hours: float = 2.0, keep_alive_min: int = 10, pick: str = "sample",
                 max_functions: int = 1000):
        import ipywidgets as w

        from lambdasim.notebook.layout import Busy, frame, slider

        self.hours, self.pick = hours, pick
        self.keep_alive_min = slider("keep-alive (min)", keep_alive_min, 0, 60, 1, "keep-alive")
        self.functions = slider("functions of the trace", functions, 1, max_functions, 1, "functions")
        self.status = w.HTML().add_class("lambdasim-status")
        self.busy = Busy(self.status, [self.keep_alive_min, self.functions], "replaying the trace")
        self.exports = w.HTML()
        self.label = w.HTML().add_class("lambdasim-summary")
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%")).add_class("lambdasim-plots")
        self.result: Result | None = None
        for s in (self.keep_alive_min, self.functions):
            s.observe(lambda _: self.update(), names="value")
        self.widget = frame(f"The Azure 2019 trace on Lambda: the first {hours:g} h of its day",
                            [self.keep_alive_min, self.functions], self.status, [self.image],
                            exports=self.exports, side=self.label)
        self.update()

    def update(self) -> None:
        from lambdasim.labels import fmt
        from lambdasim.notebook.layout import export_links, metric_table, scenario_yaml

        with self.busy:
            sc = trace_day(int(self.functions.value), self.pick, hours=self.hours,
                           keep_alive_s=60.0 * int(self.keep_alive_min.value))
            self.result = simulate(sc, records="summary")
            s = self.result.summary
            cdf = cold_start_cdf(self.result)
            always = float(np.mean(cdf["cold_start_pct"] >= 99.0)) if len(cdf) else float("nan")
            self.label.value = metric_table([(k, s[k]) for k in ("invocations", "cold_starts", "cold_start_rate",
                                                                  "max_concurrency", "cost_usd", "monthly_cost_usd")])
            self.label.value += (f"<p>{fmt(always, 'percent', 'no function ran')} of the functions that ran "
                                 "were cold on every call</p>")
            self.image.value = _cdf_png(cdf, f"{int(self.functions.value):,} functions, keep-alive "
                                             f"{int(self.keep_alive_min.value)} min")
            self.exports.value = export_links(f"trace-{int(self.functions.value)}-functions-keep-alive-"
                                              f"{int(self.keep_alive_min.value)}min", scenario_yaml=scenario_yaml(sc),
                                              csv=cost_by_function(self.result).to_csv(), png=bytes(self.image.value))


def _cdf_png(cdf: pd.DataFrame, title: str) -> bytes:
    fig, ax = bare_figure((6, 3.2), layout="constrained")
    ax.step(cdf["cold_start_pct"], cdf["cdf"], where="post")
    label_axes(ax, "cold starts among a function's invocations (%)", "share of the functions")
    ax.set(xlim=(0, 100), ylim=(0, 1), title=title)
    ax.grid(alpha=0.3)
    return png_bytes(fig)
