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


def normal_spike(total: float = 36_000.0, sigma_s: float = 200.0, base_rate: float = 2.0, horizon_s: float = 3600.0,
                 step_s: float = 20.0, **top: Any) -> lambdasim.Scenario:
    """FaasSimulator's spike: ``total`` requests in a normal-shaped burst (``sigma_s``) mid-horizon, on a base load,
    as a rate profile in ``step_s`` steps (a non-repeating ``diurnal`` workload); 0.5 s exponential work at 1 GB."""
    import numpy as np

    t = np.arange(0, horizon_s, step_s) + step_s / 2
    rates = base_rate + total * np.exp(-0.5 * ((t - horizon_s / 2) / sigma_s) ** 2) / (sigma_s * np.sqrt(2 * np.pi))
    fn = {"name": "api", "memory_mb": 1024, "duration": {"dist": "exponential", "mean_s": 0.5},
          "workload": {"kind": "diurnal", "rates_per_s": [round(float(r), 6) for r in rates], "step_s": step_s,
                       "repeat": False}}
    return lambdasim.Scenario.from_dict({"name": "spike", "horizon_s": horizon_s, "functions": [fn], **top})
