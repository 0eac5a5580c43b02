"""EC2 model throughput: median seconds per run and microseconds per request (default scenario).

Run: .venv/bin/python benchmarks/bench_ec2.py
"""
import statistics
import time

import lambdasim
from lambdasim.comparison.sizing import tracking_policy, with_scaling


def main(horizon_s: float = 100_000.0, repeats: int = 3) -> None:
    sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides({"horizon_s": horizon_s})
    for label, s in (("fixed fleet", sc), ("target tracking", with_scaling(sc, tracking_policy(sc, 0.7)))):
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            r = lambdasim.simulate(s, "ec2", records="summary")
            n = r.summary["invocations"]
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        print(f"{label:16s} {n:,} requests: median {med:.2f} s, {med / n * 1e6:.2f} us per request")


if __name__ == "__main__":
    main()
