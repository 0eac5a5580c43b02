"""SQS event source: poller ramp, visibility timeout, redrive to a DLQ, no loss."""
import numpy as np
import pytest

import lambdasim
from support.platforms import conserved, run_model, scenario


@pytest.mark.parametrize("rule, step, cap", [("legacy", 60, 1000), ("current", 300, 1250)])
def test_poller_ramp_follows_the_rule(rule, step, cap):
    sc = scenario({"kind": "poisson", "rate_per_s": 300}, 250, duration_s=30, lam={"account_concurrency": 5000},
                  invocation={"type": "sqs", "scaling": rule, "batch_size": 1, "visibility_timeout_s": 60})
    m = run_model(sc)
    log = m.sources[0].ramp_log
    t0 = log[0][0]
    assert [n for _, n in log] == [min(cap, 5 + step * k) for k in range(len(log))]
    assert [t - t0 for t, _ in log] == pytest.approx([60.0 * k for k in range(len(log))])
    c = m.tally.columns()
    for t, n in log:  # executions running just before the next step never exceed the level
        running = ((c["start_s"] <= t + 59.9) & (c["end_s"] > t + 59.9)).sum()
        assert running <= n
    assert m.tally.max_concurrency == log[-1][1]


def test_no_message_lost_or_processed_twice_with_a_long_visibility_timeout():
    sc = scenario({"kind": "poisson", "rate_per_s": 20}, 1000, duration_s={"dist": "exponential", "mean_s": 0.2},
                  error_probability=0.2,
                  invocation={"type": "sqs", "batch_size": 5, "visibility_timeout_s": 30, "max_receive_count": 3})
    m = run_model(sc)
    s = lambdasim.simulate(sc).summary
    assert conserved(s) and s["duplicates"] == 0
    msgs = m.sources[0].msgs
    done = [x for x in msgs if x[5] == 1]
    assert len(done) == s["events_completed"] and s["dlq"] == sum(1 for x in msgs if x[5] == 2)
    assert all(x[3] <= 3 for x in msgs)     # never received more than max_receive_count times
    assert s["dlq"] > 0                      # 0.2**3 of messages fail three times


def test_a_visibility_timeout_shorter_than_the_run_causes_duplicates():
    sc = scenario({"kind": "poisson", "rate_per_s": 2}, 300, duration_s=10.0,
                  invocation={"type": "sqs", "batch_size": 1, "visibility_timeout_s": 4})
    s = lambdasim.simulate(sc).summary
    assert conserved(s) and s["duplicates"] > 0


@pytest.mark.parametrize("invocation", [
    {"type": "async"}, {"type": "stream", "shards": 2, "batch_size": 5},
    {"type": "sqs", "batch_size": 3, "visibility_timeout_s": 5, "max_receive_count": 2},
])
def test_event_sources_are_deterministic_and_summary_mode_agrees(invocation):
    sc = scenario({"kind": "poisson", "rate_per_s": 30}, 300, duration_s={"dist": "exponential", "mean_s": 0.3},
                  error_probability=0.2, reserved_concurrency=5, invocation=invocation)
    a, b = lambdasim.simulate(sc).summary, lambdasim.simulate(sc).summary
    c = lambdasim.simulate(sc, records="summary").summary
    assert a == b and conserved(a)
    exact = {k: v for k, v in a.items() if not k.startswith(("latency_p", "queue_delay_p"))}
    assert exact == {k: c[k] for k in exact}
    assert c["queue_delay_p99_s"] == pytest.approx(a["queue_delay_p99_s"], rel=0.01, abs=1e-5)
