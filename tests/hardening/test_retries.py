"""Retry backoffs cap before they grow (issue 16): an async function throttled for its whole event age."""
import math

from lambdasim import simulate
from lambdasim.awslambda.invocation import backoff_s
from lambdasim.scenario import as_scenario


def test_backoff_equals_the_capped_exponential_and_never_overflows():
    for first, mult, cap in [(0.1, 2.0, 20.0), (1.0, 2.0, 300.0), (0.5, 1.0, 3.0), (7.0, 3.0, 5.0), (1.0, 2.0, 1.0), (1e-3, 1.5, 1e3)]:
        for k in range(200):
            assert backoff_s(k, first, mult, cap) == min(cap, first * mult**k)
        assert backoff_s(10**6, first, mult, cap) == min(cap, first) if mult == 1 else cap
    assert math.isfinite(backoff_s(5000, 1.0, 2.0, 20.0))


def test_async_throttled_for_its_whole_event_age_runs():
    sc = as_scenario({"name": "t", "horizon_s": 5000, "lambda": {"account_concurrency": 10},
                      "functions": [{"name": "f", "reserved_concurrency": 0,
                                     "duration": {"dist": "constant", "value_s": 0.1},
                                     "workload": {"kind": "deterministic", "interval_s": 1000},
                                     "invocation": {"type": "async", "maximum_event_age_s": 3600,
                                                    "throttle_backoff_max_s": 1}}]})
    s = simulate(sc).summary
    assert s["events"] == 5 and s["dropped_age"] >= 1 and s["events_completed"] == 0 and s["internal_throttles"] > 4000  # ~1 retry per s
    assert s["events"] == (s["events_completed"] + s["events_failed"] + s["dropped_age"] + s["queued_at_end"]
                           + s["events_in_flight"])


def test_percentile_sketch_covers_any_latency():
    import numpy as np

    from lambdasim.stats import LogHistogram

    h = LogHistogram()
    h.add(np.array([2_000_001.0] * 3 + [5e8]))
    assert abs(h.quantile(0.5) / 2_000_001.0 - 1) < 1e-3
    assert abs(h.quantile(1.0) / 5e8 - 1) < 1e-3
    small = LogHistogram()
    small.add(np.array([0.5, 1.0, 2.0]))
    assert abs(small.quantile(0.5) - 1.0) < 1e-3
