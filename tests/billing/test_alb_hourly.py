"""ALB LCUs are billed per hour: each hour's largest dimension, not an average over the period."""
import numpy as np
import pytest

import lambdasim
from lambdasim.billing.catalogue import load_catalogue
from lambdasim.billing.frontdoor import GB, alb_lcu

CAT = load_catalogue("aws-2024")


def test_each_hour_takes_its_own_largest_dimension():
    # hour 1: 90,000 requests (25 new connections/s = 1 LCU), no bytes; hour 2: 10 requests and 2 GB (2 LCU)
    hourly = alb_lcu(np.array([90_000, 10]), np.array([0.0, 2 * GB]), np.array([3600.0, 3600.0]), CAT,
                     lambda_targets=False)
    assert hourly == pytest.approx((1.0 + 2.0) / 2)  # 3 LCU-hours over 2 ALB-hours
    # the same traffic averaged over the two hours: 12.5 connections/s (0.5) or 1 GB/h (1.0) -> 1 LCU: 2 LCU-hours
    assert alb_lcu(90_010, 2 * GB, 7200.0, CAT, lambda_targets=False) == pytest.approx(1.0)
    # one period: exactly the former rule
    assert alb_lcu(90_000, 0.0, 3600.0, CAT, lambda_targets=False) == 1.0


def _two_hours(platform_fields):
    # f: 50 calls/s in the first hour, tiny payloads; g: 0.5 calls/s in the second hour, 2,000 KB requests
    fn = {"duration": {"dist": "constant", "value_s": 0.05}, "memory_mb": 512}
    return lambdasim.Scenario.from_dict({
        "name": "alb", "horizon_s": 7200, "seed": 2, "front_door": {"type": "alb"}, **platform_fields,
        "functions": [
            {"name": "f", **fn, "payload": {"request_kb": 1, "response_kb": 1},
             "workload": {"kind": "spike", "base_rate_per_s": 0, "spike_rate_per_s": 50, "at_s": 0, "duration_s": 3600}},
            {"name": "g", **fn, "payload": {"request_kb": 2000, "response_kb": 0},
             "workload": {"kind": "spike", "base_rate_per_s": 0, "spike_rate_per_s": 0.5, "at_s": 3600}}]})


def _expected(inv, per_gb):
    """LCU-hours from the records: per hour, the largest of new connections/25 per s, active/3,000 per min, GB/per_gb."""
    total = 0.0
    for h in (0, 1):
        mine = inv[(inv["arrival_s"] >= 3600 * h) & (inv["arrival_s"] < 3600 * (h + 1))]
        n = len(mine)
        byt = sum(len(mine[mine["function"] == name]) * kb * 1024 for name, kb in (("f", 2), ("g", 2000)))
        total += max(n / 3600 / 25, n / 60 / 3000, byt / GB / per_gb)
    return total


def test_lambda_behind_an_alb_pays_the_hourly_maximum():
    r = lambdasim.simulate(_two_hours({}), records="full")
    lcu = r.cost[r.cost["item"] == "load balancer capacity units"].iloc[0]
    assert lcu["quantity"] == pytest.approx(_expected(r.invocations, 0.4), rel=1e-12)
    # the horizon average would have billed less: hour 1 is connection-bound, hour 2 byte-bound
    inv = r.invocations
    avg = 2 * max(len(inv) / 7200 / 25, (len(inv[inv["function"] == "f"]) * 2 + len(inv[inv["function"] == "g"]) * 2000)
                  * 1024 / GB / 2 / 0.4)
    assert lcu["quantity"] > avg + 1.0  # hour 1 bills its 2 connection LCUs, not its 0.9 LCU of bytes


def test_an_ec2_fleet_alb_pays_the_hourly_maximum():
    r = lambdasim.simulate(_two_hours({"ec2": {"load_balancer": True, "instance_type": "m5.large"}}), platform="ec2",
                           records="full")
    lcu = r.cost[r.cost["item"] == "load balancer capacity units"].iloc[0]
    inv = r.invocations
    assert lcu["quantity"] == pytest.approx(_expected(inv, 1.0), rel=1e-9)
