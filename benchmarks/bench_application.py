"""Benchmark: the cost of following every event through an application graph.

Runs two shipped scenarios with their ``application:`` section and, for
comparison, the same functions without it (the graph's entry function
alone, with its external arrivals: the engine's own per-event cost).
Prints wall-clock seconds (median of repeats) and root events per second.

    .venv/bin/python benchmarks/bench_application.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import time

import lambdasim
from lambdasim.paths import data_dir


def entry_only(sc: lambdasim.Scenario) -> lambdasim.Scenario:
    data = sc.to_dict()
    data.pop("application")
    data["functions"] = [f for f in data["functions"] if f["workload"]["kind"] != "triggered"]
    return lambdasim.Scenario.from_dict(data)


def timed(sc, repeats: int) -> tuple[float, dict]:
    runs, s = [], {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        s = lambdasim.simulate(sc).summary
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), s


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    for name in ("photo_pipeline", "log_processing"):
        sc = lambdasim.Scenario.from_file(data_dir() / "scenarios" / f"{name}.yaml")
        t_app, s = timed(sc, args.repeats)
        t_flat, _ = timed(entry_only(sc), args.repeats)
        print(f"{name}: {s['roots']:,} roots, {s['app_events']:,} events, {s['invocations']:,} invocations; "
              f"with the graph {t_app:.2f} s ({s['roots'] / t_app:,.0f} roots/s), "
              f"entry function alone {t_flat:.2f} s")


if __name__ == "__main__":
    main()
