"""Small scenario builders shared by the tests."""
from __future__ import annotations

from typing import Any

import lambdasim


def one_function(horizon_s: float = 100.0, seed: int = 1, *, rate: float | None = None, interval: float | None = None,
                 start_s: float = 0.0, duration: dict | None = None, init_s: float = 0.0, idle_s: float = 600.0,
                 account: int = 1000, reserved: int | None = None, selection: str = "mru", memory_mb: int = 128,
                 pricing: Any = "aws-2024") -> lambdasim.Scenario:
    workload = ({"kind": "poisson", "rate_per_s": rate} if rate is not None
                else {"kind": "deterministic", "interval_s": interval, "start_s": start_s})
    fn = {"name": "f", "memory_mb": memory_mb, "duration": duration or {"dist": "constant", "value_s": 1.0},
          "init": {"dist": "constant", "value_s": init_s}, "workload": workload}
    if reserved is not None:
        fn["reserved_concurrency"] = reserved
    return lambdasim.Scenario.from_dict({
        "name": "t", "horizon_s": horizon_s, "seed": seed, "functions": [fn],
        "lambda": {"keep_alive": {"policy": "fixed", "idle_s": idle_s}, "instance_selection": selection,
                   "account_concurrency": account},
        "pricing": pricing,
    })
