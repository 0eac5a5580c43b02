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
