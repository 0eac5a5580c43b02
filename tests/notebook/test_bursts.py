"""The logic of notebook 03 (flash crowds, pipelines, the panel), without a kernel."""
import numpy as np

from lambdasim.notebook.bursts import BurstsPanel, compare_scaling, flash_crowd, stream_pipeline, timeline
from lambdasim.simulation import simulate

SMALL = dict(spike_s=60.0, horizon_s=120.0, at_s=20.0)


def test_flash_crowd_scenario_and_timeline():
    sc = flash_crowd(300, "legacy_burst", **SMALL)
    assert sc.lambda_.scaling.model == "legacy_burst"
    r = simulate(sc)
    ts = timeline(r, 10.0)
    assert list(ts["t_s"]) == [10.0 * k for k in range(12)]
    assert ts["invocations"].sum() == r.summary["invocations"] and ts["throttled"].sum() == r.summary["throttled"]
    assert ts.loc[3:7, "invocations"].min() > 5 * ts.loc[0, "invocations"]   # the crowd is there


def test_new_rule_serves_a_crowd_beyond_the_legacy_burst_better():
    tl = compare_scaling(500, ("legacy_burst", "per_function_2023"), **SMALL)  # needs ~5,000 instances
    assert tl["per_function_2023"]["throttled"].sum() < tl["legacy_burst"]["throttled"].sum()
    assert tl["legacy_burst"]["instances"].max() <= 3000 + 500 + 100


def test_stream_pipeline_iterator_age_rises_and_recovers():
    r = stream_pipeline(200, shards=1, horizon_s=500, burst_s=100)
    inv = r.invocations
    age = inv.groupby(inv["start_s"] // 50)["queue_delay_s"].max()
    assert age.max() > 10 and age.iloc[-1] < 1


def test_panel_rewires_on_slider_and_menu():
    p = BurstsPanel(200, "per_function_2023", draw=False, **SMALL)
    p.spike.value = 300
    p.model.value = "unlimited"
    assert p.runs == 3 and p.result.summary["throttled"] == 0
    assert p.result.scenario.functions[0].workload.spike_rate_per_s == 300
