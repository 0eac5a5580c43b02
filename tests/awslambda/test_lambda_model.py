"""Exact small traces through the Lambda model."""
import math

import numpy as np
import pytest

import lambdasim
from lambdasim.awslambda.instances import InstanceLog
from lambdasim.awslambda.pool import InstancePool

from support.scenarios import one_function


def rows(result):
    inv = result.invocations
    return [(round(r.arrival_s, 6), r.status, bool(r.cold), int(r.instance), None if math.isnan(r.end_s) else round(r.end_s, 6))
            for r in inv.itertuples()]


def test_cold_start_then_keep_alive_expiry_each_time():
    # Arrivals at 1, 11, 21, 31; runs of 2 s after 0.5 s init; keep-alive 5 s < gap.
    r = lambdasim.simulate(one_function(35, interval=10, start_s=1, duration={"dist": "constant", "value_s": 2},
                                        init_s=0.5, idle_s=5))
    assert rows(r) == [(1, "completed", True, 0, 3.5), (11, "completed", True, 1, 13.5),
                       (21, "completed", True, 2, 23.5), (31, "completed", True, 3, 33.5)]
    ins = r.instances
    assert ins["created_s"].tolist() == [1, 11, 21, 31]
    assert ins["ready_s"].tolist() == [1.5, 11.5, 21.5, 31.5]
    # retired exactly keep-alive after going idle; the last is still live (NaN) at the horizon
    assert ins["retired_s"].tolist()[:3] == [8.5, 18.5, 28.5] and math.isnan(ins["retired_s"].iloc[3])
    s = r.summary
    assert (s["cold_starts"], s["cold_start_rate"], s["instances_created"]) == (4, 1.0, 4)
    # live instance-time: 3 x 7.5 s + (35 - 31) s over a 35 s horizon
    assert s["mean_instances"] == pytest.approx((3 * 7.5 + 4) / 35)
    assert s["mean_busy_instances"] == pytest.approx(4 * 2.5 / 35)


def test_warm_reuse_within_keep_alive():
    r = lambdasim.simulate(one_function(35, interval=10, start_s=1, duration={"dist": "constant", "value_s": 2},
                                        init_s=0.5, idle_s=15))
    assert rows(r) == [(1, "completed", True, 0, 3.5), (11, "completed", False, 0, 13),
                       (21, "completed", False, 0, 23), (31, "completed", False, 0, 33)]
    assert r.summary["latency_mean_s"] == pytest.approx((2.5 + 2 + 2 + 2) / 4)
    assert len(r.instances) == 1 and math.isnan(r.instances["retired_s"].iloc[0])


def test_throttle_when_concurrency_is_full_and_reuse_at_exact_end():
    # Cap 1; arrivals every second; run 1.5 s after a 0.5 s init: t=0 cold (ends 2.0),
    # t=1 throttled, t=2 reuses the instance freed at exactly 2.0, t=3 throttled.
    r = lambdasim.simulate(one_function(3.5, interval=1, duration={"dist": "constant", "value_s": 1.5},
                                        init_s=0.5, account=1))
    assert rows(r) == [(0, "completed", True, 0, 2.0), (1, "throttled", False, -1, None),
                       (2, "completed", False, 0, 3.5), (3, "throttled", False, -1, None)]
    s = r.summary
    assert (s["throttled"], s["completed"], s["max_concurrency"]) == (2, 2, 1)
    assert s["cold_start_rate"] == 0.5  # cold / started, throttled calls never start


def test_in_flight_at_horizon_is_counted_not_completed():
    r = lambdasim.simulate(one_function(10, interval=4, duration={"dist": "constant", "value_s": 3}))
    assert r.invocations["status"].tolist() == ["completed", "completed", "in_flight"]
    s = r.summary
    assert s["invocations"] == s["completed"] + s["in_flight"] == 3
    assert s["mean_busy_instances"] == pytest.approx((3 + 3 + 2) / 10)  # the last run is clipped at 10


