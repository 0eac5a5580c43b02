"""Scenario builders for the platform-fidelity tests (scaling, PC, invocation types, keep-alive)."""
from __future__ import annotations

from typing import Any

import lambdasim
from lambdasim.awslambda.model import LambdaModel
from lambdasim.billing.catalogue import load_catalogue


def scenario(workload: dict, horizon_s: float, *, duration_s: float | dict = 1.0, init_s: float = 0.0,
             lam: dict | None = None, seed: int = 3, pricing: Any = "aws-2024", **fn: Any) -> lambdasim.Scenario:
    """One function ``f`` with constant init, the given workload and extra function fields."""
    dur = duration_s if isinstance(duration_s, dict) else {"dist": "constant", "value_s": duration_s}
    f = {"name": "f", "duration": dur, "init": {"dist": "constant", "value_s": init_s}, "workload": workload, **fn}
    return lambdasim.Scenario.from_dict({"name": "t", "horizon_s": horizon_s, "seed": seed, "functions": [f],
                                         "lambda": lam or {}, "pricing": pricing})


def run_model(sc: lambdasim.Scenario) -> LambdaModel:
    """Run the engine directly (tests that look inside event sources)."""
    m = LambdaModel(sc, load_catalogue(sc.pricing))
    m.run()
    return m


def conserved(s: dict) -> bool:
    parts = ("events_completed", "events_throttled", "events_failed", "events_in_flight", "to_destination",
             "dropped_age", "dlq", "queued_at_end")
    return s["events"] == sum(s[k] for k in parts)
