"""Sweep speed: 200 runs of about 0.5 s each, serial vs 2 local processes vs Dask.

Prints the speed-up of the process pool over serial (target >= 1.8x on 2
workers) and Dask's per-run overhead as a share of run time (target < 5 %):
``overhead = (wall_dask - wall_serial / workers) / runs``, i.e. everything
the cluster adds beyond a perfect split of the serial work (scheduling,
transfer, start-of-run imports, an uneven tail).

    .venv/bin/python benchmarks/bench_sweep.py [--runs 200] [--run-s 0.5] [--workers 2] [--repeats 1]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import lambdasim
from lambdasim.paths import data_dir


def calibrated_base(run_s: float) -> lambdasim.Scenario:
    """The default scenario with a horizon that makes one run take about ``run_s``."""
    sc = lambdasim.Scenario.from_file(data_dir() / "scenarios" / "default.yaml")
    probe = 4000.0
    lambdasim.simulate(sc.with_overrides({"horizon_s": 200.0}), records="summary")  # warm caches
    t = min(_timed(lambda: lambdasim.simulate(sc.with_overrides({"horizon_s": probe}), records="summary"))
            for _ in range(3))
    return sc.with_overrides({"horizon_s": round(probe * run_s / t)})


def _timed(f) -> float:
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--run-s", type=float, default=0.5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()

    from distributed import Client, LocalCluster

    base = calibrated_base(a.run_s)
    reps = 20
    factors = {"functions.0.memory_mb": [128 + 64 * i for i in range(max(1, a.runs // reps))]}
    n = len(factors["functions.0.memory_mb"]) * reps
    print(f"{n} runs, horizon {base.horizon_s:,.0f} s (~{a.run_s} s per run), {a.workers} workers, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (the figures need an otherwise idle machine)")

    def run(executor, **kw):
        return lambdasim.sweep(base, factors, reps, executor=executor, progress=False, **kw)

    serial, pool, dask = [], [], []
    with LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cl, \
            Client(cl) as client:
        lambdasim.sweep(base.with_overrides({"horizon_s": 10.0}), factors, 1, executor=client, progress=False)  # warm
        lambdasim.sweep(base.with_overrides({"horizon_s": 10.0}), factors, 1, executor="processes",
                        workers=a.workers, progress=False)  # start the fork server
        for _ in range(a.repeats):
            serial.append(_timed(lambda: run("serial")))
            pool.append(_timed(lambda: run("processes", workers=a.workers)))
            dask.append(_timed(lambda: run(client)))
    s, p, d = (statistics.median(x) for x in (serial, pool, dask))
    run_s = s / n
    overhead = (d - s / a.workers) / n
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    print(f"serial      {s:7.1f} s  ({run_s:.3f} s per run)")
    print(f"processes   {p:7.1f} s  speed-up {s / p:.2f}x on {a.workers} workers (target >= 1.8x)")
    print(f"dask        {d:7.1f} s  speed-up {s / d:.2f}x; per-run overhead {overhead * 1e3:.1f} ms "
          f"= {overhead / run_s:.1%} of run time (target < 5 %)")


if __name__ == "__main__":
    main()
