"""Fuzz tests (issue 16): hypothesis scenario dicts and price overrides give either one clean project
error or a run whose summary is finite, non-negative and conserves every arrival."""
import math

from hypothesis import HealthCheck, given, settings, strategies as st

from lambdasim import simulate
from lambdasim.errors import LambdasimError
from lambdasim.scenario import as_scenario

GOOD = st.one_of(st.floats(0.05, 10), st.sampled_from([0.1, 1, 2]))
NUM = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10**20),
                st.sampled_from([0, 1e-300, 1e-9, 0.5, 1, 5, 1e308, -1]))
def _scenario(NUM):
    DIST = st.one_of(
        st.fixed_dictionaries({"dist": st.just("constant"), "value_s": NUM}),
        st.fixed_dictionaries({"dist": st.just("exponential"), "mean_s": NUM}),
        st.fixed_dictionaries({"dist": st.just("gamma"), "mean_s": NUM, "cv": NUM}),
        st.fixed_dictionaries({"dist": st.just("lognormal"), "mean_s": NUM, "cv": NUM}),
    )
    WORKLOAD = st.one_of(
        st.fixed_dictionaries({"kind": st.just("poisson"), "rate_per_s": NUM}),
        st.fixed_dictionaries({"kind": st.just("deterministic"), "interval_s": NUM}),
        st.fixed_dictionaries({"kind": st.just("bursty"), "base_rate_per_s": NUM, "burst_rate_per_s": NUM,
                               "mean_burst_s": NUM, "mean_gap_s": NUM}),
        st.fixed_dictionaries({"kind": st.just("spike"), "base_rate_per_s": NUM, "spike_rate_per_s": NUM, "at_s": NUM}),
    )
    INVOCATION = st.one_of(st.just({"type": "sync"}), st.fixed_dictionaries(
        {"type": st.just("async"), "throttle_backoff_max_s": NUM}), st.just({"type": "sqs"}))
    FUNCTION = st.fixed_dictionaries({
        "name": st.text(min_size=1, max_size=5), "duration": DIST, "workload": WORKLOAD, "invocation": INVOCATION,
        "reserved_concurrency": st.one_of(st.none(), st.integers(0 if NUM is GOOD else -1, 5)),
        "memory_mb": st.sampled_from([128, 1024, 10240] if NUM is GOOD else [64, 128, 1024, 10240, 20000]),
    })
    PRICES = st.dictionaries(st.sampled_from(["lambda.request_per_million_usd", "alb.hour_usd", "lambda.pc_rounding_s",
                                              "lambda.billing_granularity_ms", "ec2.spot_max_discount"]), NUM, max_size=2)
    SCENARIO = st.fixed_dictionaries({
        "name": st.text(max_size=8), "horizon_s": st.one_of(NUM, st.floats(1, 120)),
        "functions": st.lists(FUNCTION, min_size=1, max_size=3),
        "pricing": st.fixed_dictionaries({"preset": st.just("aws-2024"), "overrides": PRICES}),
    })

    return SCENARIO



HOSTILE = _scenario(NUM)
SANE = _scenario(GOOD)

def _check(summary, platform):
    for k, v in summary.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            assert not math.isinf(v), (k, v)
            assert math.isnan(v) or v >= 0 or k.endswith("_delta"), (k, v)
    if platform == "lambda":
        assert summary["invocations"] == (summary["completed"] + summary["throttled"] + summary["failed"]
                                          + summary["in_flight"])
    assert math.isfinite(summary["cost_usd"]) and summary["cost_usd"] >= 0


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(HOSTILE, st.sampled_from(["lambda", "ec2"]))
def test_hostile_scenarios_run_sanely_or_fail_cleanly(data, platform):
    try:
        sc = as_scenario(data)
        result = simulate(sc, platform=platform, records="summary", max_arrivals=20_000)
    except LambdasimError:
        return
    _check(result.summary, platform)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(SANE, st.sampled_from(["lambda", "ec2"]))
def test_plausible_scenarios_run_sanely_or_fail_cleanly(data, platform):
    test_hostile_scenarios_run_sanely_or_fail_cleanly.hypothesis.inner_test(data, platform)