def test_reserved_concurrency_caps_one_function_and_leaves_the_rest():
    sc = lambdasim.Scenario.from_dict({
        "horizon_s": 5, "functions": [
            {"name": "a", "duration": {"dist": "constant", "value_s": 10}, "reserved_concurrency": 2,
             "workload": {"kind": "deterministic", "interval_s": 1}},
            {"name": "b", "duration": {"dist": "constant", "value_s": 10},
             "workload": {"kind": "deterministic", "interval_s": 1, "start_s": 0.5}}],
        "lambda": {"account_concurrency": 4}})
    by = lambdasim.simulate(sc).by_function
    # a: reserved 2 of 4 -> 2 run, 3 throttled; b: the unreserved 2 -> 2 run, 3 throttled
    assert by.loc["a", "throttled"] == 3 and by.loc["b", "throttled"] == 3
    assert by.loc["a", "completed"] + by.loc["b", "completed"] == 0  # all still running at 5 s


def test_billing_rounds_each_invocation_up_to_the_era_granularity():
    dur = {"dist": "constant", "value_s": 0.101}
    today = lambdasim.simulate(one_function(10, interval=1, duration=dur, memory_mb=1024, pricing="aws-2024"))
    y2015 = lambdasim.simulate(one_function(10, interval=1, duration=dur, memory_mb=1024, pricing="aws-2015"))
    assert today.invocations["billed_ms"].tolist() == [101.0] * 10
    assert y2015.invocations["billed_ms"].tolist() == [200.0] * 10
    assert today.summary["billed_gb_s"] == pytest.approx(10 * 0.101)
    assert y2015.summary["billed_gb_s"] == pytest.approx(10 * 0.2)
    price = today.catalogue["lambda.duration_gb_s_usd"]
    req = today.catalogue["lambda.request_per_million_usd"] / 1e6
    assert today.summary["cost_usd"] == pytest.approx(10 * req + 10 * 0.101 * price, rel=1e-12)


class TestPool:
    def make(self, selection, rng=None):
        log = InstanceLog(["f"])
        pool = InstancePool(0, idle_s=10, selection=selection, log=log, rng=rng)
        a, b = pool.create(0, 0.1), pool.create(0, 0.1)
        pool.release(a, 1.0)
        pool.release(b, 2.0)
        return pool, log, a, b

    def test_mru_takes_the_most_recently_idle(self):
        pool, _, a, b = self.make("mru")
        assert pool.take(3) == b and pool.take(3) == a and pool.take(3) == -1

    def test_lru_takes_the_longest_idle(self):
        pool, _, a, b = self.make("lru")
        assert pool.take(3) == a and pool.take(3) == b

    def test_random_takes_each_sometimes(self):
        seen = {self.make("random", np.random.default_rng(s))[0].take(3) for s in range(20)}
        assert seen == {0, 1}

    def test_reap_retires_at_exact_expiry_lazily(self):
        pool, log, a, b = self.make("mru")
        assert pool.take(11.0) == b  # a expired at 11.0 (1 + 10): retired, b still warm
        assert log.rows[a][3] == 11.0 and math.isnan(log.rows[b][3])


def test_timeseries_integrates_to_the_summary():
    r = lambdasim.simulate(one_function(500, rate=2, duration={"dist": "exponential", "mean_s": 3}, init_s=0.2, idle_s=20))
    ts = r.timeseries(50)
    s = r.summary
    assert ts["concurrency"].mean() == pytest.approx(s["mean_busy_instances"], rel=1e-9)
    assert ts["instances"].mean() == pytest.approx(s["mean_instances"], rel=1e-9)
    assert ts["cold_starts"].sum() == s["cold_starts"]
    assert ts["invocations"].sum() == s["invocations"]


def test_billed_ms_rounds_up_every_run_even_the_tiniest():
    from lambdasim.billing.rules import billed_ms
    # float noise must not add a unit; any run longer than a nanosecond bills at least one unit
    assert billed_ms([0.101, 0.3, 0.7, 1e-8, 0.0], 100).tolist() == [200.0, 300.0, 700.0, 100.0, 0.0]
    assert billed_ms([0.101, 0.3, 1e-8], 1).tolist() == [101.0, 300.0, 1.0]
