"""Flash crowds and event-source pipelines: the logic of notebook 03.

- :func:`flash_crowd` builds a scenario whose request rate jumps from a
  base rate to a spike; :func:`timeline` turns a run into per-step
  instances, concurrency, throttles and latency; :func:`compare_scaling`
  runs one spike under several burst-scaling models.
- :func:`async_pipeline` (S3 notifications into a function with a small
  reserved concurrency) and :func:`stream_pipeline` (a Kinesis stream with
  a few shards) put an event source under a load it cannot keep up with.
- :class:`BurstsPanel` is the notebook's widget: a spike-size slider and a
  scaling-model menu that re-run the spike and redraw it.
"""
from __future__ import annotations


import ipywidgets as w
import numpy as np
import pandas as pd

from lambdasim.viz.figure import bare_figure, png_bytes
from lambdasim.awslambda.result import Result
from lambdasim.scenario import Scenario
from lambdasim.simulation import simulate

__all__ = ["flash_crowd", "timeline", "compare_scaling", "async_pipeline", "stream_pipeline",
           "plot_timelines", "BurstsPanel", "MODELS", "MODEL_LABELS"]

MODELS = ("legacy_burst", "per_function_2023", "unlimited")

#: The scaling models in words (the menu and the figures' legends).
MODEL_LABELS = {"legacy_burst": "2015-era rule: account burst, then +500 per minute",
                "per_function_2023": "2023 rule: +1,000 per 10 s per function",
                "unlimited": "no scaling limit (a bound)"}


def flash_crowd(spike_rate_per_s: float = 1000.0, model: str = "per_function_2023", *, base_rate_per_s: float = 20.0,
                at_s: float = 60.0, spike_s: float = 240.0, horizon_s: float = 420.0, duration_s: float = 10.0,
                init_s: float = 0.3, account: int = 20_000, seed: int = 1) -> Scenario:
    """One API function (sync calls) whose rate jumps to ``spike_rate_per_s`` at ``at_s`` for ``spike_s``."""
    return Scenario.from_dict({
        "name": f"flash crowd ({model})", "horizon_s": horizon_s, "seed": seed,
        "functions": [{
            "name": "api", "memory_mb": 512,
            "duration": {"dist": "gamma", "mean_s": duration_s, "cv": 0.5},
            "init": {"dist": "constant", "value_s": init_s},
            "workload": {"kind": "spike", "base_rate_per_s": base_rate_per_s, "spike_rate_per_s": spike_rate_per_s,
                         "at_s": at_s, "duration_s": spike_s},
        }],
        "lambda": {"account_concurrency": account, "scaling": {"model": model}},
    })


