"""The Azure 2019 day in one process: import, read the trace, simulate, summary (issue 13 target: <= 1.2 s).

Prints CPU time (``time.process_time``) and wall time of the whole thing for each of a few
fresh processes, and their medians. Run: ``.venv/bin/python benchmarks/bench_azure_day.py [repeats]``.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, time
c0, w0 = time.process_time(), time.perf_counter()
import lambdasim
sc = lambdasim.Scenario.from_file("data/scenarios/azure2019_day.yaml")
s = lambdasim.simulate(sc).summary
print(json.dumps({"n": s["invocations"], "cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - w0}))
"""


def main(repeats: int = 3) -> None:
    runs = [json.loads(subprocess.run([sys.executable, "-c", CHILD], check=True, capture_output=True,
                                      text=True).stdout) for _ in range(repeats)]
    cpu, wall = [r["cpu_s"] for r in runs], [r["wall_s"] for r in runs]
    print(f"Azure 2019 day, {runs[0]['n']:,} invocations: import + read + simulate + summary")
    print(f"CPU  {statistics.median(cpu):.2f} s (median of {repeats}; {min(cpu):.2f}-{max(cpu):.2f})")
    print(f"wall {statistics.median(wall):.2f} s (median of {repeats}; {min(wall):.2f}-{max(wall):.2f})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
