"""A Lambda run's fingerprint: its summary rounded to 10 significant digits, for regression checks."""
from __future__ import annotations

import math
from pathlib import Path

import lambdasim

SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "scenarios"
HORIZON_S = 3_000.0


def lambda_fingerprint(name: str) -> dict:
    sc = lambdasim.Scenario.from_file(SCENARIOS / f"{name}.yaml")
    sc = sc.with_overrides({"horizon_s": min(HORIZON_S, sc.horizon_s)})
    out = {}
    for k, v in lambdasim.simulate(sc, platform="lambda", records="summary").summary.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = None if not math.isfinite(v) else float(f"{v:.10g}")
    return out
