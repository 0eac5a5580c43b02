"""Small application scenarios shared by the application tests."""
from __future__ import annotations

from typing import Any

import lambdasim


def fn(name: str, inv: str | dict = "async", *, workload: dict | None = None, dur: float | dict = 1.0,
       init: float = 0.0, memory_mb: int = 1024, **extra: Any) -> dict:
    """A function dict; ``workload`` None means ``{kind: triggered}``."""
    return {"name": name, "memory_mb": memory_mb,
            "duration": dur if isinstance(dur, dict) else {"dist": "constant", "value_s": dur},
            "init": {"dist": "constant", "value_s": init},
            "invocation": inv if isinstance(inv, dict) else {"type": inv},
            "workload": workload or {"kind": "triggered"}, **extra}


def at(*times: float) -> dict:
    """A workload with one arrival at each of these times (and no other)."""
    one = [{"kind": "deterministic", "interval_s": 1e9, "start_s": t} for t in times]
    return one[0] if len(one) == 1 else {"kind": "superpose", "components": one}


def app_scenario(functions: list[dict], edges: list[dict], *, horizon_s: float = 1000.0, seed: int = 1,
                 account: int = 1000, pricing: Any = "aws-2024", **app: Any) -> lambdasim.Scenario:
    return lambdasim.Scenario.from_dict({
        "name": "app", "horizon_s": horizon_s, "seed": seed, "functions": functions,
        "lambda": {"keep_alive": {"policy": "fixed", "idle_s": 600}, "account_concurrency": account},
        "pricing": pricing, "application": {"edges": edges, **app},
    })
