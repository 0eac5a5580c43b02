"""Provisioned concurrency: used first, never cold, spill-over, schedules with init delay."""
import numpy as np
import pytest

import lambdasim
from support.platforms import conserved, scenario

EXP = {"dist": "exponential", "mean_s": 1.0}


def test_pc_equal_to_reserved_never_cold_starts():
    sc = scenario({"kind": "poisson", "rate_per_s": 20}, 2000, duration_s=EXP, init_s=1.0,
                  reserved_concurrency=20, provisioned_concurrency=20)
    r = lambdasim.simulate(sc)
    s, inv = r.summary, r.invocations
    assert s["throttled"] > 0            # the load did reach the cap
    assert s["cold_starts"] == 0
    ran = inv[inv["status"] != "throttled"]
    assert ran["on_pc"].all() and s["pc_invocations"] == s["completed"] + s["failed"]
    assert conserved(s)


def test_spill_to_on_demand_only_when_every_pc_instance_is_busy():
    sc = scenario({"kind": "poisson", "rate_per_s": 10}, 1000, duration_s=EXP, init_s=0.5, provisioned_concurrency=5)
    inv = lambdasim.simulate(sc).invocations
    pc = inv[inv["on_pc"]]
    cold = inv[inv["cold"]]
    assert len(cold) > 0 and not (inv["cold"] & inv["on_pc"]).any()
    for t in cold["arrival_s"]:
        assert ((pc["start_s"] <= t) & (pc["end_s"] > t)).sum() == 5


def test_schedule_models_the_init_delay_of_new_pc_instances():
    sc = scenario({"kind": "poisson", "rate_per_s": 20}, 2000, duration_s=EXP, init_s=5.0,
                  provisioned_concurrency=[[0, 0], [100, 30], [1000, 2]])
    r = lambdasim.simulate(sc)
    inv, ins = r.invocations, r.instances
    pc = inv[inv["on_pc"]]
    assert pc["start_s"].min() >= 105.0 and pc["start_s"].min() < 106.0
    late = pc[pc["start_s"] > 1000 + 30]  # after the cut (and the calls then running) at most 2 PC instances run
    for t in late["start_s"].to_numpy()[::50]:
        assert ((pc["start_s"] <= t) & (pc["end_s"] > t)).sum() <= 2
    made_at_100 = ins[(ins["created_s"] == 100.0) & (ins["ready_s"] == 105.0)]
    assert len(made_at_100) == 30
    assert (made_at_100["retired_s"].dropna() >= 1000).sum() == 28


def test_pc_above_reserved_is_rejected():
    with pytest.raises(lambdasim.ScenarioError, match="provision"):
        scenario({"kind": "poisson", "rate_per_s": 1}, 10, reserved_concurrency=2, provisioned_concurrency=3)


def test_pc_schedule_times_must_increase():
    with pytest.raises(lambdasim.ScenarioError, match="increasing"):
        scenario({"kind": "poisson", "rate_per_s": 1}, 10, provisioned_concurrency=[[10, 1], [5, 2]])


# --- target tracking (Application Auto Scaling on LambdaProvisionedConcurrencyUtilization) ---------------------
def _steady(horizon_s=1500.0, **policy):
    # a call every 0.1 s running 0.95 s: 9.5 busy on average, 10 at most. With n < 10 PC instances each one
    # is busy 0.95 of every second (PC is used first and picks up the next call 0.05 s after its run ends),
    # so utilisation is 0.95; with n >= 10 every call runs on PC and utilisation is 9.5 / n.
    pc = {"policy": "target_tracking", "target": 0.6, "min": 2, "max": 100, **policy}
    return scenario({"kind": "deterministic", "interval_s": 0.1}, horizon_s, duration_s=0.95,
                    provisioned_concurrency=pc)


def test_target_tracking_scales_out_after_three_points_by_utilisation_over_target():
    from support.platforms import run_model
    m = run_model(_steady())
    # 2 -> ceil(2 x 0.95 / 0.6) = 4 at the 3rd point (t = 180 s), then every minute while the alarm holds:
    # ceil(4 x 0.95 / 0.6) = 7, ceil(7 x 0.95 / 0.6) = 12, ceil(12 x (9.5 / 12) / 0.6) = 16; 9.5 / 16 < 0.6 stops it
    assert m.provisioned[0].steps == [(0.0, 2), (180.0, 4), (240.0, 7), (300.0, 12), (360.0, 16)]
    assert m.provisioned[0].points[-1] == pytest.approx(9.5 / 16, rel=1e-9)


def test_maximum_statistic_tracks_the_peak_and_a_lag_delays_each_scale_out():
    from support.platforms import run_model
    peak = run_model(_steady(statistic="maximum")).provisioned[0]
    # the maximum is 1 while n < 10 (all busy at an arrival), then 10 / n: 2, 4, 7, 12, ceil(12 x 10/12 / 0.6) = 17
    assert peak.steps == [(0.0, 2), (180.0, 4), (240.0, 7), (300.0, 12), (360.0, 17)]
    assert peak.points[-1] == pytest.approx(10 / 17)
    late = run_model(_steady(scale_out_lag_s=30.0)).provisioned[0]
    assert [t for t, _ in late.steps[:4]] == [0.0, 210.0, 270.0, 330.0]  # decided at 180, 240, 300; applied 30 s later
    assert [n for _, n in late.steps[:4]] == [2, 4, 7, 12]


