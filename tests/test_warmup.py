"""The warm-up (``measure_from_s``): metrics and costs from the end of the initial fill on."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import lambdasim
from lambdasim.billing.catalogue import MONTH_S
from lambdasim.errors import ScenarioError

from support.scenarios import one_function


def test_cold_start_rate_after_the_warm_up_matches_steady_state_theory():
    """M/D/inf, 20 req/s of 2 s, a keep-alive longer than the run: no environment ever retires, so once
    the pool holds M environments an arrival is cold only if it finds at least M busy. In steady state
    the busy count is Poisson(a = 40) (M/G/inf) and arrivals see it (PASTA), so the steady-state
    cold-start rate is at most P(Poisson(40) >= M). Every arrival of the first 2 s is cold (nothing has
    been released yet): the initial fill, which the whole-run rate counts and the warm-up excludes."""
    rate, d, w = 20.0, 2.0, 200.0
    sc = one_function(2000.0, seed=4, rate=rate, duration={"dist": "constant", "value_s": d}, idle_s=1e6)
    whole = lambdasim.simulate(sc)
    warm = lambdasim.simulate(sc.with_overrides({"measure_from_s": w}))
    inv, ins = whole.invocations, whole.instances
    assert inv.loc[inv["arrival_s"] < d, "cold"].all()  # the fill: all cold
    pool = int((ins["created_s"] < w).sum())  # environments live at the end of the warm-up (none retire)
    bound = float(stats.poisson.sf(pool - 1, rate * d))
    s, s0 = warm.summary, whole.summary
    n = s["invocations"]
    assert s["cold_starts"] == int((ins["created_s"] >= w).sum())  # each cold start after w adds one
    assert s["cold_starts"] == int(inv.loc[inv["arrival_s"] >= w, "cold"].sum())
    slack = 3 * math.sqrt(max(bound, 1 / n) / n)
    assert s["cold_start_rate"] <= bound + slack  # the steady state: within theory
    assert s0["cold_start_rate"] > bound + slack  # the whole run: the fill puts it outside
    assert abs(s["cold_start_rate"] - bound) < abs(s0["cold_start_rate"] - bound)


def test_a_fixed_fleet_costs_its_measured_share_and_its_monthly_projection_does_not_move():
    sc = lambdasim.Scenario.from_dict({
        "name": "w", "horizon_s": 3600.0, "seed": 1,
        "functions": [{"name": "f", "duration": {"dist": "exponential", "mean_s": 0.2},
                       "workload": {"kind": "poisson", "rate_per_s": 5}}],
        "ec2": {"scaling": {"policy": "fixed", "instances": 2}}})
    whole = lambdasim.simulate(sc, "ec2").summary
    warm = lambdasim.simulate(sc.with_overrides({"measure_from_s": 600.0}), "ec2").summary
    assert warm["cost_usd"] == pytest.approx(whole["cost_usd"] * 3000 / 3600, rel=1e-12)  # per second, 2 instances
    assert warm["mean_instances"] == pytest.approx(2.0)
    df = lambdasim.compare(sc.with_overrides({"measure_from_s": 600.0}), 1, slo={"latency_p99_s": 5.0},
                           strategies=("configured",))
    assert df.attrs["measured_s"] == 3000.0 and df.attrs["extrapolated"]
    ec2 = df[df["platform"] == "ec2"].iloc[0]
    assert ec2["monthly_cost_usd"] == pytest.approx(whole["cost_usd"] / 3600 * 30 * 86400, rel=1e-12)


def test_lambda_counts_and_bills_only_arrivals_after_the_warm_up():
    sc = one_function(1200.0, seed=2, rate=3.0, duration={"dist": "exponential", "mean_s": 0.5}, init_s=0.4)
    w = 300.0
    full = lambdasim.simulate(sc.with_overrides({"measure_from_s": w}))
    summ = lambdasim.simulate(sc.with_overrides({"measure_from_s": w}), records="summary").summary
    inv = full.invocations
    after = inv[inv["arrival_s"] >= w]
    s = full.summary
    assert s["invocations"] == len(after) < len(inv)
    assert s["cold_starts"] == int(after["cold"].sum())
    done = after[after["status"] == "completed"]
    assert s["latency_mean_s"] == pytest.approx(float((done["end_s"] - done["arrival_s"]).mean()), rel=1e-12)
    requests = full.cost.set_index("item")["quantity"].filter(like="request").sum()
    assert requests == pytest.approx(len(after[after["status"].isin(["completed", "failed"])]))
    busy = np.maximum(np.fmin(inv["end_s"], 1200.0) - np.maximum(inv["start_s"], w), 0).sum()
    assert s["mean_busy_instances"] == pytest.approx(busy / (1200.0 - w), rel=1e-9)
    for k in ("invocations", "cold_starts", "cost_usd", "mean_instances", "mean_busy_instances", "latency_mean_s"):
        assert summ[k] == pytest.approx(s[k], rel=1e-9), k  # summary records agree with full records
    assert summ["latency_p99_s"] == pytest.approx(s["latency_p99_s"], rel=1e-3)
    assert s["monthly_cost_usd"] == pytest.approx(s["cost_usd"] * MONTH_S / (1200.0 - w), rel=1e-6)  # no free tier


def test_without_a_warm_up_nothing_changes():
    sc = one_function(600.0, seed=3, rate=2.0)
    a, b = lambdasim.simulate(sc).summary, lambdasim.simulate(sc.with_overrides({"measure_from_s": 0.0})).summary
    assert a == b


def test_a_warm_up_as_long_as_the_run_is_one_clear_error():
    with pytest.raises(ScenarioError, match="measure_from_s below horizon_s \\(600\\); got 600"):
        one_function(600.0, rate=1.0).with_overrides({"measure_from_s": 600.0})
