"""Memory of summary mode on an overloaded server fleet: bytes per request (tracemalloc peak).

An undersized fleet (one instance, no queue limit, no timeout) at 10 requests per second: the queue
grows all run long, which is what sizing searches and sweeps visit. Bounded summary mode keeps the
peak per request small and flat as the run grows.

Run: .venv/bin/python benchmarks/bench_summary_memory.py [requests ...]   (default 1,000,000 and 3,000,000)
"""
from __future__ import annotations

import sys
import tracemalloc

import lambdasim

RATE = 10.0


def overloaded(platform: str, requests: int) -> lambdasim.Scenario:
    d = {"name": f"overloaded {platform}", "horizon_s": requests / RATE, "seed": 3,
         "functions": [{"name": "api", "memory_mb": 1024, "duration": {"dist": "exponential", "mean_s": 2.0},
                        "cpu_scaling": {"cpu_bound_fraction": 0.25, "reference_memory_mb": 1024},
                        "workload": {"kind": "poisson", "rate_per_s": RATE}}]}
    if platform == "ec2":
        d["ec2"] = {"instance_type": "m5.large", "workers_per_instance": 4, "scaling": {"policy": "fixed", "instances": 1}}
    elif platform == "fargate":
        d["fargate"] = {"scaling": {"policy": "fixed", "instances": 2}}
    elif platform == "lmi":
        d["lmi"] = {"on_overload": "queue", "instances": 1, "min_instances": 1, "max_instances": 1, "max_concurrency": 4}
        d["pricing"] = "aws-latest"
    return lambdasim.Scenario.from_dict(d)


def measure(platform: str, requests: int) -> tuple[float, dict]:
    sc = overloaded(platform, requests)
    tracemalloc.start()
    r = lambdasim.simulate(sc, platform, records="summary", max_arrivals=10 * requests)
    summary = r.summary
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / summary["invocations"], summary


def main(sizes: list[int]) -> None:
    for platform in ("ec2", "fargate", "lmi"):
        for n in sizes:
            per, s = measure(platform, n)
            print(f"{platform:8s} {s['invocations']:>10,} requests  peak {per * s['invocations'] / 1e6:8.1f} MB  "
                  f"{per:7.1f} B/request  (completed {s['completed']:,})", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000_000, 3_000_000])
