"""EC2 model throughput on the default scenario: CPU microseconds per request of a whole summary run.

What is timed: one ``lambdasim.simulate(sc, "ec2", records="summary")`` of the default scenario
(``data/scenarios/default.yaml``, horizon 100,000 s: about 1 M requests, one m5.large serving them),
on a fixed fleet and under target tracking: drawing the arrivals and their work, the fleet loop
(:meth:`lambdasim.servers.fleet.Fleet.admit`), the tally, the summary and the bill. Each
measurement runs in a fresh process after a short warm-up run (the first run of a process pays lazy
imports, about a second); the figure is the median of the CPU time
(``time.process_time``) per request, with the wall time beside it. On a shared machine wall time is
inflated by the load and CPU time much less, so compare CPU figures taken at the same time, in
interleaved order: ``--against DIR`` runs the same measurement on another checkout (for example the
code before processor sharing, ``git worktree add /tmp/pre-ps b6bcd83``) alternately with this one
and prints the ratio. ``bench_platforms.py`` times the same run (priced ``aws-latest``) as requests
per CPU-second: 1 / (µs per request).

Run: .venv/bin/python benchmarks/bench_ec2.py [--repeats 3] [--horizon-s 100000] [--against DIR]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

CASES = ("fixed fleet", "target tracking")


def one(case: str, horizon_s: float) -> None:
    """Measure one run in this process and print "requests cpu_s wall_s"."""
    sys.path.insert(0, os.getcwd())  # the checkout the caller chose (its lambdasim, its data)
    import lambdasim
    sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides({"horizon_s": horizon_s})
    if case == "target tracking":
        from lambdasim.comparison.sizing import tracking_policy, with_scaling
        sc = with_scaling(sc, tracking_policy(sc, 0.7))
    lambdasim.simulate(sc.with_overrides({"horizon_s": 1000.0}), "ec2", records="summary")  # lazy imports, caches
    c, w = time.process_time(), time.perf_counter()
    n = lambdasim.simulate(sc, "ec2", records="summary").summary["invocations"]
    print(n, time.process_time() - c, time.perf_counter() - w)


def measure(tree: str, case: str, horizon_s: float) -> tuple[int, float, float]:
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", case, "--horizon-s", str(horizon_s)],
                         cwd=tree, env=dict(os.environ, PYTHONPATH=tree), capture_output=True, text=True, check=True)
    n, c, w = out.stdout.split()
    return int(n), float(c), float(w)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--horizon-s", type=float, default=100_000.0)
    ap.add_argument("--against", default=None, help="another checkout to time alternately (e.g. the pre-PS code)")
    ap.add_argument("--one", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        return one(a.one, a.horizon_s)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    trees = [here] + ([os.path.abspath(a.against)] if a.against else [])
    runs: dict[tuple[str, str], list[tuple[int, float, float]]] = {}
    for _ in range(a.repeats):
        for case in CASES:
            for tree in trees:  # interleaved: this, other, this, other, ...
                runs.setdefault((tree, case), []).append(measure(tree, case, a.horizon_s))
    for case in CASES:
        us = {}
        for tree in trees:
            r = runs[(tree, case)]
            n = r[0][0]
            cpu, wall = statistics.median(x[1] for x in r), statistics.median(x[2] for x in r)
            us[tree] = cpu / n * 1e6
            print(f"{case:16s} {os.path.basename(tree):>12s}: {n:,} requests, median {cpu:.2f} CPU-s "
                  f"({us[tree]:.2f} CPU-us per request, {n / cpu:,.0f} requests per CPU-second), "
                  f"median wall {wall:.2f} s")
        if a.against:
            print(f"{case:16s} ratio this / against: {us[trees[0]] / us[trees[1]]:.2f}x (CPU time per request)")


if __name__ == "__main__":
    main()
