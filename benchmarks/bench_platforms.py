"""Throughput of the server platforms on the default scenario: requests per CPU-second, interleaved runs.

Runs EC2 (the reference), Fargate and Lambda Managed Instances on the same scenario (priced
``aws-latest`` so that LMI exists), ``repeats`` times each in interleaved order, and prints the
median CPU time (``time.process_time``) and requests simulated per CPU-second. What is timed is a
whole ``simulate(sc, platform, records="summary")``: drawing the arrivals, the fleet loop, the
tally, the summary and the bill (the same run as ``bench_ec2.py``, which prints its inverse, CPU
microseconds per request, and can time another checkout alternately). CPU time, not wall time:
on a shared machine wall time is inflated by the load. Issue 17's target is 500,000 requests per
CPU-second for each new platform (set when EC2, before processor sharing, ran ~700,000 per second
on a quiet machine); compare figures taken at the same time on the same machine.

Run: .venv/bin/python benchmarks/bench_platforms.py
"""
import statistics
import time

import lambdasim


def main(horizon_s: float = 100_000.0, repeats: int = 3) -> None:
    sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides(
        {"horizon_s": horizon_s, "pricing": "aws-latest"})
    platforms = ("ec2", "fargate", "lmi")
    times: dict[str, list[float]] = {p: [] for p in platforms}
    n = {}
    for p in platforms:  # warm-up: the first run of a process pays lazy imports and caches (about a second)
        lambdasim.simulate(sc.with_overrides({"horizon_s": 1000.0}), p, records="summary")
    for _ in range(repeats):
        for p in platforms:  # interleaved: A B C A B C ...
            t = time.process_time()
            r = lambdasim.simulate(sc, p, records="summary")
            times[p].append(time.process_time() - t)
            n[p] = r.summary["invocations"]
    for p in platforms:
        med = statistics.median(times[p])
        print(f"{p:8s} {n[p]:,} requests: median {med:.2f} CPU-s, {n[p] / med:,.0f} requests per CPU-second "
              f"({med / n[p] * 1e6:.2f} CPU-us per request)")


if __name__ == "__main__":
    main()
