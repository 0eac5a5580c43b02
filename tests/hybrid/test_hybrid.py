"""Hybrid base fleet + Lambda overflow: conservation, and the two pure forms at the extremes (same seeds)."""
import math

import numpy as np
import pytest

import lambdasim
from lambdasim.billing.catalogue import load_catalogue
from lambdasim.hybrid.model import run_hybrid

# Two workers per instance (an explicit cap): a small base fleet overflows, so both platforms serve.
SC = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides(
    {"horizon_s": 3600, "ec2.workers_per_instance": 2})
CAT = load_catalogue(SC.pricing)


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))
                                        for x, y in zip(a.values(), b.values()))


@pytest.mark.parametrize("base, routing, limit", [(5, "busy", 0), (10, "queue", 3)])
def test_every_request_is_served_once_by_exactly_one_platform(base, routing, limit):
    h = run_hybrid(SC, CAT, base, routing, limit)
    s = h.summary
    assert 0 < s["served_by_lambda"] < s["invocations"]
    assert s["served_by_base"] + s["served_by_lambda"] == s["invocations"]
    inv = h.base.invocations
    assert int((inv["status"] != "dropped").sum()) == s["served_by_base"]  # no timeout: drops are the overflow
    lam = h.overflow.invocations
    np.testing.assert_array_equal(np.sort(lam["arrival_s"].to_numpy()),
                                  inv["arrival_s"].to_numpy()[h.overflowed])
    if routing == "queue":
        assert inv["queue_wait_s"].max() > 0


def test_zero_base_is_pure_lambda():
    h = run_hybrid(SC, CAT, 0)
    assert _same(h.overflow.summary, lambdasim.simulate(SC, "lambda").summary)
    assert h.summary["cost_usd"] == lambdasim.simulate(SC, "lambda").summary["cost_usd"]


def test_a_base_that_never_overflows_is_pure_ec2():
    h = run_hybrid(SC, CAT, 60)
    assert h.summary["served_by_lambda"] == 0 and h.summary["lambda_cost_usd"] == 0
    e = lambdasim.simulate(SC.with_overrides({"ec2.scaling": {"policy": "fixed", "instances": 60}}), "ec2")
    for col in ["arrival_s", "start_s", "end_s", "instance"]:
        np.testing.assert_array_equal(h.base.invocations[col].to_numpy(), e.invocations[col].to_numpy())
    assert h.summary["cost_usd"] == e.summary["cost_usd"]


def test_pareto_front_by_hand():
    from lambdasim.comparison.optimize import pareto_front
    import pandas as pd
    cost, lat = pd.Series([1.0, 2.0, 3.0, 2.5, 1.0]), pd.Series([5.0, 3.0, 1.0, 3.5, 6.0])
    assert list(pareto_front(cost, lat)) == [True, True, True, False, False]


def test_optimize_on_a_spike_is_no_dearer_than_both_pure_forms():
    # spiky traffic: a base load and a 20-minute rectangular spike of 5x (the 'spike' workload kind)
    spike = {"name": "api", "memory_mb": 1024, "duration": {"dist": "exponential", "mean_s": 0.5},
             "workload": {"kind": "superpose", "components": [
                 {"kind": "poisson", "rate_per_s": 4.0},
                 {"kind": "spike", "base_rate_per_s": 0.0, "spike_rate_per_s": 20.0, "at_s": 1200.0,
                  "duration_s": 1200.0}]}}
    sc = lambdasim.Scenario.from_dict({"name": "spiky", "horizon_s": 3600.0, "functions": [spike],
                                       "ec2": {"workers_per_instance": 2}})
    df = lambdasim.optimize(sc, sizes=[0, 1, 2, 4, 8, 16, 40])
    best = df.attrs["best"]
    ok = df[df["meets_slo"]]
    assert best["cost_usd"] == ok["cost_usd"].min()
    lam = df[df["base_instances"] == 0].iloc[0]
    ec2 = df[(df["base_instances"] == 40) & (df["routing"] == "busy")].iloc[0]
    assert ec2["overflow_share"] == 0  # big enough: pure EC2
    for pure in (lam, ec2):
        if pure["meets_slo"]:
            assert best["cost_usd"] <= pure["cost_usd"]
    assert df["pareto"].any() and df.loc[df["pareto"], "cost_usd"].min() == df["cost_usd"].min()
