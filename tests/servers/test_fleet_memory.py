"""Bounded state: summary mode on an overloaded server fleet costs a few bytes per request, on every platform.

An undersized fleet (no queue limit, no timeout) at 10 requests per second holds a queue that grows all
run long, which is what sizing searches and sweeps visit. The queue keeps runs of request indices with a
compact copy of their work, not a Python object per request. Memory is measured with ``tracemalloc``
(peak of the run) at two sizes, and the growth per extra request is compared with the bound of issue 13
(<= 100 bytes per invocation in summary mode). The arrival windows are made small so that both sizes span
many windows, as a long run does (a window's admission lists are a per-window cost, not per request).
"""
from __future__ import annotations

import tracemalloc

import pytest

import lambdasim
import lambdasim.workload.arrivals as arrivals

RATE = 10.0
BOUND_BYTES_PER_REQUEST = 100.0


def overloaded(platform: str, requests: int) -> lambdasim.Scenario:
    d = {"name": f"overloaded {platform}", "horizon_s": requests / RATE, "seed": 3,
         "functions": [{"name": "api", "memory_mb": 1024, "duration": {"dist": "exponential", "mean_s": 2.0},
                        "cpu_scaling": {"cpu_bound_fraction": 0.25, "reference_memory_mb": 1024},
                        "workload": {"kind": "poisson", "rate_per_s": RATE}}]}
    if platform == "ec2":
        d["ec2"] = {"instance_type": "m5.large", "workers_per_instance": 4,
                    "scaling": {"policy": "fixed", "instances": 1}}
    elif platform == "fargate":
        d["fargate"] = {"scaling": {"policy": "fixed", "instances": 2}}
    else:
        d["lmi"] = {"on_overload": "queue", "instances": 1, "min_instances": 1, "max_instances": 1,
                    "max_concurrency": 4}
        d["pricing"] = "aws-latest"
    return lambdasim.Scenario.from_dict(d)


def peak_bytes(platform: str, requests: int) -> tuple[int, dict]:
    tracemalloc.start()
    try:
        s = lambdasim.simulate(overloaded(platform, requests), platform, records="summary").summary
        return tracemalloc.get_traced_memory()[1], s
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("platform", ["ec2", "fargate", "lmi"])
def test_summary_mode_memory_per_request_is_bounded_on_an_overloaded_fleet(platform, monkeypatch):
    monkeypatch.setattr(arrivals, "WINDOW_ARRIVALS", 2_000)
    peak_bytes(platform, 20_000)  # once first: imports, catalogues and caches (tens of MB, once) are not per request
    small, s1 = peak_bytes(platform, 20_000)
    large, s2 = peak_bytes(platform, 60_000)
    for s in (s1, s2):  # overloaded indeed: most requests still wait at the end, every one is accounted for
        assert s["completed"] < 0.5 * s["invocations"]
        assert s["completed"] + s["dropped"] + s["in_flight"] + s.get("interrupted", 0) == s["invocations"]
    growth = (large - small) / (s2["invocations"] - s1["invocations"])
    assert growth <= BOUND_BYTES_PER_REQUEST, f"{platform}: {growth:.0f} bytes per extra request in summary mode"