def timeline(result: Result, step_s: float = 10.0) -> pd.DataFrame:
    """Per step: live instances, busy executions, arrivals, throttles, throttle share, mean latency
    (of the step's arrivals; nan for a step with requests still running at the horizon)."""
    ts = result.timeseries(step_s)
    inv = result.invocations
    done = inv[inv["status"] == "completed"]
    k = (done["arrival_s"] // step_s).astype(int)
    lat = (done["end_s"] - done["arrival_s"]).groupby(k).mean()
    ts["latency_mean_s"] = lat.reindex(range(len(ts))).to_numpy()
    # A step whose requests are still running at the horizon would show only its short ones: a false
    # dip. Such steps get no mean latency (nan: not drawn).
    cut = inv[inv["status"] == "in_flight"]["arrival_s"] // step_s
    ts.loc[ts.index.isin(cut.astype(int).unique()), "latency_mean_s"] = np.nan
    ts["throttle_share"] = np.where(ts["invocations"] > 0, ts["throttled"] / ts["invocations"].clip(lower=1), 0.0)
    return ts


def compare_scaling(spike_rate_per_s: float, models=MODELS[:2], step_s: float = 10.0, **kw) -> dict[str, pd.DataFrame]:
    """The same spike (same arrivals: same seed) under each scaling model."""
    return {m: timeline(simulate(flash_crowd(spike_rate_per_s, m, **kw)), step_s) for m in models}


def async_pipeline(rate_per_s: float = 200.0, reserved: int = 100, *, horizon_s: float = 900.0,
                   duration_s: float = 1.0, error_probability: float = 0.05, burst_s: float = 300.0,
                   seed: int = 2) -> Result:
    """S3 notifications (async) at twice the function's capacity for ``burst_s``, then a trickle."""
    return simulate({
        "name": "S3 notifications (async)", "horizon_s": horizon_s, "seed": seed,
        "functions": [{
            "name": "thumbnail", "memory_mb": 1024, "duration": {"dist": "exponential", "mean_s": duration_s},
            "init": {"dist": "constant", "value_s": 0.5}, "reserved_concurrency": reserved,
            "error_probability": error_probability,
            "workload": {"kind": "spike", "base_rate_per_s": rate_per_s / 20, "spike_rate_per_s": rate_per_s,
                         "at_s": 0.0, "duration_s": burst_s},
            "invocation": {"type": "async", "maximum_event_age_s": 3600},
        }],
    })


def stream_pipeline(rate_per_s: float = 400.0, shards: int = 2, *, horizon_s: float = 900.0,
                    record_s: float = 0.01, batch_size: int = 100, burst_s: float = 300.0,
                    parallelization_factor: int = 1, seed: int = 3) -> Result:
    """A Kinesis stream: a burst of ``rate_per_s`` records for ``burst_s``, then a tenth of it."""
    return simulate({
        "name": "Kinesis (stream)", "horizon_s": horizon_s, "seed": seed,
        "functions": [{
            "name": "ingest", "memory_mb": 512, "duration": {"dist": "exponential", "mean_s": record_s},
            "init": {"dist": "constant", "value_s": 0.3},
            "workload": {"kind": "spike", "base_rate_per_s": rate_per_s / 10, "spike_rate_per_s": rate_per_s,
                         "at_s": 60.0, "duration_s": burst_s},
            "invocation": {"type": "stream", "shards": shards, "batch_size": batch_size,
                           "parallelization_factor": parallelization_factor},
        }],
    })


def plot_timelines(timelines: dict[str, pd.DataFrame], axes) -> None:
    """Instances, throttle share and mean latency over time, one line per scaling model."""
    from matplotlib.ticker import PercentFormatter

    for name, ts in timelines.items():
        label = MODEL_LABELS.get(name, name)
        axes[0].plot(ts["t_s"], ts["instances"], label=label)
        axes[1].plot(ts["t_s"], ts["throttle_share"], label=label)
        axes[2].plot(ts["t_s"], ts["latency_mean_s"], label=label)
    for ax, label in zip(axes, ("live environments", "calls throttled (%)", "mean latency of completed calls (s)")):
        ax.set_ylabel(label)
        ax.set_xlabel("time (s)")
        ax.set_ylim(bottom=0)
    axes[1].yaxis.set_major_formatter(PercentFormatter(1.0))
    axes[0].legend(fontsize="small")


class BurstsPanel:
    """A spike-size slider and a scaling-model menu; each change re-runs the spike and redraws."""

    def __init__(self, spike_rate_per_s: int = 1000, model: str = "per_function_2023", step_s: float = 10.0,
                 draw: bool = True, **kw):
        from lambdasim.notebook.layout import Busy, dropdown, frame, slider

        self.kw, self.step_s, self.draw, self.runs = kw, step_s, draw, 0
        self.spike = slider("spike rate (req/s)", spike_rate_per_s, 100, 5000, 100, "spike")
        self.model = dropdown("scaling model", [(MODEL_LABELS[m], m) for m in MODELS], model, "model")
        self.image = w.Image(format="png", layout=w.Layout(max_width="100%")).add_class("lambdasim-plots")
        self.status = w.HTML().add_class("lambdasim-status")
        self.busy = Busy(self.status, [self.spike, self.model], "simulating the flash crowd")
        self.table = w.HTML().add_class("lambdasim-summary")
        self.exports = w.HTML()
        self.widget = frame("A flash crowd on one function", [self.spike, self.model], self.status, [self.image],
                            exports=self.exports, side=self.table)
        for c in (self.spike, self.model):
            c.observe(lambda _: self.update(), names="value")
        self.update()

    def update(self) -> None:
        from lambdasim.notebook.layout import export_links, metric_table, scenario_yaml

        with self.busy:
            sc = flash_crowd(int(self.spike.value), self.model.value, **self.kw)
            self.result = simulate(sc)
            self.timeline = timeline(self.result, self.step_s)
            self.runs += 1
            s = self.result.summary
            self.table.value = metric_table([(k, s[k]) for k in ("invocations", "throttled", "throttle_rate",
                                                                  "instances_created", "max_concurrency",
                                                                  "latency_p99_s", "cost_usd")])
            png = None
            if self.draw:
                fig, axes = bare_figure((11, 3), layout="constrained", ncols=3)
                plot_timelines({self.model.value: self.timeline}, axes)
                self.image.value = png = png_bytes(fig)
            self.exports.value = export_links(f"flash-crowd-{int(self.spike.value)}-{self.model.value}",
                                              scenario_yaml=scenario_yaml(sc), csv=self.timeline.to_csv(index=False),
                                              png=png)
