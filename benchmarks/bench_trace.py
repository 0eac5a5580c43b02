"""Replay the full day of the Azure 2019 1,000-function sample through the Lambda model.

Prints the time to read the trace and expand it into 1,000 functions, and
the median time of ``lambdasim.simulate`` over a few repeats (target: under
10 s for the 608,228 invocations). Run: ``.venv/bin/python benchmarks/bench_trace.py``.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import lambdasim

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = {
    "name": "azure2019-1000-day",
    "horizon_s": 86400,
    "seed": 1,
    "workload": {"kind": "azure2019", "path": str(ROOT / "data/traces/azure2019/1000"), "spread": "uniform",
                 "init": {"dist": "constant", "value_s": 0.25}},
    "lambda": {"keep_alive": {"idle_s": 600}},
}


def main(repeats: int = 3) -> None:
    t0 = time.perf_counter()
    sc = lambdasim.Scenario.from_dict(SCENARIO)
    load_s = time.perf_counter() - t0
    for records in ("summary", "full"):
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            r = lambdasim.simulate(sc, records=records)
            times.append(time.perf_counter() - t0)
        s = r.summary
        print(f"simulate(records={records!r}): median {statistics.median(times):.2f} s over {repeats} runs "
              f"({min(times):.2f}-{max(times):.2f}); {s['invocations']:,} invocations, "
              f"{s['invocations'] / statistics.median(times):,.0f} per s")
    print(f"read + expand trace into {len(sc.functions)} functions: {load_s:.2f} s (first read, cold cache)")
    print(f"cold-start rate {s['cold_start_rate']:.4f}, throttled {s['throttled']}, cost ${s['cost_usd']:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
