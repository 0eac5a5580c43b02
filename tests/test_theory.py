"""The Lambda model against queueing theory on long runs."""
import math

import pytest

import lambdasim
from lambdasim.theory import erlang_b

from support.scenarios import one_function


@pytest.mark.parametrize("duration", [
    {"dist": "exponential", "mean_s": 2.0},
    {"dist": "lognormal", "mean_s": 2.0, "cv": 2.0},   # M/G/inf: only the mean matters
])
def test_uncapped_mean_busy_instances_is_offered_load(duration):
    r = lambdasim.simulate(one_function(20_000, seed=3, rate=5, duration=duration), records="summary")
    s = r.summary
    assert s["throttled"] == 0
    assert s["mean_busy_instances"] == pytest.approx(5 * 2.0, rel=0.02)


def test_busy_time_includes_init_of_cold_starts():
    # with init time, busy = lambda * (E[S] + P(cold) E[I])
    r = lambdasim.simulate(one_function(20_000, seed=4, rate=2, duration={"dist": "exponential", "mean_s": 1.0},
                                        init_s=3.0, idle_s=5), records="summary")
    s = r.summary
    assert s["mean_busy_instances"] == pytest.approx(2 * (1.0 + s["cold_start_rate"] * 3.0), rel=0.02)


@pytest.mark.parametrize("cap, rate, duration", [
    (10, 8.0, {"dist": "exponential", "mean_s": 1.0}),
    (20, 18.0, {"dist": "lognormal", "mean_s": 1.0, "cv": 1.5}),  # Erlang B is insensitive to the service law
])
def test_throttled_fraction_is_erlang_b(cap, rate, duration):
    r = lambdasim.simulate(one_function(50_000, seed=11, rate=rate, duration=duration, account=cap), records="summary")
    s = r.summary
    expected = erlang_b(cap, rate * 1.0)
    assert s["throttle_rate"] == pytest.approx(expected, rel=0.03)
    assert s["max_concurrency"] == cap


def test_cold_start_probability_for_a_rare_short_function():
    # Runs far shorter than gaps: the next arrival is cold iff the exponential gap
    # since the last run ended exceeds the keep-alive, so P(cold) = exp(-lambda * idle_s).
    rate, idle = 0.01, 100.0
    r = lambdasim.simulate(one_function(1_500_000, seed=5, rate=rate, duration={"dist": "constant", "value_s": 0.001},
                                        idle_s=idle), records="summary")
    p = math.exp(-rate * idle)
    n = r.summary["invocations"]
    assert abs(r.summary["cold_start_rate"] - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_erlang_b_formula_known_values():
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(10, 8.0) == pytest.approx(0.12166, abs=1e-5)
