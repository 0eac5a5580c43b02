"""Autoscaling: reaction to a load step, bounds, cooldowns, schedules, and the bill of every instance-second."""
import math

import numpy as np
import pytest

import lambdasim
from lambdasim.ec2.cost import hour_price_usd
from lambdasim.billing.catalogue import load_catalogue


def scenario(horizon_s, workloads, scaling, *, boot_s=30.0, warmup_s=5.0, instance_type="m5.large",
             pricing="aws-2024", duration_s=1.0):
    fns = [{"name": f"f{i}", "duration": {"dist": "constant", "value_s": duration_s}, "workload": w}
           for i, w in enumerate(workloads)]
    return lambdasim.Scenario.from_dict({
        "name": "scale", "horizon_s": horizon_s, "seed": 1, "functions": fns, "pricing": pricing,
        "ec2": {"instance_type": instance_type, "workers_per_instance": 2, "boot_s": boot_s, "warmup_s": warmup_s,
                "scaling": scaling}})


STEADY = {"kind": "deterministic", "interval_s": 1.0}  # one busy worker
STEP_AT_600 = {"kind": "deterministic", "interval_s": 0.1, "start_s": 600.0}  # ten more from t = 600
TRACK = {"policy": "target_tracking", "target": 0.5, "period_s": 60, "scale_out_cooldown_s": 60,
         "scale_in_cooldown_s": 300, "min": 2, "max": 6, "instances": 2}


def test_load_step_scales_out_after_one_period_plus_boot_and_stops_at_max():
    r = lambdasim.simulate(scenario(1500, [STEADY, STEP_AT_600], TRACK), "ec2")
    log, ins = r.scaling, r.instances
    outs = log[log["reason"] == "scale-out"]
    assert len(log[log["t_s"] < 600]) == 0  # 25 % utilisation before the step: already at min
    first = outs["t_s"].iloc[0]
    assert 600 < first <= 600 + 60  # the first evaluation that sees the step
    assert outs["to"].iloc[0] == 4  # saturated: ceil(2 x 1.0 / 0.5)
    new = ins[ins["launched_s"] > 0]
    np.testing.assert_allclose(new["ready_s"] - new["launched_s"], 35.0)  # boot + warm-up
    assert new["ready_s"].min() <= 600 + 60 + 35
    assert log["to"].max() == 6 and r.summary["max_instances"] == 6  # never beyond max
    assert (np.diff(outs["t_s"]) >= 60).all()  # scale-out cooldown


def test_step_scaling_scale_in_waits_for_its_cooldown():
    policy = {"policy": "step", "steps": [{"below": 0.3, "change": -1}], "period_s": 60,
              "scale_in_cooldown_s": 300, "min": 1, "max": 10, "instances": 8}
    r = lambdasim.simulate(scenario(2400, [STEADY], policy), "ec2")
    ins_ = r.scaling[r.scaling["reason"] == "scale-in"]
    # utilisation 1/(2n) <= 0.3 until one instance is left: 8 -> 1, one step per cooldown
    assert ins_["t_s"].tolist() == [60.0 + 300 * k for k in range(7)]
    assert ins_["to"].tolist() == [7, 6, 5, 4, 3, 2, 1]


def test_target_tracking_scale_in_respects_cooldown_after_any_activity():
    spike = {"kind": "spike", "base_rate_per_s": 1.0, "spike_rate_per_s": 12.0, "at_s": 600, "duration_s": 600}
    r = lambdasim.simulate(scenario(3600, [spike], {**TRACK, "max": 12}), "ec2")
    log = r.scaling
    assert (log["reason"] == "scale-out").any() and (log["reason"] == "scale-in").any()
    for _, row in log[log["reason"] == "scale-in"].iterrows():
        before = log[log["t_s"] < row["t_s"]]
        if len(before):
            assert row["t_s"] - before["t_s"].max() >= 300
    assert r.summary["invocations"] == r.summary["completed"] + r.summary["dropped"] + r.summary["in_flight"]


def test_schedule_sets_capacity_at_its_times():
    policy = {"policy": "scheduled", "instances": 1,
              "schedule": [{"at_s": 100, "desired": 4}, {"at_s": 500, "desired": 2}]}
    r = lambdasim.simulate(scenario(800, [STEADY], policy, boot_s=20, warmup_s=0), "ec2")
    ts = r.timeseries(10.0).set_index("t_s")
    assert ts.loc[90, "in_service"] == 1 and ts.loc[120, "in_service"] == 4
    assert ts.loc[110, "instances"] == 4 and ts.loc[110, "in_service"] == 1  # booting, billed, not serving
    assert ts.loc[510, "instances"] == 2
    assert r.scaling["to"].tolist() == [4, 2]


def _billed_by_hand(r, rule):
    h = r.scenario.horizon_s
    ins = r.instances
    life = np.minimum(ins["retired_s"].fillna(h), h) - ins["launched_s"]
    cat = load_catalogue(r.scenario.pricing)
    price = hour_price_usd(r.scenario.ec2.instance_type, cat)
    return life, sum(rule(x) for x in life) * price / 3600


def test_billing_counts_every_instance_second_with_the_60_s_minimum():
    # scale out on the step, scale in after it; a pending instance cancelled early is billed its 60 s minimum.
    spike = {"kind": "spike", "base_rate_per_s": 1.0, "spike_rate_per_s": 12.0, "at_s": 600, "duration_s": 600}
    policy = {**TRACK, "max": 12, "schedule": [{"at_s": 0, "desired": 5}, {"at_s": 10, "desired": 2}]}
    r = lambdasim.simulate(scenario(3000, [spike], policy), "ec2")
    life, by_hand = _billed_by_hand(r, lambda x: max(60, math.ceil(round(x, 6))))
    assert (life < 60).any()  # the cancelled ones
    assert r.summary["cost_usd"] == pytest.approx(by_hand, rel=1e-12)
    assert r.summary["mean_instances"] * 3000 == pytest.approx(life.sum(), rel=1e-12)
    assert r.timeseries(30.0)["instances"].sum() * 30 == pytest.approx(life.sum(), rel=1e-9)


def test_billing_rounds_each_instance_to_whole_hours_before_october_2017():
    policy = {**TRACK, "max": 12}
    spike = {"kind": "spike", "base_rate_per_s": 1.0, "spike_rate_per_s": 12.0, "at_s": 600, "duration_s": 600}
    r = lambdasim.simulate(scenario(3000, [spike], policy, instance_type="m3.medium", pricing="aws-2015"), "ec2")
    life, by_hand = _billed_by_hand(r, lambda x: 3600 * max(1, math.ceil(round(x / 3600, 6))))
    assert len(life) > 2
    assert r.summary["cost_usd"] == pytest.approx(by_hand, rel=1e-12)
