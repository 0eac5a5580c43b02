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

``--kernel python`` times the Python loop (the reference); ``numba`` the fleet's compiled kernel
(``lambdasim[fast]``: :mod:`lambdasim.servers.kernel`), after a warm-up that pays numba's start-up
(about 1 s per process, not counted; ``LAMBDASIM_KERNEL=auto`` starts it from a million expected
requests); ``both`` (the default) interleaves the two.

Run: .venv/bin/python benchmarks/bench_platforms.py [--kernel python|numba|both] [--repeats 3]
"""
import argparse
import os
import statistics
import time

import lambdasim


def main(horizon_s: float = 100_000.0, repeats: int = 3, kernels: tuple[str, ...] = ("python", "numba")) -> None:
    sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides(
        {"horizon_s": horizon_s, "pricing": "aws-latest"})
    runs = [(p, k) for p in ("ec2", "fargate", "lmi") for k in kernels]
    times: dict[tuple[str, str], list[float]] = {r: [] for r in runs}
    n = {}
    for p, k in runs:  # warm-up: the first run of a process pays lazy imports, caches and numba's start-up
        os.environ["LAMBDASIM_KERNEL"] = k
        lambdasim.simulate(sc.with_overrides({"horizon_s": 1000.0}), p, records="summary")
    for _ in range(repeats):
        for p, k in runs:  # interleaved: A B C A B C ...
            os.environ["LAMBDASIM_KERNEL"] = k
            t = time.process_time()
            r = lambdasim.simulate(sc, p, records="summary")
            times[p, k].append(time.process_time() - t)
            n[p] = r.summary["invocations"]
    for p, k in runs:
        med = statistics.median(times[p, k])
        print(f"{p:8s} {k:6s} {n[p]:,} requests: median {med:.2f} CPU-s, {n[p] / med:,.0f} requests per CPU-second "
              f"({med / n[p] * 1e6:.2f} CPU-us per request)")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernel", choices=["python", "numba", "both"], default="both")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--horizon-s", type=float, default=100_000.0)
    a = ap.parse_args()
    main(a.horizon_s, a.repeats, ("python", "numba") if a.kernel == "both" else (a.kernel,))
