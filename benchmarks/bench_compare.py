"""`make run`'s comparison: wall time, CPU time and the simulations it runs.

Runs ``lambdasim compare data/scenarios/default.yaml --plots DIR`` (what ``make run`` runs) in this
process, ``--repeats`` times, and prints per repeat: wall seconds, CPU seconds of this process, CPU
seconds of the runs made on worker processes (which this process's CPU time omits; the workers'
start-up is not counted), the simulations run (here and on workers, the plots' Lambda run not
included) and the workers used. The load average is printed beside, since a loaded machine
stretches the wall time and leaves no free core for workers (``--workers auto``).

Run: .venv/bin/python benchmarks/bench_compare.py [--repeats N] [--workers auto|N] [extra compare args]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import tempfile
import time

from lambdasim.cli import main as cli
from lambdasim.comparison import replication


def one(workers: str, extra: list[str]) -> dict[str, float]:
    made: list[replication.Runner] = []
    init = replication.Runner.__init__

    def spy(self, *a, **k):  # every runner the command makes (the CLI's and its siblings)
        init(self, *a, **k)
        made.append(self)

    replication.Runner.__init__ = spy
    load = os.getloadavg()[0]
    try:
        with tempfile.TemporaryDirectory() as out, contextlib.redirect_stdout(io.StringIO()) as text:
            w, c = time.perf_counter(), time.process_time()
            code = cli(["compare", "data/scenarios/default.yaml", "--plots", out, "--no-progress",
                        "--workers", workers, *extra])
            wall, cpu = time.perf_counter() - w, time.process_time() - c
    finally:
        replication.Runner.__init__ = init
    if code != 0:
        raise SystemExit(f"lambdasim compare exited with {code}")
    families = {id(r._family): r for r in made}.values()  # siblings share one family
    return {"wall_s": wall, "cpu_s": cpu, "worker_cpu_s": sum(r.worker_cpu_s for r in families),
            "simulations": sum(r.runs for r in families), "workers": max(r._family.auto or 1 for r in families)
            if workers == "auto" else int(workers), "load": load,
            "answer": next(line for line in text.getvalue().splitlines() if line.startswith("Cheapest option"))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--workers", default="auto")
    args, extra = ap.parse_known_args()
    rows = []
    for i in range(args.repeats):
        r = one(args.workers, extra)
        rows.append(r)
        print(f"run {i + 1}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU here + {r['worker_cpu_s']:.1f} s CPU "
              f"of runs on workers = {r['cpu_s'] + r['worker_cpu_s']:.1f} s CPU; {r['simulations']:.0f} simulations "
              f"(+1 Lambda run with records for the plots, on a worker when there are 2); {r['workers']} worker(s); load {r['load']:.2f} at the start")
    if len(rows) > 1:
        med = {k: statistics.median(r[k] for r in rows) for k in ("wall_s", "cpu_s", "worker_cpu_s")}
        print(f"median: {med['wall_s']:.1f} s wall, {med['cpu_s'] + med['worker_cpu_s']:.1f} s CPU")
    print(rows[-1]["answer"])


if __name__ == "__main__":
    main()
