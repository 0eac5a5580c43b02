"""Fidelity checks against public AWS Lambda measurements (docs/fidelity.md prints these numbers).

    .venv/bin/python benchmarks/fidelity.py

1. The SimFaaS README case (github.com/pacslab/simfaas): 0.9 req/s, exponential runs (warm 1.991 s,
   cold 2.244 s), a 10-minute expiry: P(cold) 0.0014, 7.66 instances on average (one run of 10^6 s).
2. Shilkov's cold-start-vs-idle-time data (mikhail.io; shilkov-coldstarts/*scatter.json): the fraction
   of cold responses by the idle interval before the request, against the era's preset.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

import lambdasim

_ROOT = Path(__file__).resolve().parents[1]  # shared/ sits beside the project (CI) or beside its worktree folder
SHARED = next((p for p in (_ROOT.parent / "shared" / "data", _ROOT.parents[1] / "shared" / "data") if p.is_dir()),
              _ROOT.parent / "shared" / "data")
SCATTERS = {  # file, preset of its era, bin width (min)
    "June 2019": ("aws-lambda-10-minutes_old_scatter.json", "aws-2018", 5.0),
    "August 2019": ("aws-lambda-10-minutes_new_scatter.json", "aws-2020", 1.0),
    "2021": ("coldstart_aws_scatter.json", "aws-2021", 1.0),
}


def simfaas(seed: int, horizon_s: float = 1e6) -> dict:
    sc = lambdasim.Scenario.from_dict({
        "name": "simfaas-readme", "horizon_s": horizon_s, "seed": seed,
        "functions": [{"name": "f", "duration": {"dist": "exponential", "mean_s": 1.991},
                       "init": {"dist": "exponential", "mean_s": 2.244 - 1.991},
                       "workload": {"kind": "poisson", "rate_per_s": 0.9}}],
        "lambda": {"keep_alive": {"policy": "fixed", "idle_s": 600}}})
    s = lambdasim.simulate(sc, records="summary").summary
    return {"p_cold": s["cold_starts"] / s["invocations"], "instances": s["mean_instances"],
            "busy": s["mean_busy_instances"]}


def measured(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(idle interval in min, cold?) of each request in Shilkov's scatter."""
    pts = json.loads((SHARED / "shilkov-coldstarts" / SCATTERS[name][0]).read_text())["points"]
    return np.array([p[0] for p in pts]), np.array(["blue" in p[2] for p in pts])


def simulated(preset: str, mean_interval_min: float, n: int = 4000, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(idle interval in min, cold?) of requests at random (exponential) intervals under a preset."""
    horizon = n * mean_interval_min * 60
    sc = lambdasim.Scenario.from_dict({
        "name": "shilkov", "horizon_s": horizon, "seed": seed, "lambda": {"keep_alive": {"preset": preset}},
        "functions": [{"name": "f", "duration": {"dist": "constant", "value_s": 0.05},
                       "workload": {"kind": "poisson", "rate_per_s": 1 / (60 * mean_interval_min)}}]})
    inv = lambdasim.simulate(sc).invocations.sort_values("arrival_s")
    idle = (inv["arrival_s"].to_numpy()[1:] - inv["end_s"].to_numpy()[:-1]) / 60
    return idle, inv["cold"].to_numpy()[1:]


def compare(name: str) -> list[dict]:
    _, preset, width = SCATTERS[name]
    x, cold = measured(name)
    sx, scold = simulated(preset, mean_interval_min=max(5.0, x.mean()))
    rows = []
    for lo in np.arange(0, math.ceil(x.max() / width) * width, width):
        m, sm = (x >= lo) & (x < lo + width), (sx >= lo) & (sx < lo + width)
        if m.sum() == 0 or sm.sum() == 0:
            continue
        p_sim, p_meas, n = scold[sm].mean(), cold[m].mean(), int(m.sum())
        se = math.sqrt(max(p_sim * (1 - p_sim), 1e-12) / n)  # the measurement's noise if the model were right
        rows.append({"bin_min": f"{lo:g}-{lo + width:g}", "n": n, "measured": p_meas, "simulated": p_sim,
                     "error": p_meas - p_sim, "z": (p_meas - p_sim) / se})
    return rows


def keepalive_vs_fixed(rate: float, keep_alive: dict, seeds: int = 3, horizon_s: float = 4e5) -> dict:
    """P(cold) and mean instances of one function (exponential 2 s runs, INIT python3.12) at ``rate``."""
    pc, ni = [], []
    for seed in range(seeds):
        sc = lambdasim.Scenario.from_dict({
            "name": "ka", "horizon_s": horizon_s, "seed": seed, "pricing": {"as_of": "2020-06-01"},
            "functions": [{"name": "f", "duration": {"dist": "exponential", "mean_s": 2.0},
                           "init": {"preset": "python3.12"}, "workload": {"kind": "poisson", "rate_per_s": rate}}],
            "lambda": {"keep_alive": keep_alive}})
        s = lambdasim.simulate(sc, records="summary").summary
        pc.append(s["cold_starts"] / s["invocations"])
        ni.append(s["mean_instances"])
    return {"p_cold": np.mean(pc), "p_cold_sd": np.std(pc), "instances": np.mean(ni), "instances_sd": np.std(ni)}


def main() -> None:
    runs = [simfaas(seed) for seed in range(3)]
    pc = [r["p_cold"] for r in runs]
    ni = [r["instances"] for r in runs]
    print(f"SimFaaS README: P(cold) {np.mean(pc):.5f} (seeds {', '.join(f'{v:.5f}' for v in pc)}; README 0.0014), "
          f"instances {np.mean(ni):.3f} (seeds {', '.join(f'{v:.3f}' for v in ni)}; README 7.66), "
          f"busy {np.mean([r['busy'] for r in runs]):.4f} (Little: {0.9 * (1.991 + np.mean(pc) * 0.253):.4f})")
    print("\n| rate (req/s) | keep-alive | P(cold) (sd) | mean instances (sd) |\n|---|---|---|---|")
    for rate in (0.01, 0.05, 0.1):
        for name, ka in (("fixed 600 s", {"policy": "fixed", "idle_s": 600}), ("aws-2020", {"preset": "aws-2020"})):
            r = keepalive_vs_fixed(rate, ka)
            print(f"| {rate:g} | {name} | {r['p_cold']:.4f} ({r['p_cold_sd']:.4f}) | {r['instances']:.3f} "
                  f"({r['instances_sd']:.3f}) |")
    if not SHARED.is_dir():
        sys.exit("shared data not found beside the project")
    for name in SCATTERS:
        rows = compare(name)
        out = [r for r in rows if abs(r["z"]) > 2]
        print(f"\nShilkov {name} ({SCATTERS[name][1]}): {len(rows)} bins, max |error| "
              f"{max(abs(r['error']) for r in rows):.2f}, bins beyond 2 SE of the measurement: {len(out)}")
        for r in rows:
            print(f"  {r['bin_min']:>7} min  n={r['n']:3d}  measured {r['measured']:.2f}  simulated {r['simulated']:.2f}"
                  f"  z {r['z']:+.1f}")


if __name__ == "__main__":
    main()
