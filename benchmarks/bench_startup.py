"""Start-up time of the package and the command line: fresh processes, median of 5.

Each command runs in a new process, the commands interleaved (one of each, five
rounds); the CPU time is the child's user + system time (``getrusage``), the
wall time includes interpreter start. The target (issue 11) is under 0.5 s of
CPU for ``lambdasim --help`` and ``lambdasim bill ...``: the table marks each
command against it and the load average is printed before and after, because
on a shared machine CPU time grows with load (caches, shared cores).

Like an installed package, the children use compiled bytecode: they write it to
a cache folder of their own (``PYTHONPYCACHEPREFIX``, even where
``PYTHONDONTWRITEBYTECODE`` is set) during one warm-up round that is not timed.

Run: .venv/bin/python benchmarks/bench_startup.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("lambdasim"))
COMMANDS = {
    "python -c 'import lambdasim'": [sys.executable, "-c", "import lambdasim"],
    "lambdasim --help": [CLI, "--help"],
    "lambdasim bill lambda ...": [CLI, "bill", "lambda", "--memory-mb", "512", "--requests", "3000000",
                                  "--duration-ms", "1000", "--as-of", "2015-06-01"],
    "lambdasim bill ec2 ...": [CLI, "bill", "ec2", "--instance-type", "m5.large", "--instances", "2", "--json"],
}


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "lambdasim-bench-startup-pycache")


def once(cmd: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one fresh process running ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, env=ENV)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


TARGET_S = 0.5


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main(repeats: int = 5) -> None:
    print(f"load average (1 / 5 / 15 min) before: {load()} on {os.cpu_count()} cores")
    for cmd in COMMANDS.values():  # warm-up: compile the bytecode
        once(cmd)
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in COMMANDS}
    for _ in range(repeats):
        for label, cmd in COMMANDS.items():
            runs[label].append(once(cmd))
    print(f"{'command':<30} {'wall (s)':>9} {'CPU (s)':>9}   median of {repeats} fresh processes; "
          f"target < {TARGET_S} s CPU")
    for label, rs in runs.items():
        wall = statistics.median(r[0] for r in rs)
        cpu = statistics.median(r[1] for r in rs)
        mark = "" if label.startswith("python") else ("  under target" if cpu < TARGET_S else "  OVER target")
        print(f"{label:<30} {wall:9.3f} {cpu:9.3f}{mark}")
    print(f"load average (1 / 5 / 15 min) after: {load()}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5, help="fresh processes per command (default 5)")
    main(p.parse_args().repeats)
