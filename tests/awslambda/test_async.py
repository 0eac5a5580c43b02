"""Asynchronous invocation: error retries, throttle backoff, event age, destinations, conservation."""
import numpy as np
import pytest

import lambdasim
from support.platforms import conserved, scenario

EVERY_1000 = {"kind": "deterministic", "interval_s": 1000, "start_s": 10}


@pytest.mark.parametrize("retries", [0, 1, 2])
def test_an_always_failing_function_is_retried_after_one_and_two_minutes(retries):
    sc = scenario(EVERY_1000, 5000, duration_s=1.0, error_probability=1.0,
                  invocation={"type": "async", "maximum_retry_attempts": retries})
    r = lambdasim.simulate(sc)
    inv, s = r.invocations, r.summary
    assert s["events"] == 5 and s["to_destination"] == 5 and conserved(s)
    assert len(inv) == 5 * (retries + 1) and (inv["status"] == "failed").all()
    first = inv[inv["attempt"] == 0]["start_s"].to_numpy()
    offsets = [0.0, 1 + 60.0, 1 + 60 + 1 + 120.0][: retries + 1]
    for k, off in enumerate(offsets):
        got = inv[inv["attempt"] == k]["start_s"].to_numpy()
        assert got == pytest.approx(first + off)
        assert inv[inv["attempt"] == k]["queue_delay_s"].to_numpy() == pytest.approx(np.full(5, off))


def test_a_short_maximum_age_drops_error_retries():
    sc = scenario(EVERY_1000, 5000, duration_s=1.0, error_probability=1.0,
                  invocation={"type": "async", "maximum_event_age_s": 100})
    s = lambdasim.simulate(sc).summary
    # the first retry (61 s) is within 100 s, the second (182 s) is not
    assert s["invocations"] == 10 and s["dropped_age"] == 5 and s["to_destination"] == 0 and conserved(s)


def test_throttled_events_back_off_from_1_s_and_never_run_older_than_their_maximum_age():
    sc = scenario({"kind": "poisson", "rate_per_s": 5}, 3000, duration_s=100.0, reserved_concurrency=10,
                  invocation={"type": "async", "maximum_event_age_s": 600})
    r = lambdasim.simulate(sc)
    s, inv = r.summary, r.invocations
    assert conserved(s) and s["dropped_age"] > 0 and s["internal_throttles"] > 0
    assert s["event_age_max_s"] <= 600 and inv["queue_delay_s"].max() <= 600
    # a delay is a sum of the backoffs 1, 2, 4, ..., 256, 300, 300, ... s
    waits = np.cumsum([min(300.0, 2.0**k) for k in range(30)])
    allowed = np.concatenate([[0.0], waits])
    d = inv["queue_delay_s"].to_numpy()
    assert np.isin(np.round(d, 6), np.round(allowed, 6)).all()
    assert s["queue_delay_p99_s"] > s["queue_delay_p50_s"] >= 0


def test_async_rows_and_events_conserve_with_random_errors():
    sc = scenario({"kind": "poisson", "rate_per_s": 2}, 2000, duration_s={"dist": "exponential", "mean_s": 1.0},
                  error_probability=0.3, invocation={"type": "async"})
    s = lambdasim.simulate(sc, records="summary").summary
    assert conserved(s)
    assert s["to_destination"] == pytest.approx(s["events"] * 0.3**3, abs=5 * np.sqrt(s["events"] * 0.027) + 5)


def test_sync_client_retries_resubmit_throttled_calls():
    base = dict(duration_s=10.0, reserved_concurrency=5, seed=4)
    w = {"kind": "poisson", "rate_per_s": 1}
    plain = lambdasim.simulate(scenario(w, 3000, **base)).summary
    retry = {"type": "sync", "retry": {"attempts": 4, "backoff_s": 1.0, "multiplier": 2.0}}
    r = lambdasim.simulate(scenario(w, 3000, invocation=retry, **base))
    s, inv = r.summary, r.invocations
    assert conserved(s) and conserved(plain)
    assert s["events_throttled"] < plain["events_throttled"]
    assert inv["attempt"].max() == 3
    assert set(np.round(inv[inv["attempt"] == 1]["queue_delay_s"], 9)) == {1.0}
    assert set(np.round(inv[inv["attempt"] == 3]["queue_delay_s"], 9)) == {7.0}
