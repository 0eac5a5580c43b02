"""Throughput of the server platforms on the default scenario: requests per CPU-second, interleaved runs.

Runs EC2 (the reference), Fargate and Lambda Managed Instances on the same scenario (priced
``aws-latest`` so that LMI exists), ``repeats`` times each in interleaved order, and prints the
median CPU time (``time.process_time``) and requests simulated per CPU-second. The issue's target
is 500,000 requests per CPU-second for each new platform.

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
    for _ in range(repeats):
        for p in platforms:  # interleaved: A B C A B C ...
            t = time.process_time()
            r = lambdasim.simulate(sc, p, records="summary")
            times[p].append(time.process_time() - t)
            n[p] = r.summary["invocations"]
    for p in platforms:
        med = statistics.median(times[p])
        print(f"{p:8s} {n[p]:,} requests: median {med:.2f} CPU-s, {n[p] / med:,.0f} requests per CPU-second")


if __name__ == "__main__":
    main()