def test_target_tracking_scales_in_to_min_after_fifteen_points_below_and_stays_in_range():
    from support.platforms import run_model
    sc = scenario({"kind": "spike", "base_rate_per_s": 0.0, "spike_rate_per_s": 10.0, "at_s": 0.0, "duration_s": 600.0},
                  2400, duration_s=0.95, provisioned_concurrency={"policy": "target_tracking", "target": 0.6, "min": 2,
                                                                  "max": 14})
    pc = run_model(sc).provisioned[0]
    assert max(n for _, n in pc.steps) == 14 and min(n for _, n in pc.steps) == 2  # clipped to [min, max]
    assert pc.steps[-1][1] == 2
    assert 600 < pc.steps[-1][0] <= 660 + 15 * 60  # the points after the load stops are 0: 15 of them at most
    # every change follows the rule: scale out after 3 points above the target, in after 15 below
    for (_, prev), (t, n) in zip(pc.steps, pc.steps[1:]):
        before = pc.points[:int(round(t / 60))]  # the data points of the periods ended by t
        if n > prev:
            assert len(before) >= 3 and all(x > 0.6 for x in before[-3:])
        else:
            assert len(before) >= 15 and all(x < 0.6 for x in before[-15:])
    assert pc.steps[0] == (0.0, 2)


def test_target_tracking_pc_is_billed_for_its_concurrency_seconds_and_priced_as_a_lever():
    r = lambdasim.simulate(_steady(), records="full")
    assert r.pc_steps[0] == ((0.0, 2), (180.0, 4), (240.0, 7), (300.0, 12), (360.0, 16))
    conf = r.cost[r.cost["item"] == "provisioned concurrency x86_64"].iloc[0]
    area = 2 * 180 + 4 * 60 + 7 * 60 + 12 * 60 + 16 * (1500 - 360)  # concurrency-seconds; 1,500 s = 5 x 5 minutes
    assert conf["quantity"] == pytest.approx(area * 128 / 1024)
    assert conf["amount_usd"] == pytest.approx(area * 128 / 1024 * r.catalogue["lambda.pc_gb_s_usd"])
    # the hourly usage a Savings Plan covers holds the same PC configured
    pc_h = r.hourly_compute_usd().sum() - r.cost[r.cost["item"].str.startswith("duration")]["amount_usd"].sum()
    assert pc_h == pytest.approx(conf["amount_usd"], rel=1e-9)


def test_target_tracking_as_a_cold_start_lever_against_doing_nothing():
    from lambdasim.comparison.levers import cold_start_levers
    sc = scenario({"kind": "spike", "base_rate_per_s": 1.0, "spike_rate_per_s": 8.0, "at_s": 1800.0},
                  5400, duration_s={"dist": "exponential", "mean_s": 1.0}, init_s=1.0, lam={"keep_alive": {"policy": "fixed", "idle_s": 60}})
    tt = {"policy": "target_tracking", "target": 0.7, "min": 2, "max": 50}
    df = cold_start_levers(sc, "f", [{"lever": "provisioned", "concurrency": tt}])
    none, pc = df.iloc[0], df.iloc[1]
    assert pc["lever"] == "provisioned concurrency, target tracking 70 % (2-50)"
    assert 0 < pc["cold_starts"] < none["cold_starts"]
    # a busy PC instance bills duration at the lower PC rate: here that pays for the PC configured
    assert pc["extra_cost_usd"] == pytest.approx(pc["cost_usd"] - none["cost_usd"])
    assert pc["cost_per_avoided_cold_start_usd"] == pytest.approx(pc["extra_cost_usd"] / pc["avoided_cold_starts"])


def test_bad_target_tracking_values_are_rejected_by_field():
    for pc, text in [({"policy": "target_tracking", "target": 1.5, "max": 3}, r"provisioned_concurrency.target' .*\(0.0, 1.0\]"),
                     ({"policy": "target_tracking", "min": 5, "max": 3}, "min <= max"),
                     ({"policy": "target_tracking"}, r"provisioned_concurrency.max' field of Scenario is required")]:
        with pytest.raises(lambdasim.ScenarioError, match=text) as e:
            scenario({"kind": "poisson", "rate_per_s": 1}, 10, provisioned_concurrency=pc)
        assert str(e.value).count("\n") == 0  # one message
    with pytest.raises(lambdasim.ScenarioError, match="provision no more"):
        scenario({"kind": "poisson", "rate_per_s": 1}, 10, reserved_concurrency=5,
                 provisioned_concurrency={"policy": "target_tracking", "max": 6})
