"""Issue 16's slow valid case (three functions: sync, SQS, sync at modest rates, > 60 s): profiled, the work is
linear in the horizon, not superlinear. While the SQS function is throttled (reserved concurrency below its
pollers), every poller holding a batch retries once per ``throttle_backoff_s``: about ``pollers - running``
attempts per simulated second (AWS: "event source mappings don't account for reserved concurrency"), up to
1,250 pollers, so ~1,250 SimPy events per simulated second (1.99 M events for 2,400 s, 15 s on a loaded
machine). This test pins that count with theory, independent of timing."""
import lambdasim


def three_functions(horizon_s: float, pollers: int, backoff_s: float = 1.0) -> lambdasim.Scenario:
    sync = {"duration": {"dist": "exponential", "mean_s": 0.5}, "workload": {"kind": "poisson", "rate_per_s": 2}}
    return lambdasim.Scenario.from_dict({"name": "sync-sqs-sync", "horizon_s": horizon_s, "seed": 5, "functions": [
        {"name": "a", **sync},
        {"name": "b", "duration": {"dist": "constant", "value_s": 2}, "workload": {"kind": "poisson", "rate_per_s": 1},
         "invocation": {"type": "sqs", "maximum_concurrency": pollers, "throttle_backoff_s": backoff_s},
         "reserved_concurrency": 1},
        {"name": "c", **sync}], "pricing": "aws-2024"})


def test_throttled_sqs_pollers_cost_work_linear_in_the_horizon():
    # One batch of 10 messages (20 s) runs at a time while 1 message/s arrives: the queue only grows, every
    # poller is busy from the first minute on, and the pollers - 1 others each retry once per backoff.
    pollers, backoff = 10, 0.5
    counts = [lambdasim.simulate(three_functions(h, pollers, backoff), records="summary").summary["internal_throttles"]
              for h in (300.0, 600.0, 900.0)]
    per_300_s = (pollers - 1) * 300 / backoff
    assert abs((counts[1] - counts[0]) - per_300_s) <= 0.01 * per_300_s, counts
    assert abs((counts[2] - counts[1]) - per_300_s) <= 0.01 * per_300_s, counts
