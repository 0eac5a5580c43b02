"""Stream event sources: in-order shards, batching, blocking retries, iterator age."""
import numpy as np
import pytest

import lambdasim
from support.platforms import conserved, run_model, scenario


def test_records_of_a_shard_complete_in_arrival_order():
    sc = scenario({"kind": "poisson", "rate_per_s": 50}, 300, duration_s={"dist": "exponential", "mean_s": 0.01},
                  error_probability=0.2, invocation={"type": "stream", "shards": 3, "batch_size": 10})
    m = run_model(sc)
    for lane in m.sources[0].lanes:
        assert lane.log
        firsts = [a for a, _, _ in lane.log]
        lasts = [b for _, b, _ in lane.log]
        ends = [e for _, _, e in lane.log]
        assert firsts[0] == 0 and all(b + 1 == a for b, a in zip(lasts, firsts[1:]))  # no gap, no reorder
        assert all(b - a + 1 <= 10 for a, b, _ in lane.log) and ends == sorted(ends)


def test_one_invocation_per_batch_and_failures_block_until_success():
    sc = scenario({"kind": "deterministic", "interval_s": 1.0}, 100, duration_s=0.5, error_probability=0.5,
                  invocation={"type": "stream", "batch_size": 4, "batching_window_s": 4})
    r = lambdasim.simulate(sc)
    s, inv = r.summary, r.invocations
    assert conserved(s) and s["to_destination"] == 0
    assert (inv["duration_s"] <= 4 * 0.5 + 1e-9).all()
    starts, ends = inv["start_s"].to_numpy(), inv["end_s"].to_numpy()
    assert (starts[1:] >= ends[:-1] - 1e-9).all()  # one shard, one batch at a time
    assert (inv["attempt"] > 0).any()


def test_iterator_age_grows_when_too_slow_and_recovers():
    w = {"kind": "spike", "base_rate_per_s": 20, "spike_rate_per_s": 200, "at_s": 100, "duration_s": 100}
    sc = scenario(w, 600, duration_s=0.01, invocation={"type": "stream", "batch_size": 100})
    r = lambdasim.simulate(sc)
    s, inv = r.summary, r.invocations
    age = inv.groupby(inv["start_s"] // 100)["queue_delay_s"].max()
    assert age[0] < 0.1 and age[1] > 10 and age[2] > age[1]   # capacity 100 records/s < 200/s
    assert age[5] < 0.1                                       # caught up
    assert s["iterator_age_max_s"] == pytest.approx(age.max()) and conserved(s)


def test_parallelization_factor_multiplies_lanes_and_records_expire():
    w = {"kind": "poisson", "rate_per_s": 100}
    spec = {"type": "stream", "batch_size": 10, "maximum_record_age_s": 60}
    slow = lambdasim.simulate(scenario(w, 400, duration_s=0.05, invocation=spec)).summary
    fast = lambdasim.simulate(scenario(w, 400, duration_s=0.05,
                                       invocation={**spec, "parallelization_factor": 10})).summary
    assert slow["dropped_age"] > 0 and fast["dropped_age"] == 0
    assert conserved(slow) and conserved(fast)
    assert fast["iterator_age_max_s"] < 1.0 < slow["iterator_age_max_s"]
