"""Lambda Managed Instances: the bill of a fixed fleet, equality with EC2, Erlang B throttling, the scaling pace."""
import math

import numpy as np
import pytest

import lambdasim
from lambdasim.errors import CatalogueError, ScenarioError
from lambdasim.theory import erlang_b


def lmi_scenario(horizon_s=100.0, seed=0, *, rate=None, interval=1.0, duration=None, lmi=None, ec2=None,
                 pricing="aws-latest"):
    workload = {"kind": "poisson", "rate_per_s": rate} if rate is not None else {"kind": "deterministic", "interval_s": interval}
    fn = {"name": "f", "duration": duration or {"dist": "constant", "value_s": 1.0}, "workload": workload}
    return lambdasim.Scenario.from_dict({"name": "t", "horizon_s": horizon_s, "seed": seed, "functions": [fn],
                                         "lmi": lmi or {}, "ec2": ec2 or {}, "pricing": pricing})


def test_bill_of_a_fixed_fleet():
    # 3 m7g.large for 2 h: 6 instance-hours x $0.0816 x 1.15 + 7,200 requests x $0.20 / 1M
    sc = lmi_scenario(7200.0, interval=1.0, lmi={"min_instances": 3, "max_instances": 3})
    s = lambdasim.simulate(sc, "lmi").summary
    assert s["mean_instances"] == 3 and s["completed"] + s["in_flight"] == 7200
    assert s["cost_usd"] == pytest.approx(6 * 0.0816 * 1.15 + 7200 * 0.20 / 1e6, abs=1e-12)


def test_one_request_per_environment_matches_ec2_on_the_same_arrivals():
    # m5.large (2 vCPU, 8 GiB), 2 GB environments at 2 GiB per vCPU: 2 environments x 1 request = EC2's 2 workers
    lmi = {"instance_type": "m5.large", "memory_gb": 2.0, "memory_gib_per_vcpu": 2.0, "max_concurrency": 1,
           "min_instances": 4, "max_instances": 4, "on_overload": "queue"}
    ec2 = {"instance_type": "m5.large", "workers_per_instance": 2, "scaling": {"policy": "fixed", "instances": 4}}
    sc = lmi_scenario(5000.0, 3, rate=5.0, duration={"dist": "exponential", "mean_s": 1.2}, lmi=lmi, ec2=ec2)
    a, b = lambdasim.simulate(sc, "lmi"), lambdasim.simulate(sc, "ec2")
    for col in ["arrival_s", "start_s", "end_s", "instance"]:
        np.testing.assert_array_equal(a.invocations[col].to_numpy(), b.invocations[col].to_numpy(), err_msg=col)
    for k in ["latency_p50_s", "latency_p99_s", "queue_wait_mean_s"]:
        assert a.summary[k] == b.summary[k]


def test_throttles_of_a_full_fixed_fleet_are_erlang_b():
    # 2 instances x 2 environments x 2 requests = 8 slots, no queue: M/M/8/8 loss at 6 Erlangs offered
    lmi = {"instance_type": "m5.large", "memory_gb": 2.0, "max_concurrency": 2, "min_instances": 2, "max_instances": 2}
    sc = lmi_scenario(300_000 / 6.0, 1, rate=6.0, duration={"dist": "exponential", "mean_s": 1.0}, lmi=lmi)
    s = lambdasim.simulate(sc, "lmi", records="summary").summary
    assert s["slots_per_instance"] == 4
    assert s["throttled"] / s["invocations"] == pytest.approx(erlang_b(8, 6.0), rel=0.03)
    assert s["completed"] + s["throttled"] + s["in_flight"] == s["invocations"]


def test_scale_out_never_more_than_doubles_in_five_minutes():
    # traffic jumps 8x at 1 h: the fleet grows by at most 2^(60/300) per minute, so throttles appear
    fns = [{"name": "f", "duration": {"dist": "constant", "value_s": 1.0},
            "workload": {"kind": "spike", "base_rate_per_s": 20.0, "spike_rate_per_s": 160.0, "at_s": 3600.0}}]
    sc = lambdasim.Scenario.from_dict({"name": "t", "horizon_s": 7200.0, "functions": fns, "pricing": "aws-latest",
                                       "lmi": {"max_concurrency": 4, "min_instances": 1, "max_instances": 200}})
    r = lambdasim.simulate(sc, "lmi")
    out = r.scaling[r.scaling["reason"] == "scale-out"]
    assert len(out) >= 3
    assert (out["to"] <= np.ceil(out["from"] * 2 ** (60 / 300) - 1e-9)).all()
    assert r.summary["throttled"] > 0


def test_lmi_needs_its_launch_date_and_valid_settings():
    with pytest.raises(CatalogueError, match="lmi.management_fee_fraction.*2025-11-30"):
        lambdasim.simulate(lmi_scenario(pricing="aws-2024"), "lmi")
    with pytest.raises(ScenarioError, match=r"lmi.memory_gib_per_vcpu must be in \[2, 8\]; got 1"):
        lmi_scenario(lmi={"memory_gib_per_vcpu": 1.0})
    with pytest.raises(ScenarioError, match="lmi.max_concurrency must be at most 1600"):
        lmi_scenario(lmi={"max_concurrency": 5000})
    with pytest.raises(ScenarioError, match="does not fit on a m7g.large"):
        lmi_scenario(lmi={"memory_gb": 16.0})
