"""Burst scaling (per_function_2023, legacy_burst, unlimited) and reserved concurrency."""
import datetime as dt

import numpy as np
import pytest

import lambdasim
from lambdasim.awslambda.scaling import ScalingSpec, SlidingWindowBudget, SteppedBudget, default_model
from lambdasim.theory import erlang_b
from support.platforms import conserved, scenario


def test_default_model_follows_the_pricing_date():
    assert default_model(ScalingSpec(), dt.date(2023, 11, 26)) == "legacy_burst"
    assert default_model(ScalingSpec(), dt.date(2023, 11, 27)) == "per_function_2023"
    assert default_model(ScalingSpec(model="unlimited"), dt.date(2015, 1, 1)) == "unlimited"


def test_sliding_window_budget_exact_trace():
    b = SlidingWindowBudget(limit=2, window_s=10)
    got = [b.take(0, t) for t in (0.0, 1.0, 2.0, 9.9, 10.0, 10.5, 11.0, 11.5)]
    assert got == [True, True, False, False, True, False, True, False]


def test_stepped_budget_exact_trace():
    b = SteppedBudget(burst=3, step=2, step_s=60)
    got = [b.take(0, t) for t in (5.0, 6.0, 7.0, 8.0, 64.9, 65.0, 65.0, 65.0, 125.0)]
    # the refill clock starts at the first draw (t=5): +2 at 65, +2 at 125
    assert got == [True, True, True, False, False, True, True, False, True]


def test_stepped_budget_refills_to_the_burst_only():
    b = SteppedBudget(burst=3, step=2, step_s=60)
    assert all(b.take(0, 0.0) for _ in range(3))
    assert sum(b.take(0, 10_000.0) for _ in range(10)) == 3


def _spike(model, rate, horizon, account, pricing="aws-2024"):
    lam = {"account_concurrency": account, "scaling": {"model": model} if model else {}}
    sc = scenario({"kind": "poisson", "rate_per_s": rate}, horizon, duration_s=1000.0, lam=lam, pricing=pricing)
    r = lambdasim.simulate(sc)
    return r, np.sort(r.instances["created_s"].to_numpy())


def test_per_function_2023_spike_adds_1000_per_10_s_up_to_the_account_limit():
    r, created = _spike(None, 1000, 130, account=10_000)   # default for aws-2024
    for k in range(1, 10):   # any 10 s window holds at most 1,000 new instances
        assert (created < 10 * k).sum() == 1000 * k
    assert (created <= 100).sum() == 10_000   # reached after about 100 s
    assert len(created) == 10_000             # and held at the account limit
    s = r.summary
    assert s["throttled"] > 0 and s["max_concurrency"] == 10_000 and conserved(s)


def test_legacy_burst_3000_then_500_per_minute():
    r, created = _spike(None, 200, 300, account=20_000, pricing="aws-2015")  # default before 2023-11-27
    t0 = created[0]
    assert [(created < t0 + 60 * k).sum() for k in range(1, 5)] == [3000, 3500, 4000, 4500]
    assert conserved(r.summary)


def test_unlimited_starts_everything_at_once():
    r, created = _spike("unlimited", 200, 60, account=20_000)
    assert r.summary["throttled"] == 0 and len(created) == r.summary["invocations"]


def test_erlang_b_for_reserved_concurrency():
    c, lam, mean = 10, 8.0, 1.0
    sc = scenario({"kind": "poisson", "rate_per_s": lam}, 30_000, duration_s={"dist": "exponential", "mean_s": mean},
                  reserved_concurrency=c, seed=11)
    s = lambdasim.simulate(sc, records="summary").summary
    assert s["throttle_rate"] == pytest.approx(erlang_b(c, lam * mean), rel=0.03)
