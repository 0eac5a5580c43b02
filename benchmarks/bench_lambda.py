"""Benchmark: the foundation's Lambda scenario, ~1 M invocations with full records.

Poisson 10/s, exponential 2 s, INIT preset python3.12, keep-alive 600 s, 100,000 s.
Each repeat runs in a fresh process so peak RSS is that run's own.
Prints simulated invocations per wall-clock second (median of repeats) and
peak memory: the process's peak RSS (interpreter and libraries included)
and, in one extra run, the peak of Python allocations by tracemalloc.

    .venv/bin/python benchmarks/bench_lambda.py [--repeats 3] [--records full|summary] [--horizon-s 100000]
                                                [--keep-alive stated|date] [--kernel auto|python|numba]

``--kernel`` sets ``LAMBDASIM_KERNEL`` in the runs: ``numba`` is the compiled sync kernel
(``lambdasim[fast]``, :mod:`lambdasim.awslambda.kernel`), ``python`` the reference loop. With ``numba``
each run first simulates a tiny scenario before the clock starts, so numba's one-off start-up (import
and loading the cached machine code: ~1 s of CPU per process) is printed apart from the run, and the
kernel's compiled loop is timed alone as well (the ``_loop`` calls inside the run).

It also prints the CPU time (``time.process_time``: less sensitive to a
loaded machine than wall time) and the peak of Python allocations per
invocation (``--records summary --horizon-s 25000`` for 250 k invocations).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, os, resource, sys, time, tracemalloc
os.environ["LAMBDASIM_KERNEL"] = sys.argv[5]
import lambdasim
import pandas  # loaded lazily by the first summary: imported here so its modules do not count as the run's memory
lambdasim.simulate  # the engine's modules loaded (and compiled, without .pyc files) before the clock starts
sc = lambdasim.Scenario.from_file("data/scenarios/default.yaml").with_overrides({"horizon_s": float(sys.argv[3])})
warm_s, loop = None, [0.0]
if sys.argv[5] == "numba":  # numba's start-up before the clock: import, load (or compile) the cached kernel
    c = time.process_time()
    lambdasim.simulate(sc.with_overrides({"horizon_s": 10.0}), records="summary")
    warm_s = time.process_time() - c
    from lambdasim.awslambda import kernel
    compiled = kernel._loop
    def timed(*a):
        c = time.process_time()
        out = compiled(*a)
        loop[0] += time.process_time() - c
        return out
    kernel._loop = timed
if sys.argv[4] == "date":  # keep-alive left to the scenario's date (aws-2024: the aws-2021 preset)
    sc = sc.with_overrides({"lambda.keep_alive": None})
trace = sys.argv[2] == "trace"
if trace:
    tracemalloc.start()
t0, c0 = time.perf_counter(), time.process_time()
r = lambdasim.simulate(sc, records=sys.argv[1])
n = r.summary["invocations"]
if sys.argv[1] == "full":
    assert len(r.invocations) == n  # records really were materialised
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
peak_py = tracemalloc.get_traced_memory()[1] if trace else None
print(json.dumps({"n": n, "wall_s": wall, "cpu_s": cpu, "warm_s": warm_s, "loop_s": loop[0], "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "py_peak_mb": peak_py / 2**20 if trace else None}))
"""


def child(records: str, mode: str, horizon_s: float, keep_alive: str = "stated", kernel: str = "auto") -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, records, mode, str(horizon_s), keep_alive, kernel], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--records", choices=["full", "summary"], default="full")
    p.add_argument("--horizon-s", type=float, default=100000.0)
    p.add_argument("--keep-alive", choices=["stated", "date"], default="stated",
                   help="stated: the scenario's fixed 600 s; date: left to the pricing date (the aws-2021 preset)")
    p.add_argument("--kernel", choices=["auto", "python", "numba"], default="auto",
                   help="LAMBDASIM_KERNEL for the runs: the compiled kernel (numba) or the reference loop (python)")
    a = p.parse_args()
    runs = [child(a.records, "time", a.horizon_s, a.keep_alive, a.kernel) for _ in range(a.repeats)]
    rates = [r["n"] / r["wall_s"] for r in runs]
    cpu_rates = [r["n"] / r["cpu_s"] for r in runs]
    traced = child(a.records, "trace", a.horizon_s, a.keep_alive, a.kernel)
    print(f"invocations per run        {runs[0]['n']:,}")
    print(f"records                    {a.records}" + (" (incl. building the invocation DataFrame)" if a.records == "full" else ""))
    print(f"wall time (median of {a.repeats})    {statistics.median(r['wall_s'] for r in runs):.2f} s")
    print(f"invocations per second     {statistics.median(rates):,.0f} (median; min {min(rates):,.0f}, max {max(rates):,.0f})")
    print(f"per CPU-second             {statistics.median(cpu_rates):,.0f} (median; CPU time of the process)")
    if a.kernel == "numba":
        med = statistics.median
        print(f"kernel loop alone          {med(r['n'] / r['loop_s'] for r in runs):,.0f} per CPU-second (median; "
              f"{med(r['loop_s'] for r in runs):.3f} s of the run's {med(r['cpu_s'] for r in runs):.3f} s)")
        print(f"numba start-up (not timed) {med(r['warm_s'] for r in runs):.2f} s CPU per process (import, cached code)")
    print(f"peak RSS (median)          {statistics.median(r['rss_mb'] for r in runs):.0f} MB (whole process)")
    print(f"peak Python allocations    {traced['py_peak_mb']:.0f} MB (tracemalloc, separate run), "
          f"{traced['py_peak_mb'] * 2**20 / traced['n']:.0f} bytes per invocation")


if __name__ == "__main__":
    main()
