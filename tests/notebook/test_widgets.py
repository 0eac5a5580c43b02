"""The quickstart panel, without a kernel: setting ``slider.value`` fires the observer."""
import math

import pytest

import lambdasim
from lambdasim.notebook.quickstart import QuickstartPanel, significant

HORIZON_S = 1800


@pytest.fixture(scope="module")
def base():
    return lambdasim.Scenario.from_file("data/scenarios/default.yaml")


@pytest.fixture
def panel(base):
    """A panel that re-simulates on every slider move, without drawing (see the redraw test)."""
    return QuickstartPanel(base, horizon_s=HORIZON_S, draw=False)


def test_panel_starts_from_the_scenario(panel, base):
    fn = base.functions[0]
    assert panel.settings == {"rate_per_s": fn.workload.rate_per_s, "memory_mb": fn.memory_mb,
                              "duration_mean_s": fn.duration.mean, "keep_alive_s": base.lambda_.keep_alive.idle_s}
    assert panel.scenario.horizon_s == HORIZON_S
    assert panel.scenario.with_overrides({"horizon_s": base.horizon_s}) == base
    assert panel.runs == 1 and panel.result.summary["invocations"] > 0


def test_slider_change_resimulates_and_redraws(base):
    panel = QuickstartPanel(base, horizon_s=HORIZON_S)
    table, image = panel.table.value, bytes(panel.image.value)
    assert image.startswith(b"\x89PNG") and "lambdasim-table" in table
    panel.keep_alive.value = 0
    assert panel.runs == 2
    assert panel.scenario.lambda_.keep_alive.idle_s == 0
    assert panel.table.value != table and bytes(panel.image.value) != image


def test_no_keep_alive_makes_every_start_cold(panel):
    panel.keep_alive.value = 0
    s = panel.result.summary
    assert s["cold_starts"] == s["invocations"] - s["throttled"]
    assert s["cold_start_rate"] == 1.0


def test_keep_alive_beyond_horizon_creates_only_peak_instances(panel):
    # Nothing is ever retired, so an instance is created only when every
    # existing one is busy: the count of instances equals peak concurrency.
    panel.keep_alive.value = 3600
    s = panel.result.summary
    assert s["cold_starts"] == s["instances_created"] == s["max_concurrency"]


def test_more_keep_alive_no_more_cold_starts(panel):
    cold = panel.sweep("keep_alive_s", [0, 60, 600, 3600])["cold_starts"].tolist()
    assert cold == sorted(cold, reverse=True)
    assert cold[0] > 10 * cold[-1]


def test_cost_scales_with_rate_and_matches_price_per_million(panel):
    panel.rate.value = 2
    low = panel.result.summary
    panel.rate.value = 8
    high = panel.result.summary
    assert high["cost_usd"] / low["cost_usd"] == pytest.approx(4, rel=0.08)
    # Per million invocations: the request price plus E[S] x GB x price per GB-s
    # (cold-start init is not billed in the aws-2024 catalogue; 1 ms rounding adds ~0.5 ms).
    cat, fn = panel.result.catalogue, panel.scenario.functions[0]
    theory = (cat["lambda.request_per_million_usd"]
              + (fn.duration.mean + 0.0005) * fn.memory_mb / 1024 * cat["lambda.duration_gb_s_usd"] * 1e6)
    assert high["cost_per_million_usd"] == pytest.approx(theory, rel=0.03)


def test_double_memory_doubles_billed_gb_s(base):
    # Same seed, same arrivals and durations (without cpu_scaling, memory does not
    # speed a run up): billed GB-s doubles exactly.
    panel = QuickstartPanel(base.with_overrides({"functions.0.cpu_scaling": None}), horizon_s=HORIZON_S, draw=False)
    assert panel.scenario.functions[0].cpu_scaling is None
    before = panel.result.summary
    panel.memory.value = 2 * panel.memory.value
    after = panel.result.summary
    assert after["invocations"] == before["invocations"]
    assert after["billed_gb_s"] == pytest.approx(2 * before["billed_gb_s"], rel=1e-12)


def test_mean_busy_instances_follow_littles_law(panel):
    panel.duration.value = 0.5
    s, fn = panel.result.summary, panel.scenario.functions[0]
    assert fn.duration.mean == pytest.approx(0.5, rel=1e-12)
    busy_time_s = fn.duration.mean + s["cold_start_rate"] * fn.init.mean
    assert s["mean_busy_instances"] == pytest.approx(fn.workload.rate_per_s * busy_time_s, rel=0.05)


def test_back_to_the_start_gives_the_same_run(panel):
    first = panel.result.summary
    panel.rate.value = 3
    panel.rate.value = 10
    again = panel.result.summary
    assert again.keys() == first.keys()
    assert all(again[k] == first[k] or (math.isnan(again[k]) and math.isnan(first[k])) for k in first)


def test_browser_float_noise_is_rounded(panel):
    panel.rate.value = 11.000000000000002
    panel.duration.value = 0.30000000000000004
    fn = panel.scenario.functions[0]
    assert fn.workload.rate_per_s == 11.0
    assert panel.settings["duration_mean_s"] == 0.3


@pytest.mark.parametrize("duration", [
    {"dist": "lognormal", "mean_s": 2.0, "cv": 1.5},
    {"dist": "lognormal", "median_s": 1.0, "sigma": 0.8},
    {"dist": "uniform", "low_s": 1.0, "high_s": 3.0},
    {"dist": "constant", "value_s": 2.0},
    {"dist": "empirical", "samples_s": [1.0, 2.0, 6.0]},
])
def test_duration_knob_rescales_keeping_shape(base, duration):
    sc = base.with_overrides({"functions.0.duration": duration})
    panel = QuickstartPanel(sc, horizon_s=60, draw=False)
    old = sc.functions[0].duration
    new = panel.derive(duration_mean_s=5.0).functions[0].duration
    assert new.dist == old.dist
    assert new.mean == pytest.approx(5.0, rel=1e-12)
    assert math.sqrt(new.variance) / new.mean == pytest.approx(math.sqrt(old.variance) / old.mean, rel=1e-9)


def test_bad_panels_are_refused(base):
    with pytest.raises(ValueError, match=r"function must be an index in \[0, 0\]. Got 1 instead"):
        QuickstartPanel(base, function=1)
    periodic = base.with_overrides({"functions.0.workload": {"kind": "deterministic", "interval_s": 2.0}})
    with pytest.raises(ValueError, match="workload given by rate_per_s"):
        QuickstartPanel(periodic)
    panel = QuickstartPanel(base, horizon_s=60, draw=False)
    with pytest.raises(ValueError, match="knobs must be among"):
        panel.derive(memory=256)


def test_significant():
    assert significant(11.000000000000002) == 11.0
    assert significant(0.012345) == 0.0123
    assert significant(0.0) == 0.0
    assert significant(-2.5e-7, 2) == -2.5e-7


def test_all_throttled_panel_still_draws(base):
    # Reserved concurrency 0: every call is throttled, nothing completes.
    panel = QuickstartPanel(base.with_overrides({"functions.0.reserved_concurrency": 0}), horizon_s=60)
    s = panel.result.summary
    assert s["completed"] == 0 and s["throttled"] == s["invocations"] > 0
    assert "data-key='cost_per_million_usd'>n/a (nothing completed)<" in panel.table.value
    assert bytes(panel.image.value).startswith(b"\x89PNG")
