"""The Azure 2019 day (608,228 invocations): read + simulate + summary and bill in process, and from a shell.

Issue 13's targets: read + simulate (with the summary and its bill) <= 1.2 s in process, <= 2 s from a
shell. Each repeat runs, in fresh processes:

* in process: CPU time (``time.process_time``) of importing lambdasim's scenario and simulation, of reading the scenario and its
  trace (``Scenario.from_file``), of ``simulate`` and of ``summary`` (its bill included); the target is
  read + simulate + summary;
* from a shell: ``lambdasim run data/scenarios/azure2019_day.yaml`` (``python -m lambdasim``), wall time
  and the child's CPU time (user + system).

Medians over the repeats are printed. lambdasim's ``.pyc`` files are written first (an installed package has
them, and ``make run`` compiles lambdasim first: this machine sets ``PYTHONDONTWRITEBYTECODE``, so without them
every process compiles lambdasim's sources again, about 0.2 s of CPU); ``--no-pyc`` leaves them out. ``--against DIR`` runs a checkout of other code (``DIR`` put first
on ``PYTHONPATH``) interleaved with this one, for A/B figures on a loaded machine.

    .venv/bin/python benchmarks/bench_azure_day.py [--repeats 5] [--against /tmp/base] [--no-pyc]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = "data/scenarios/azure2019_day.yaml"

CHILD = r"""
import json, sys, time
T = time.process_time
c0 = T()
import lambdasim
from lambdasim.scenario import Scenario
from lambdasim.simulation import simulate
c1 = T()
sc = Scenario.from_file(sys.argv[1])
c2 = T()
r = simulate(sc)
c3 = T()
s = r.summary
c4 = T()
print(json.dumps({"n": s["invocations"], "import": c1 - c0, "read": c2 - c1, "simulate": c3 - c2, "summary": c4 - c3,
                  "pandas": "pandas" in sys.modules}))
"""


def _env(code_dir: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if code_dir:
        env["PYTHONPATH"] = code_dir + os.pathsep + env.get("PYTHONPATH", "")
    return env


def in_process(code_dir: str | None) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, SCENARIO], check=True, capture_output=True, text=True,
                         cwd=code_dir or ROOT, env=_env(code_dir)).stdout
    r = json.loads(out)
    r["target"] = r["read"] + r["simulate"] + r["summary"]
    return r


def from_shell(code_dir: str | None) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lambdasim", "run", SCENARIO, "--no-progress"], check=True,
                   capture_output=True, cwd=code_dir or ROOT, env=_env(code_dir))
    wall = time.perf_counter() - w
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"shell_wall": wall, "shell_cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--against", metavar="DIR", default=None, help="a checkout of other code to run interleaved")
    p.add_argument("--no-pyc", action="store_true", help="do not write lambdasim's .pyc files first")
    args = p.parse_args()
    codes = {"this": None} if args.against is None else {"before": args.against, "after": None}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for code in codes.values():
        if args.no_pyc:  # lambdasim's caches only (the packages keep theirs); with PYTHONDONTWRITEBYTECODE set,
            for cache in (Path(code or ROOT) / "lambdasim").rglob("__pycache__"):  # each process compiles again
                shutil.rmtree(cache)
            os.environ["PYTHONDONTWRITEBYTECODE"] = "1"  # and the runs write none
        else:
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(code or ROOT) / "lambdasim")],
                           check=True, capture_output=True, env=env)
    runs: dict[str, list[dict]] = {k: [] for k in codes}
    for _ in range(args.repeats):
        for name, code in codes.items():  # interleaved: each repeat runs every code once, in turn
            runs[name].append({**in_process(code), **from_shell(code)})
    n = runs[next(iter(runs))][0]["n"]
    print(f"Azure 2019 day, {n:,} invocations; CPU s unless said; medians of {args.repeats} fresh processes "
          f"(load {os.getloadavg()[0]:.1f}); lambdasim's .pyc files {'left out' if args.no_pyc else 'written first'}")
    keys = ["import", "read", "simulate", "summary", "target", "shell_cpu", "shell_wall"]
    print(f"{'':8}" + "".join(f"{k:>11}" for k in keys) + "  pandas loaded")
    for name, rs in runs.items():
        med = {k: statistics.median(r[k] for r in rs) for k in keys}
        print(f"{name:8}" + "".join(f"{med[k]:>11.2f}" for k in keys) + f"  {any(r['pandas'] for r in rs)}")
    print("target: read + simulate + summary <= 1.2 s in process; the shell command <= 2 s")


if __name__ == "__main__":
    main()
