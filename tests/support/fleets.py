"""The scenario builder of the fleet tests (scan mode, the compiled kernel): a small fleet under bursts."""
from __future__ import annotations

from hypothesis import strategies as st

import lambdasim

#: The arguments of :func:`fleet_scenario` the fleet tests draw (``@given(**FLEET_CASES)``).
FLEET_CASES = dict(platform=st.sampled_from(["ec2", "fargate", "lmi"]), rate=st.floats(0.5, 6.0),
                   cpu_fraction=st.sampled_from([0.0, 0.3, 1.0]), size=st.integers(1, 8),
                   scaling=st.sampled_from(["fixed", "tracking"]), timeout=st.one_of(st.none(), st.floats(0.2, 5.0)),
                   limit=st.one_of(st.none(), st.integers(0, 4)), spot=st.sampled_from([0.0, 0.0, 0.5]),
                   seed=st.integers(0, 10_000))


def fleet_scenario(platform: str, rate: float, cpu_fraction: float, size: int, scaling: str, timeout, limit,
                   spot: float, seed: int, workers: int = 4, horizon_s: float = 900.0) -> lambdasim.Scenario:
    """One bursty function on an EC2, Fargate or LMI fleet: fixed or tracking (paced for LMI), with a request
    timeout, a queue limit (LMI: 0 throttles, else queues) and a Spot share as given (``workers``: an EC2
    instance's slots)."""
    fn = {"name": "f", "memory_mb": 512, "duration": {"dist": "exponential", "mean_s": 1.0},
          "cpu_scaling": {"cpu_bound_fraction": cpu_fraction, "reference_memory_mb": 512},
          "workload": {"kind": "bursty", "base_rate_per_s": rate, "burst_rate_per_s": 8 * rate, "mean_burst_s": 20,
                       "mean_gap_s": 60}}
    top: dict = {}
    if platform in ("ec2", "fargate"):
        policy = ({"policy": "fixed", "instances": size} if scaling == "fixed" else
                  {"policy": "target_tracking", "target": 0.5, "min": 1, "max": 3 * size})
        sec = {"scaling": policy, "request_timeout_s": timeout, "queue_limit": limit}
        if platform == "ec2":
            sec.update(workers_per_instance=workers, spot={"share": spot, "interruptions_per_instance_hour": 20.0})
        else:
            sec.update(vcpu=0.5, memory_gb=1, workers_per_task=4,
                       spot={"share": spot, "interruptions_per_task_hour": 20.0})
        top[platform] = sec
    else:  # lmi: a fixed or paced fleet, throttling or queueing beyond its concurrency
        top["lmi"] = {"instance_type": "m5.large", "memory_gb": 2.0, "max_concurrency": 3,
                      "min_instances": size, "max_instances": size if scaling == "fixed" else 3 * size,
                      "on_overload": "throttle" if limit == 0 else "queue"}
    return lambdasim.Scenario.from_dict({"name": "scan", "horizon_s": horizon_s, "seed": seed, "functions": [fn],
                                         "pricing": "aws-latest", **top})
